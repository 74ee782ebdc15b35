package authorization

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// HeaderIdempotencyKey is the header Pomelo puts its idempotency key in.
const HeaderIdempotencyKey = "x-idempotency-key"

// DefaultDeadline is how long a request may take before it is answered
// REJECTED/SYSTEM_ERROR.
const DefaultDeadline = 1500 * time.Millisecond

// fenceBudget is how long the deadline path keeps trying to settle the
// request's outcome in the store once the deadline has passed.
const fenceBudget = 2 * time.Second

// Store commits a decision. Implementations must make each Commit atomic.
type Store interface {
	// Commit writes rec, a finished idempotency record, and applies p when it
	// is not nil, all or nothing. The write is refused with
	// *idempotency.HeldError when a record blocks rec's key (the store's record
	// takes precedence over every other failure), with idempotency.ErrBusy when
	// another request holds the key right now, or with one of the ledger
	// errors when p's conditions fail.
	Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error
}

// Headers gives header values by case-insensitive name; http.Header is one.
type Headers interface {
	Get(name string) string
}

// Request is one call to an endpoint of this package.
type Request struct {
	Route  Route
	Called string // the path that was called, with "?query" when there is one
	Header Headers
	Body   []byte
}

// Response is the answer to write. When Signature is set, the response is
// signed and the three x- headers must be sent with Body exactly.
type Response struct {
	Status    int
	Body      []byte
	Signature string
	Timestamp string
	Endpoint  string
	Outcome   Outcome
}

// Outcome summarizes a request for the request log. It holds nothing secret or
// personal.
type Outcome struct {
	Result          string // approved, rejected, adjusted, replayed, too_early, conflict, unauthorized, bad_request, system_error
	StatusDetail    pomelo.StatusDetail
	TransactionType pomelo.TransactionType
	TransactionID   string
	Error           string // the error code of a non-2xx answer, or the cause of a system error
}

// Service answers authorizations and adjustments.
type Service struct {
	verifier  signature.Verifier
	store     Store
	now       func() time.Time
	deadline  time.Duration
	retention time.Duration
}

// Config configures a Service. Zero durations take their defaults; a nil Now
// is time.Now.
type Config struct {
	Verifier  signature.Verifier
	Store     Store
	Now       func() time.Time
	Deadline  time.Duration // DefaultDeadline when zero
	Retention time.Duration // idempotency.DefaultRetention when zero
}

