// Package authorization answers Pomelo's real-time card authorizations and
// network adjustments: it decodes the transaction, decides against the
// ledger and posts the movement. The steps every idempotent request shares
// (signature, idempotency key, one commit of answer and posting, duplicates,
// the fence after a deadline, the signed answer) are core/envelope's, with a
// ledger.Posting as the effect.
//
// The package does no I/O of its own; it drives a Store that the caller
// provides (DynamoDB in AWS, the embedded store locally).
package authorization
