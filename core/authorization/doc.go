// Package authorization answers Pomelo's real-time card authorizations and
// network adjustments: it verifies the request signature, enforces the
// idempotency key, decides against the ledger, commits decision and answer
// in one store write and signs the response.
//
// The package does no I/O of its own; it drives a Store that the caller
// provides (DynamoDB in AWS, the embedded store locally).
package authorization
