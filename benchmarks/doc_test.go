// Package benchmarks measures the authorization path (make bench):
//
//   - BenchmarkDecisionPath: verify + decide + post + sign in process, over
//     the embedded store;
//   - BenchmarkHTTPDynamoDB: Pomelo's simulator against the HTTP handler over
//     DynamoDB Local, with concurrent clients, reporting latency percentiles
//     and DynamoDB calls per request; the DuplicateRetries variant resends
//     10 % of the requests with the same idempotency key.
package benchmarks_test
