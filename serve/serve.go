// Package serve is the one shape every function takes (Function: what it
// serves) and how Lambda runs it: one dispatcher routes each invocation, by
// its event's shape, to the handler the function declared (an HTTP API
// request to its http.Handler, a DynamoDB stream batch to its stream
// handler, an EventBridge scheduled event to its schedule handler), and
// refuses an event it does not serve. The local stack serves the same
// Function on its one port.
package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Function is what a function serves. A nil handler is one it does not
// serve.
type Function struct {
	// HTTP serves the function's routes: API Gateway's requests in Lambda,
	// the local stack's port locally, under Paths.
	HTTP http.Handler
	// Paths are the path prefixes of HTTP's routes ("/webhooks/"), by which
	// the local stack, serving every function on one port, picks it.
	Paths []string
	// Stream handles one record of a DynamoDB stream. A record that fails
	// is retried by Lambda with every record after it.
	Stream func(ctx context.Context, c Change) error
	// Schedule handles an EventBridge scheduled event.
	Schedule func(ctx context.Context, e Scheduled) error
	// Invoke handles a direct invocation: an event that is a JSON object of
	// none of the shapes above, as `aws lambda invoke`, an asynchronous
	// invocation or EventBridge Scheduler's Input sends it. What it
	// returns is the invocation's result.
	Invoke func(ctx context.Context, event json.RawMessage) (any, error)
	// Tick is the local stack's stand-in for the stream and the schedule,
	// which it has neither of: called every second, and whenever a store
	// says something changed.
	Tick func(ctx context.Context) error
}

// Change is one record of a DynamoDB stream.
type Change struct {
	Name     string // INSERT, MODIFY or REMOVE
	Sequence string
	Keys     map[string]types.AttributeValue
	NewImage map[string]types.AttributeValue
}

// Scheduled is an EventBridge scheduled event.
type Scheduled struct {
	Time   time.Time
	Rule   string // the resource that fired it
	Detail json.RawMessage
}
