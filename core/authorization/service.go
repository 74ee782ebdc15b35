package authorization

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/envelope"
	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// HeaderIdempotencyKey is the header Pomelo puts its idempotency key in.
const HeaderIdempotencyKey = "x-idempotency-key"

// DefaultDeadline is how long a request may take before it is answered
// REJECTED/SYSTEM_ERROR.
const DefaultDeadline = 1500 * time.Millisecond

// Store commits a decision: the envelope's store with ledger postings as the
// effect. Besides the envelope's errors, Commit fails with one of the ledger
// errors when the posting's conditions do not hold, and first of all with
// Check's error, so that every store refuses the same inputs.
type Store interface {
	Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error
}

// Check reports a commit no store can take, with an error wrapping
// storable.ErrInvalid (see idempotency.Record.Check and ledger.Posting.Check).
func Check(rec idempotency.Record, p *ledger.Posting) error {
	if err := rec.Check(); err != nil {
		return err
	}
	if p != nil {
		return p.Check()
	}
	return nil
}

// Request is one call to an endpoint of this package.
type Request struct {
	Route  Route
	Called string // the path that was called, with "?query" when there is one
	Header envelope.Headers
	Body   []byte
}

// Service answers authorizations and adjustments.
type Service struct {
	verifier signature.Verifier
	envelope *envelope.Envelope[*ledger.Posting]
	now      func() time.Time
	deadline time.Duration
}

// Config configures a Service. Zero durations take their defaults; Now is
// required: the service decides deadlines and signature windows by it.
type Config struct {
	Verifier  signature.Verifier
	Store     Store
	Now       func() time.Time
	Deadline  time.Duration // DefaultDeadline when zero
	Retention time.Duration // idempotency.DefaultRetention when zero
}

// New returns a Service.
func New(c Config) *Service {
	s := &Service{verifier: c.Verifier, now: c.Now, deadline: c.Deadline}
	if s.deadline <= 0 {
		s.deadline = DefaultDeadline
	}
	s.envelope = envelope.New[*ledger.Posting](c.Store, s.now, c.Retention)
	return s
}

// Serve answers one request. It never fails: every problem becomes a
// response with the status code and body Pomelo expects for it.
func (s *Service) Serve(ctx context.Context, r Request) envelope.Response {
	start := s.now()
	// The deadline is a span of real time, whatever clock s.now reads.
	ctx, cancel := context.WithTimeout(ctx, s.deadline)
	defer cancel()

	signer, err := envelope.VerifyPomelo(s.verifier, r.Called, r.Header, r.Body, start)
	if err != nil {
		return envelope.Unauthenticated(err)
	}
	x := s.envelope.Open(signer)
	if r.Route == Authorize {
		x.TooEarly = tooEarlyBody
	}
	if err := x.Key(r.Header.Get(HeaderIdempotencyKey), r.Called, r.Body); err != nil {
		return x.Fail(outcome.IdempotencyKey, err.Error())
	}
	auth, err := pomelo.DecodeAuthorization(r.Body)
	if err != nil {
		return x.Fail(outcome.MalformedPayload, err.Error())
	}
	// Room for the status detail that the answer adds.
	x.Outcome.Attrs = append(make([]slog.Attr, 0, 3),
		slog.String("transaction_type", string(auth.Transaction.Type)),
		slog.String("transaction_id", auth.Transaction.ID),
	)
	if r.Route == Authorize {
		return authorize(ctx, &x, decideAuthorization(auth, start))
	}
	p, ok := decideAdjustment(auth, r.Route, start)
	if !ok {
		return x.Fail(outcome.MalformedPayload, "amount.local.total of an adjustment must not be negative")
	}
	return adjust(ctx, &x, p)
}

// exchange is one request of this package in the envelope.
type exchange = envelope.Exchange[*ledger.Posting]

var tooEarlyBody = pomelo.Answer{Status: pomelo.Rejected, Message: "a request with this x-idempotency-key is in transit; retry shortly", StatusDetail: pomelo.DetailSystemError}.Encode()

