// Package envelope runs the steps every idempotent request shares, whatever
// it asks for: check its idempotency key, fingerprint it, commit its answer
// together with its effect in one store write, answer a duplicate with the
// stored answer (or 409 for another request, 425 while it is being written),
// settle a write whose outcome is unknown, and sign the answer when the
// request came signed.
//
// What a request means, what it does and what it answers belongs to the
// caller (core/authorization for Pomelo's card transactions): the envelope
// carries the effect to the store without looking inside it.
package envelope

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// Store commits a request's answer with its effect. Implementations must make
// each Commit atomic.
type Store[E any] interface {
	// Commit writes rec, a finished idempotency record, and applies effect
	// unless it is the zero E, all or nothing. The write is refused with
	// *idempotency.HeldError when a record blocks rec's key (the store's
	// record takes precedence over every other failure), with
	// idempotency.ErrBusy when another request is writing the key right now,
	// or with the errors of the effect's own conditions.
	Commit(ctx context.Context, rec idempotency.Record, effect E) error
}

// Response is the answer to write. When Signature is set, the answer is
// signed and Signature, Timestamp and Endpoint go out with Body exactly.
type Response struct {
	Status    int
	Body      []byte
	Signature string
	Timestamp string
	Endpoint  string
	Outcome   outcome.Outcome
}

// Envelope runs exchanges over one store.
type Envelope[E any] struct {
	store     Store[E]
	now       func() time.Time
	retention time.Duration
}

// New returns an Envelope committing to store. Finished answers are kept for
// retention (idempotency.DefaultRetention when zero); now is its clock,
// which the caller owns.
func New[E any](store Store[E], now func() time.Time, retention time.Duration) *Envelope[E] {
	if retention <= 0 {
		retention = idempotency.DefaultRetention
	}
	return &Envelope[E]{store: store, now: now, retention: retention}
}

// Open starts the exchange of one request whose answers signer signs (the
// zero Signer leaves them unsigned).
func (v *Envelope[E]) Open(signer Signer) Exchange[E] {
	return Exchange[E]{v: v, signer: signer}
}

// Exchange is one request going through the envelope. It is not safe for
// concurrent use.
type Exchange[E any] struct {
	v      *Envelope[E]
	signer Signer
	key    string
	fp     idempotency.Fingerprint

	// TooEarly is the body of a 425 answer, in the shape the route answers
	// in; nil for none.
	TooEarly []byte
	// Outcome is what the request log will say; the caller adds its
	// attributes.
	Outcome outcome.Outcome
}

// Key sets the request's idempotency key and fingerprints the request as the
// endpoint called and the exact body. It fails with the error of
// idempotency.CheckKey, after which the caller answers Fail with
// outcome.IdempotencyKey.
func (x *Exchange[E]) Key(key, called string, body []byte) error {
	if err := idempotency.CheckKey(key); err != nil {
		return err
	}
	x.key, x.fp = key, idempotency.FingerprintOf(called, body)
	return nil
}

// Commit stores the answer (status and body) under the request's key,
// together with effect, in one write; see Store for the errors.
func (x *Exchange[E]) Commit(ctx context.Context, status int, body []byte, effect E) error {
	rec := idempotency.Finish(x.key, x.fp, status, body, x.v.now(), x.v.retention)
	if err := x.v.store.Commit(ctx, rec, effect); err != nil {
		return fmt.Errorf("envelope: commit %s: %w", x.key, err)
	}
	return nil
}

// Answer returns the response status and body, signed when the request was,
// and records result.
func (x *Exchange[E]) Answer(result outcome.Result, status int, body []byte) Response {
	x.Outcome.Result = result
	ts, sig, endpoint := x.signer.sign(x.v.now(), body)
	return Response{Status: status, Body: body, Signature: sig, Timestamp: ts, Endpoint: endpoint, Outcome: x.Outcome}
}

// Fail answers an error body with code's status, keeping the cause of a
// system error already recorded for the log.
func (x *Exchange[E]) Fail(code outcome.Code, message string) Response {
	o := outcome.Failed(code)
	if x.Outcome.Error == "" {
		x.Outcome.Error = o.Error
	}
	return x.Answer(o.Result, outcome.Status(code), outcome.ErrorBody(code, message))
}

// Refused answers a Commit that the store refused because of the key or the
// input: the stored answer to a duplicate, 409 for a key reused by another
// request, 425 while the key is being written, or 400 INVALID_INPUT for an
// input no store can take (storable.ErrInvalid), which a retry could never
// change. It reports false for any other error, which the caller settles
// (Unavailable, Fence).
func (x *Exchange[E]) Refused(err error) (Response, bool) {
	var held *idempotency.HeldError
	switch {
	case errors.Is(err, storable.ErrInvalid):
		x.Outcome.Error = err.Error()
		return x.Fail(outcome.InvalidInput, "the request holds a value no store can take; it cannot succeed as sent, nothing was done"), true
	case errors.As(err, &held):
		return x.duplicate(held.Record), true
	case errors.Is(err, idempotency.ErrBusy):
		return x.tooEarly(), true
	}
	return Response{}, false
}

func (x *Exchange[E]) duplicate(rec idempotency.Record) Response {
	switch idempotency.Evaluate(&rec, x.fp, x.v.now()) {
	case idempotency.Replay:
		return x.Answer(outcome.Replayed, rec.Status, rec.Body)
	case idempotency.Conflict:
		return x.Fail(outcome.KeyReused, "the idempotency key was already used for a different request; nothing was done")
	}
	// The record lapsed between the store's refusal and now: the key is
	// being rewritten.
	return x.tooEarly()
}

func (x *Exchange[E]) tooEarly() Response {
	return x.Answer(outcome.TooEarly, 425, x.TooEarly)
}

// Unavailable answers a write that failed for a reason other than the key:
// 503, so that the caller retries with the same key and the retry finds
// whatever did get written.
func (x *Exchange[E]) Unavailable(err error) Response {
	x.Outcome.Error = err.Error()
	return x.Fail(outcome.StoreUnavailable, "the store did not answer in time; retry with the same idempotency key")
}

// fenceBudget is how long Fence keeps trying to settle an outcome.
const fenceBudget = 2 * time.Second

// Fence settles a request whose write failed or ran past its deadline: the
// write may still land, so before giving the answer status and body (a
// decline, say) it is written under the request's key with no effect. The
// store admits one finished record per key, so either the answer is recorded
// and the late write, which needs the key free, can never apply, or the late
// write won and Fence answers what it recorded. When the store cannot be
// reached for fenceBudget the answer goes out anyway and the log says the
// outcome is unknown. Fence runs past ctx's deadline, not its cancellation.
func (x *Exchange[E]) Fence(ctx context.Context, result outcome.Result, status int, body []byte) Response {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fenceBudget)
	defer cancel()
	var none E
	for {
		err := x.Commit(fctx, status, body, none)
		if err == nil {
			return x.Answer(result, status, body)
		}
		if res, ok := x.Refused(err); ok {
			return res
		}
		if fctx.Err() != nil {
			x.Outcome.Error = "outcome unknown: " + err.Error()
			return x.Answer(outcome.SystemError, status, body)
		}
		select {
		case <-fctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}
