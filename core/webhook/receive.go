package webhook

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Receiver authenticates deliveries, names them and keeps them before they
// are acknowledged.
type Receiver struct {
	schemes map[Route]Scheme
	store   Store
	now     func() time.Time
}

// NewReceiver returns a Receiver over store. A route without a scheme
// refuses every delivery; a nil now is time.Now.
func NewReceiver(schemes map[Route]Scheme, store Store, now func() time.Time) *Receiver {
	if now == nil {
		now = time.Now
	}
	return &Receiver{schemes: schemes, store: store, now: now}
}

// Response is the answer to a delivery, in its provider's shape.
type Response struct {
	Status  int
	Body    []byte
	Outcome outcome.Outcome
}

// Receive answers one delivery on route: authenticated, named and kept, it
// is acknowledged in the provider's shape, and a duplicate exactly like the
// first delivery. Every failure writes nothing.
func (r *Receiver) Receive(ctx context.Context, route Route, in Inbound) Response {
	scheme, ok := r.schemes[route]
	if !ok {
		return Failure(route, outcome.Unauthenticated, ErrNotConfigured.Error())
	}
	now := r.now()
	proof, err := scheme.Authenticate(in, now)
	switch {
	case errors.Is(err, ErrMissingParameter):
		return Failure(route, outcome.MissingParameter, err.Error())
	case err != nil:
		code := outcome.Unauthenticated
		if c := signature.Code(err); route.Provider() == Pomelo && c != signature.CodeInvalid {
			code = outcome.Code(c)
		}
		return Failure(route, code, err.Error())
	}
	n, err := Name(route, in.Body)
	if err != nil {
		return Failure(route, outcome.MalformedPayload, err.Error())
	}
	e := Event{
		ID: IDOf(route.Provider(), n.DedupeKey), Provider: route.Provider(), Route: route,
		Type: n.Type, DedupeKey: n.DedupeKey, Status: Received, ReceivedAt: now,
		Auth: proof.Auth, Hint: proof.Hint, Headers: keptHeaders(route, in, proof), Body: in.Body,
	}
	if !n.Known {
		e.Status = Unhandled
	}
	var sign *SignUse
	if proof.Sign != "" {
		sign = &SignUse{Sign: proof.Sign, BodyHash: sha256.Sum256(in.Body)}
	}
	dup, err := r.store.Receive(ctx, e, sign)
	switch {
	case errors.Is(err, ErrSignReused):
		return Failure(route, outcome.SignReused, "sign was already used with another body: a replay")
	case errors.Is(err, storable.ErrInvalid):
		res := Failure(route, outcome.InvalidInput, "the delivery holds a value no store can take")
		res.Outcome.Error = err.Error()
		return res
	case err != nil:
		res := Failure(route, outcome.StoreUnavailable, "the event could not be kept; send it again")
		res.Outcome.Error = err.Error()
		return res
	}
	res := acknowledged(route)
	res.Outcome = outcome.Outcome{Result: outcome.Received, Attrs: []slog.Attr{
		slog.String("provider", string(e.Provider)), slog.String("type", e.Type),
		slog.String("event_id", e.ID), slog.Bool("duplicate", dup), slog.String("auth", e.Auth),
	}}
	if dup {
		res.Outcome.Result = outcome.Replayed
	}
	return res
}

// The acknowledgements, as each provider expects them.
var (
	tdAcknowledged  = []byte(`{"code":200,"message":""}`)
	receivedMessage = []byte(`{"received":true}`)
)

func acknowledged(route Route) Response {
	switch route.Provider() {
	case Pomelo:
		return Response{Status: 204}
	case TD:
		return Response{Status: 200, Body: tdAcknowledged}
	}
	return Response{Status: 200, Body: receivedMessage}
}

// Failure answers code: in TD's shape {"code":<status>,"message"} on TD's
// route, else in ours.
func Failure(route Route, code outcome.Code, message string) Response {
	status := outcome.Status(code)
	res := Response{Status: status, Body: outcome.ErrorBody(code, message), Outcome: outcome.Failed(code)}
	if route.Provider() == TD {
		b := append([]byte(`{"code":`), strconv.Itoa(status)...)
		b = append(b, `,"message":`...)
		b = text.AppendJSONString(b, message)
		res.Body = append(b, '}')
	}
	return res
}

// keptHeaders are the headers of a delivery worth keeping with it: its
// Content-Type, what the scheme checked (never a secret: Belvo's
// Authorization is one), and TD's signed query.
func keptHeaders(route Route, in Inbound, proof Proof) map[string]string {
	h := make(map[string]string, len(proof.Headers)+2)
	for _, name := range append([]string{"Content-Type"}, proof.Headers...) {
		if v := in.Header.Get(name); v != "" {
			h[name] = v
		}
	}
	if route == TDPush {
		if _, q, ok := strings.Cut(in.Called, "?"); ok {
			h["query"] = q
		}
	}
	return h
}
