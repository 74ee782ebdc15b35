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
//     loop with 5 000 events kept.
package benchmarks_test
