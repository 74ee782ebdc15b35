package inbound

import (
	"errors"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

// Refusal is why a scheme refused a delivery: the provider's own sentinel
// error (errors.Is finds it), the code the answer and the request log carry,
// and what in the delivery was wrong.
type Refusal struct {
	Code   outcome.Code
	Err    error
	Detail string
}

// Refuse returns a *Refusal.
func Refuse(code outcome.Code, err error, detail string) error {
	return &Refusal{Code: code, Err: err, Detail: detail}
}

func (r *Refusal) Error() string {
	if r.Detail == "" {
		return r.Err.Error()
	}
	return r.Err.Error() + ": " + r.Detail
}

func (r *Refusal) Unwrap() error { return r.Err }

// CodeOf returns the code of the Refusal err holds, and Unauthenticated
// for any other error: a scheme's failure is a 401 unless it says
// otherwise.
func CodeOf(err error) outcome.Code {
	if r, ok := errors.AsType[*Refusal](err); ok {
		return r.Code
	}
	return outcome.Unauthenticated
}

// ErrNotConfigured reports a route whose credential is not set: it refuses
// every delivery.
var ErrNotConfigured = errors.New("inbound: this route's credential is not set")
