package verification

import (
	"context"
	"errors"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

// Provider is one provider's adapter: its HTTP client and the decoders of
// its own core package.
type Provider interface {
	// Start asks the provider about in and returns its reference for the
	// request. An employment.Problem error is the provider's answer; any
	// other error is a failure to reach it.
	Start(ctx context.Context, id string, in Input) (reference string, err error)
	// Find asks whether the provider holds a request started for the
	// verification id (our reference, sent with the start) since
	// startedAt, and returns its reference: it recovers a start whose
	// answer was never recorded. It fails with ErrNotFound when the
	// provider holds none, ErrCannotFind when the provider offers no way
	// to ask, and any other error when it could not be asked.
	Find(ctx context.Context, id string, in Input, startedAt time.Time) (reference string, err error)
	// Check asks for the result of reference, read into a report about
	// known, from source, against today. An error is a failure to ask: the
	// attempt stays as it was.
	Check(ctx context.Context, reference string, known employment.Person, source employment.Source, today employment.Date) (Result, error)
	// Notice reads a notification of the provider (its event type and
	// body, as the webhooks function kept them).
	Notice(eventType string, body []byte) (Notice, error)
	// Window is how long after its start an attempt may still be answered.
	Window() time.Duration
	// Serves reports whether the provider reads the institution's records.
	Serves(Institution) bool
}

// Result is what a Check found: a report, the provider's problem with the
// attempt, or neither (not yet).
type Result struct {
	Report  *employment.Report
	Problem *employment.Problem
}

// Notice is what a notification says.
type Notice struct {
	// Reference is the request it is about; "" for a notification about
	// none of ours (another product's, a test).
	Reference string
	// Problem is a failure the notification reports by itself (Palenca's
	// login.error). It is believed only when the body is authenticated
	// (webhook.Event.Hint false); otherwise the provider's API is asked.
	Problem *employment.Problem
	// Claim reads the report a notification's body carries (TD's push),
	// nil when it carries none. A claim is never believed: the Check's
	// report is kept, and a difference is reported.
	Claim func(known employment.Person, source employment.Source, today employment.Date) (employment.Report, error)
}

// Unusable is the Result of an answer that cannot be read as a report:
// PROVIDER_BAD_DATA, the provider's fault, so the next provider is tried.
func Unusable(detail string) Result {
	p := employment.ProblemOf(outcome.ProviderBadData, detail)
	return Result{Problem: &p}
}

// ErrCannotFind is Provider.Find's answer for a provider that offers no way
// to find a request by anything we sent with it (TD).
var ErrCannotFind = errors.New("verification: the provider cannot be asked for a request by our reference")