// New returns a Service.
func New(c Config) *Service {
	s := &Service{verifier: c.Verifier, store: c.Store, now: c.Now, deadline: c.Deadline, retention: c.Retention}
	if s.deadline <= 0 {
		s.deadline = DefaultDeadline
	}
	if s.retention <= 0 {
		s.retention = idempotency.DefaultRetention
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Serve answers one request. It never fails: every problem becomes a
// response with the status code and body Pomelo expects for it.
func (s *Service) Serve(ctx context.Context, r Request) Response {
	start := s.now()
	// The deadline is a span of real time, whatever clock s.now reads.
	ctx, cancel := context.WithTimeout(ctx, s.deadline)
	defer cancel()

	signed := signature.Signed{
		APIKey:    r.Header.Get(signature.HeaderAPIKey),
		Signature: r.Header.Get(signature.HeaderSignature),
		Timestamp: r.Header.Get(signature.HeaderTimestamp),
		Endpoint:  r.Header.Get(signature.HeaderEndpoint),
		Body:      r.Body,
	}
	if err := s.verifier.Verify(signed, r.Called, start); err != nil {
		return unsigned(401, signature.Code(err), err.Error())
	}
	x := exchange{s: s, apiKey: signed.APIKey, endpoint: signed.Endpoint, route: r.Route}

	key := r.Header.Get(HeaderIdempotencyKey)
	if err := idempotency.CheckKey(key); err != nil {
		return x.fail(400, "IDEMPOTENCY_KEY", err.Error())
	}
	auth, err := pomelo.DecodeAuthorization(r.Body)
	if err != nil {
		return x.fail(400, "MALFORMED_PAYLOAD", err.Error())
	}
	x.fp = idempotency.FingerprintOf(r.Called, r.Body)
	x.key = key
	x.outcome = Outcome{TransactionType: auth.Transaction.Type, TransactionID: auth.Transaction.ID}

	if r.Route == Authorize {
		return x.authorize(ctx, decideAuthorization(auth, start))
	}
	p, ok := decideAdjustment(auth, r.Route, start)
	if !ok {
		return x.fail(400, "MALFORMED_PAYLOAD", "amount.local.total of an adjustment must not be negative")
	}
	return x.adjust(ctx, p)
}

// exchange carries what answering one verified request needs.
type exchange struct {
	s        *Service
	apiKey   string // verified: the keyring has it
	endpoint string
	route    Route
	key      string
	fp       idempotency.Fingerprint
	outcome  Outcome
}

func (x *exchange) authorize(ctx context.Context, d decision) Response {
	err := x.commit(ctx, d.answer, d.posting)
	switch {
	case err == nil:
		return x.answer(d.answer)
	case errors.Is(err, ledger.ErrInsufficientFunds):
		return x.commitAnswer(ctx, pomelo.Answer{Status: pomelo.Rejected, Message: "insufficient funds", StatusDetail: pomelo.DetailInsufficientFunds}, nil)
	case errors.Is(err, ledger.ErrReversalExceeds):
		return x.commitAnswer(ctx, pomelo.Answer{Status: pomelo.Rejected, Message: "reversal exceeds what remains of the original transaction", StatusDetail: pomelo.DetailInvalidAmount}, nil)
	case errors.Is(err, ledger.ErrCurrencyMismatch):
		return x.commitAnswer(ctx, pomelo.Answer{Status: pomelo.Rejected, Message: "currency differs from the original transaction's", StatusDetail: pomelo.DetailInvalidAmount}, nil)
	case errors.Is(err, ledger.ErrOriginalNotFound):
		a := pomelo.Answer{Status: pomelo.Approved, Message: "original transaction not found: nothing moved, recorded for reconciliation", StatusDetail: pomelo.DetailApproved}
		return x.commitAnswer(ctx, a, unmatchedReversal(d.posting))
	case errors.Is(err, ledger.ErrAlreadyPosted):
		a := pomelo.Answer{Status: pomelo.Approved, Message: "transaction already processed", StatusDetail: pomelo.DetailApproved}
		return x.commitAnswer(ctx, a, nil)
	}
	return x.storeFailure(ctx, err)
}

// commitAnswer is the second write of a request whose first was refused.
func (x *exchange) commitAnswer(ctx context.Context, a pomelo.Answer, p *ledger.Posting) Response {
	err := x.commit(ctx, a, p)
	if p != nil && errors.Is(err, ledger.ErrAlreadyPosted) {
		// A request under another key recorded the same unmatched reversal first.
		err = x.commit(ctx, a, nil)
	}
	if err != nil {
		return x.storeFailure(ctx, err)
	}
	return x.answer(a)
}

func (x *exchange) adjust(ctx context.Context, p *ledger.Posting) Response {
	err := x.store(ctx, 200, nil, p)
	if errors.Is(err, ledger.ErrAlreadyPosted) {
		err = x.store(ctx, 200, nil, nil)
	}
	if err == nil {
		x.outcome.Result = "adjusted"
		return x.sign(200, nil)
	}
	return x.storeFailure(ctx, err)
}

func (x *exchange) commit(ctx context.Context, a pomelo.Answer, p *ledger.Posting) error {
	return x.store(ctx, 200, encode(a), p)
}

func encode(a pomelo.Answer) []byte {
	if a == approved {
		return approvedBody
	}
	return a.Encode()
}

func (x *exchange) store(ctx context.Context, status int, body []byte, p *ledger.Posting) error {
	rec := idempotency.Finish(x.key, x.fp, status, body, x.s.now(), x.s.retention)
	if err := x.s.store.Commit(ctx, rec, p); err != nil {
		return fmt.Errorf("authorization: commit %s: %w", x.outcome.TransactionID, err)
	}
	return nil
}

func (x *exchange) answer(a pomelo.Answer) Response {
	x.outcome.Result = "approved"
	if a.Status == pomelo.Rejected {
		x.outcome.Result = "rejected"
	}
	x.outcome.StatusDetail = a.StatusDetail
	return x.sign(200, encode(a))
}

// storeFailure answers a commit that did not go through: a duplicate, a key in
// transit, or the store failing or being too slow.
func (x *exchange) storeFailure(ctx context.Context, err error) Response {
	var held *idempotency.HeldError
	switch {
	case errors.As(err, &held):
		return x.duplicate(held.Record)
	case errors.Is(err, idempotency.ErrBusy):
		return x.tooEarly()
	}
	x.outcome.Error = err.Error()
	if x.route != Authorize {
		// An adjustment cannot be declined: fail loudly so that Pomelo retries
		// it with the same key, and the retry finds whatever did get written.
		x.outcome.Result = "system_error"
		return x.fail(503, "STORE_UNAVAILABLE", "the ledger store did not answer in time; retry with the same x-idempotency-key")
	}
	return x.fence(ctx)
}

// fence settles an authorization whose commit failed or ran past the deadline.
// The commit may still land, so before answering REJECTED we write that
// answer under the request's key: the store admits one finished record per
// key, so either the rejection is recorded, and the late commit (which needs
// the key free) can never apply, or the commit won and we answer what it
// recorded.
func (x *exchange) fence(ctx context.Context) Response {
	rejection := pomelo.Answer{Status: pomelo.Rejected, Message: "system error", StatusDetail: pomelo.DetailSystemError}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fenceBudget)
	defer cancel()
	for {
		err := x.commit(fctx, rejection, nil)
		var held *idempotency.HeldError
		switch {
		case err == nil:
			x.outcome.Result = "rejected"
			x.outcome.StatusDetail = pomelo.DetailSystemError
			return x.sign(200, rejection.Encode())
		case errors.As(err, &held):
			return x.duplicate(held.Record)
		case fctx.Err() != nil:
			// The store is unreachable: the outcome is unknown until the
			// day's reconciliation. Say so in the log.
			x.outcome.Result = "system_error"
			x.outcome.StatusDetail = pomelo.DetailSystemError
			x.outcome.Error = "outcome unknown: " + err.Error()
			return x.sign(200, rejection.Encode())
		}
		select {
		case <-fctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (x *exchange) duplicate(rec idempotency.Record) Response {
	switch idempotency.Evaluate(&rec, x.fp, x.s.now()) {
	case idempotency.Replay:
		x.outcome.Result = "replayed"
		return x.sign(rec.Status, rec.Body)
	case idempotency.Conflict:
		x.outcome.Result = "conflict"
		return x.fail(409, "IDEMPOTENCY_KEY_REUSED", "x-idempotency-key was already used for a different request; nothing was done")
	}
	return x.tooEarly()
}

func (x *exchange) tooEarly() Response {
	x.outcome.Result = "too_early"
	var body []byte
	if x.route == Authorize {
		body = pomelo.Answer{Status: pomelo.Rejected, Message: "a request with this x-idempotency-key is in transit; retry shortly", StatusDetail: pomelo.DetailSystemError}.Encode()
	}
	return x.sign(425, body)
}

func (x *exchange) fail(status int, code, message string) Response {
	if x.outcome.Result == "" {
		x.outcome.Result = "bad_request"
	}
	if x.outcome.Error == "" { // keep a system error's cause for the log
		x.outcome.Error = code
	}
	return x.sign(status, errorBody(code, message))
}

// sign signs body with our own clock's timestamp and the endpoint Pomelo named.
func (x *exchange) sign(status int, body []byte) Response {
	ts := signature.Timestamp(x.s.now())
	sig, _ := x.s.verifier.Keys.Sign(x.apiKey, ts, x.endpoint, body)
	return Response{
		Status:    status,
		Body:      body,
		Signature: sig,
		Timestamp: ts,
		Endpoint:  x.endpoint,
		Outcome:   x.outcome,
	}
}
