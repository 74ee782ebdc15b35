package webhook

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// Receiver authenticates deliveries, names them and keeps them before they
// are acknowledged.
type Receiver struct {
	store     Store
	now       func() time.Time
	retention time.Duration
	erased    Erased
}

// Erased reports whether any of a notification's subjects (inbound.Name's)
// is a reference of a person erased since.
type Erased func(ctx context.Context, subjects []string) (bool, error)

// DropErased makes r keep a notification that names an erased person's
// reference DROPPED: acknowledged, so that its provider stops sending it,
// and listed, but without anything it said.
func (r *Receiver) DropErased(erased Erased) { r.erased = erased }

// DefaultRetention is how long an event is kept when NewReceiver is given
// no retention.
const DefaultRetention = 90 * 24 * time.Hour

// UnauthenticatedRetention is how long an event whose sender nothing
// authenticated is kept, whatever the retention: long enough to be
// processed and looked at, short enough that anyone's posts cannot fill the
// store for months.
const UnauthenticatedRetention = 24 * time.Hour

// NewReceiver returns a Receiver over store; now is its clock, and events
// it keeps expire retention after they were received (DefaultRetention
// when zero).
func NewReceiver(store Store, now func() time.Time, retention time.Duration) *Receiver {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &Receiver{store: store, now: now, retention: retention}
}

// Response is the answer to a delivery, in its provider's shape.
type Response struct {
	Status  int
	Body    []byte
	Outcome outcome.Outcome
}

// Refuse answers code on route, in its provider's shape.
func (r Route) Refuse(code outcome.Code, message string) Response {
	a := r.Replies.Refused(code, message)
	return Response{Status: a.Status, Body: a.Body, Outcome: outcome.Failed(code)}
}

// Receive answers one delivery on route: authenticated, named and kept, it
// is acknowledged in the provider's shape, and a duplicate exactly like the
// first delivery. Every failure writes nothing.
func (r *Receiver) Receive(ctx context.Context, route Route, d inbound.Delivery) Response {
	if route.Scheme == nil {
		return route.Refuse(outcome.CredentialNotSet, inbound.ErrNotConfigured.Error())
	}
	now := r.now()
	proof, err := route.Scheme.Authenticate(d, now)
	if err != nil {
		return route.Refuse(inbound.CodeOf(err), err.Error())
	}
	n, err := route.Namer(d.Body)
	if err != nil {
		return route.Refuse(outcome.MalformedPayload, err.Error())
	}
	e := Event{
		ID: IDOf(route.Name, n.Parts...), Provider: route.Provider, Route: route.Name,
		Type: n.Type, DedupeKey: n.Key, Status: Received, ReceivedAt: now, ExpiresAt: now.Add(r.retention),
		Auth: proof.Auth, Hint: proof.Hint, Headers: keptHeaders(d, proof), Body: d.Body, Subjects: SubjectKeys(n.Subjects),
	}
	if e.Unauthenticated() {
		e.ExpiresAt = now.Add(min(r.retention, UnauthenticatedRetention))
	}
	if !n.Known {
		e.Status = Unhandled
	}
	if r.erased != nil && len(n.Subjects) > 0 {
		gone, err := r.erased(ctx, n.Subjects)
		if err != nil {
			res := route.Refuse(outcome.StoreUnavailable, "the event could not be kept; send it again")
			res.Outcome.Error = err.Error()
			return res
		}
		if gone {
			e.Status, e.DedupeKey, e.Headers, e.Body, e.Subjects = Dropped, "", nil, nil, nil
		}
	}
	var sign *SignUse
	if proof.Sign != nil {
		sign = &SignUse{Sign: proof.Sign, BodyHash: sha256.Sum256(d.Body)}
	}
	dup, err := r.store.Receive(ctx, e, sign)
	switch {
	case errors.Is(err, ErrSignReused):
		// Either a replay of a captured URL with another body, or two
		// genuine pushes TD signed in the same millisecond: they cannot be
		// told apart. TD retries the second with a fresh sign, and the
		// verify function's query recovers a push TD gives up on.
		res := route.Refuse(outcome.SignReused, "sign was already used with another body: a replay")
		res.Outcome.Attrs = []slog.Attr{slog.String("dedupe_key", e.DedupeKey)}
		return res
	case errors.Is(err, storable.ErrInvalid):
		res := route.Refuse(outcome.InvalidInput, "the delivery holds a value no store can take")
		res.Outcome.Error = err.Error()
		return res
	case err != nil:
		res := route.Refuse(outcome.StoreUnavailable, "the event could not be kept; send it again")
		res.Outcome.Error = err.Error()
		return res
	}
	a := route.Replies.Acknowledged()
	res := Response{Status: a.Status, Body: a.Body, Outcome: outcome.Outcome{Result: outcome.Received, Attrs: []slog.Attr{
		slog.String("provider", e.Provider), slog.String("type", e.Type),
		slog.String("event_id", e.ID), slog.Bool("duplicate", dup), slog.String("auth", e.Auth),
	}}}
	switch {
	case dup:
		res.Outcome.Result = outcome.Replayed
	case e.Status == Dropped:
		res.Outcome.Result = outcome.Dropped
	}
	return res
}

// keptHeaders are the headers of a delivery worth keeping with it: its
// Content-Type, what the scheme checked (never a secret: Belvo's
// Authorization is one), and the query when the scheme signed it (TD's);
// each cut to MaxHeader.
func keptHeaders(d inbound.Delivery, proof inbound.Proof) map[string]string {
	h := make(map[string]string, len(proof.Headers)+2)
	for _, name := range append([]string{"Content-Type"}, proof.Headers...) {
		if v := d.Header.Get(name); v != "" {
			h[name] = bounded(v)
		}
	}
	if proof.Sign != nil {
		if _, q, ok := strings.Cut(d.Called, "?"); ok {
			h["query"] = bounded(q)
		}
	}
	return h
}
