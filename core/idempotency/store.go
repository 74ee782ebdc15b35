package idempotency

import (
	"errors"
	"fmt"
	"time"
)

// ErrBusy is returned by a store when another request with the same key is
// being written at this very moment.
var ErrBusy = errors.New("idempotency: key is in transit in another request")

// HeldError is returned by a store that refused a write because it already
// holds a record that blocks the key. The record tells the caller what to
// answer (see Evaluate).
type HeldError struct {
	Record Record
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("idempotency: key %q is held by the answer of %s", e.Record.Key, e.Record.CreatedAt.UTC().Format(time.RFC3339))
}
