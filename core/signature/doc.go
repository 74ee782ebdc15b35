// Package signature signs and verifies the HMAC schemes our providers use:
// Pomelo's HMAC-SHA256 over timestamp, endpoint and body (requests, responses
// and webhooks), and TD's HmacSHA1 over partner code, timestamp and access key.
//
// Verification is a pure function of bytes, header strings, keys and a clock
// reading handed in by the caller; every way it can fail has its own exported
// error so that callers (and the debugger page) can say why.
package signature