func authorize(ctx context.Context, x *exchange, d decision) envelope.Response {
	err := commit(ctx, x, d.answer, d.posting)
	switch {
	case err == nil:
		return answer(x, d.answer)
	case errors.Is(err, ledger.ErrInsufficientFunds):
		return commitAnswer(ctx, x, pomelo.Answer{Status: pomelo.Rejected, Message: "insufficient funds", StatusDetail: pomelo.DetailInsufficientFunds}, nil)
	case errors.Is(err, ledger.ErrReversalExceeds):
		return commitAnswer(ctx, x, pomelo.Answer{Status: pomelo.Rejected, Message: "reversal exceeds what remains of the original transaction", StatusDetail: pomelo.DetailInvalidAmount}, nil)
	case errors.Is(err, ledger.ErrBalanceLimit):
		return commitAnswer(ctx, x, pomelo.Answer{Status: pomelo.Rejected, Message: "the balance would exceed its limit", StatusDetail: pomelo.DetailInvalidAmount}, nil)
	case errors.Is(err, ledger.ErrCurrencyMismatch):
		return commitAnswer(ctx, x, pomelo.Answer{Status: pomelo.Rejected, Message: "currency differs from the original transaction's", StatusDetail: pomelo.DetailInvalidAmount}, nil)
	case errors.Is(err, ledger.ErrOriginalNotFound):
		a := pomelo.Answer{Status: pomelo.Approved, Message: "original transaction not found: nothing moved, recorded for reconciliation", StatusDetail: pomelo.DetailApproved}
		return commitAnswer(ctx, x, a, unmatchedReversal(d.posting))
	case errors.Is(err, ledger.ErrAlreadyPosted):
		a := pomelo.Answer{Status: pomelo.Approved, Message: "transaction already processed", StatusDetail: pomelo.DetailApproved}
		return commitAnswer(ctx, x, a, nil)
	}
	return authorizationFailure(ctx, x, err)
}

// commitAnswer is the second write of a request whose first was refused.
func commitAnswer(ctx context.Context, x *exchange, a pomelo.Answer, p *ledger.Posting) envelope.Response {
	err := commit(ctx, x, a, p)
	if p != nil && errors.Is(err, ledger.ErrAlreadyPosted) {
		// A request under another key recorded the same unmatched reversal first.
		err = commit(ctx, x, a, nil)
	}
	if err != nil {
		return authorizationFailure(ctx, x, err)
	}
	return answer(x, a)
}

// authorizationFailure answers a commit that did not go through: a
// duplicate, a key in transit, or the store failing or being too slow. An
// authorization must be answered before its deadline, so an unknown outcome
// is fenced off and declined.
func authorizationFailure(ctx context.Context, x *exchange, err error) envelope.Response {
	if res, ok := x.Refused(err); ok {
		return res
	}
	x.Outcome.Error = err.Error()
	x.Outcome.Attrs = append(x.Outcome.Attrs, slog.String("status_detail", string(pomelo.DetailSystemError)))
	return x.Fence(ctx, outcome.Rejected, 200, systemErrorBody)
}

var systemErrorBody = pomelo.Answer{Status: pomelo.Rejected, Message: "system error", StatusDetail: pomelo.DetailSystemError}.Encode()

func adjust(ctx context.Context, x *exchange, p *ledger.Posting) envelope.Response {
	err := x.Commit(ctx, 200, nil, p)
	if errors.Is(err, ledger.ErrAlreadyPosted) {
		err = x.Commit(ctx, 200, nil, nil)
	}
	if err == nil {
		return x.Answer(outcome.Adjusted, 200, nil)
	}
	if errors.Is(err, ledger.ErrBalanceLimit) {
		// Nothing is written: the same adjustment retried is refused alike.
		return x.Fail(outcome.BalanceLimit, "the adjustment would take the balance beyond ±10^15 minor units; nothing was done")
	}
	if res, ok := x.Refused(err); ok {
		return res
	}
	// An adjustment cannot be declined: fail loudly so that Pomelo retries
	// it with the same key, and the retry finds whatever did get written.
	return x.Unavailable(err)
}

func commit(ctx context.Context, x *exchange, a pomelo.Answer, p *ledger.Posting) error {
	return x.Commit(ctx, 200, encode(a), p)
}

func encode(a pomelo.Answer) []byte {
	if a == approved {
		return approvedBody
	}
	return a.Encode()
}

func answer(x *exchange, a pomelo.Answer) envelope.Response {
	result := outcome.Approved
	if a.Status == pomelo.Rejected {
		result = outcome.Rejected
	}
	x.Outcome.Attrs = append(x.Outcome.Attrs, slog.String("status_detail", string(a.StatusDetail)))
	return x.Answer(result, 200, encode(a))
}
