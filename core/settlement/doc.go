// Package settlement reconciles Pomelo's daily settlement files against
// the ledger: it reads the transaction and presentation files (header-driven
// CSV), applies the reconciliation table to every transaction row, posts
// what the ledger lacks exactly once, and writes the day's summary and
// exceptions. It reads and writes through small interfaces (Bucket, Ledger,
// Runs) that the adapters implement.
package settlement
