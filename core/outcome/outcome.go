// Package outcome says how a request ended: the error codes the APIs answer
// with, the one table that gives each its HTTP status, the one builder of the
// {"error":{"code","message"}} body, and the typed result the request log
// records.
package outcome

import "log/slog"

// Result is how a request ended, as the request log names it. The list only
// grows.
type Result string

// The results.
const (
	OK           Result = "ok"           // a read answered
	Approved     Result = "approved"     // an authorization approved
	Rejected     Result = "rejected"     // an authorization declined
	Adjusted     Result = "adjusted"     // an adjustment applied
	Replayed     Result = "replayed"     // a duplicate answered with the stored answer
	TooEarly     Result = "too_early"    // a duplicate of a request still being written (425)
	Conflict     Result = "conflict"     // a key reused for another request (409)
	Unauthorized Result = "unauthorized" // authentication failed (401)
	Forbidden    Result = "forbidden"    // a source address the route does not accept (403)
	BadRequest   Result = "bad_request"  // the request was refused as it stands (4xx)
	NotFound     Result = "not_found"    // no such route (404)
	SystemError  Result = "system_error" // we failed: the store, a deadline, a bug
	Received     Result = "received"     // a webhook delivery kept
	Dropped      Result = "dropped"      // a webhook delivery acknowledged and dropped: it names an erased person
)

// Outcome is what the request log records of a request beyond its method,
// route, status and latency. It holds nothing secret or personal.
type Outcome struct {
	Result Result
	// Error is the error code of a non-2xx answer, or the cause of a system
	// error.
	Error string
	// Attrs are what the route adds: a status detail, a transaction's type
	// and id.
	Attrs []slog.Attr
}

// Failed returns the outcome of an answer with code: its Result follows from
// the code's status.
func Failed(code Code) Outcome {
	return Outcome{Result: resultOf(Status(code)), Error: string(code)}
}

func resultOf(status int) Result {
	switch {
	case status == 401:
		return Unauthorized
	case status == 403:
		return Forbidden
	case status == 404:
		return NotFound
	case status == 409:
		return Conflict
	case status >= 500:
		return SystemError
	}
	return BadRequest
}
