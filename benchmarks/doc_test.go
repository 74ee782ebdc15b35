// Package benchmarks measures the functions (make bench):
//
//   - BenchmarkDecisionPath: verify + decide + post + sign in process, over
//     the embedded store;
//   - BenchmarkHTTPDynamoDB: Pomelo's simulator against the HTTP handler over
//     DynamoDB Local, with concurrent clients, reporting latency percentiles
//     and DynamoDB calls per request; the DuplicateRetries variant resends
//     10 % of the requests with the same idempotency key;
//   - BenchmarkWebhooksDynamoDB: each provider's notification received,
//     verified, kept and acknowledged over DynamoDB Local;
//   - BenchmarkEventsDynamoDB: the events API and the local processing
//     loop with 5 000 events kept;
//   - BenchmarkErase: a person with 100 verifications and 1 000 events
//     erased, on the embedded store and on DynamoDB Local.
package benchmarks_test
