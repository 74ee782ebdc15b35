package webhook

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Store keeps events and what their processing produced. Both stores
// implement it alike (storetest checks them).
type Store interface {
	// Receive keeps e, RECEIVED, UNHANDLED or DROPPED, unless an event with
	// e.ID is kept already: then it reports a duplicate and changes nothing
	// of the event. With a SignUse (TD), the sign is bound to the body in
	// the same write, also for a duplicate, and a sign already bound to
	// another body fails with ErrSignReused, keeping nothing.
	Receive(ctx context.Context, e Event, sign *SignUse) (duplicate bool, err error)
	// Event returns the event with id, or ErrNotFound.
	Event(ctx context.Context, id string) (Event, error)
	// Events returns a page of events matching f, newest first, and the
	// cursor of the next page ("" on the last), each without its Headers
	// and Body (Event has them): a page costs reads in proportion to its
	// size, whatever the filter. A cursor the store did not issue for f
	// fails with ErrCursor.
	Events(ctx context.Context, f Filter, cursor string, limit int) ([]Event, string, error)
	// Attempted records one processing attempt of event e (as kept: its
	// ID, Provider and Type): its status becomes a.Status and its attempts
	// grow by one, and a Processed attempt keeps a.Record in the same
	// write, unless a record of the same kind and id with a later version is
	// kept. An event already PROCESSED fails with ErrProcessed and changes
	// nothing: processing happens once. An unknown event fails with
	// ErrNotFound.
	Attempted(ctx context.Context, e Event, a Attempt) error
	// Record returns the kept record of kind and id, or ErrNotFound.
	Record(ctx context.Context, kind, id string) (inbound.Record, error)
	// Retry makes the FAILED event e (as kept: its ID, Provider and Type)
	// RECEIVED again, so that processing offers it anew; its attempts and
	// last error stay. An event in any other status fails with
	// ErrNotFailed, an unknown one with ErrNotFound; both change nothing.
	Retry(ctx context.Context, e Event) error
}

// Backlog finds how far behind processing is: the oldest event matching a
// filter (RECEIVED, say), as a listing has it (without headers and body),
// and false when none matches. One read, whatever the backlog's size.
type Backlog interface {
	Oldest(ctx context.Context, f Filter) (Event, bool, error)
}

// SignUse binds a sign (the decoded MAC of TD's query) to the body it came
// with.
type SignUse struct {
	Sign     []byte
	BodyHash [sha256.Size]byte
}

// Filter selects events; empty fields select all.
type Filter struct {
	Provider string
	Status   Status
	Type     string
	// Since and Until bound the time an event was received: from Since on,
	// before Until. A zero one leaves that side open.
	Since, Until time.Time
}

// Matches reports whether e passes f.
func (f Filter) Matches(e Event) bool {
	return (f.Provider == "" || e.Provider == f.Provider) &&
		(f.Status == "" || e.Status == f.Status) &&
		(f.Type == "" || e.Type == f.Type) &&
		(f.Since.IsZero() || !e.ReceivedAt.Before(f.Since)) &&
		(f.Until.IsZero() || e.ReceivedAt.Before(f.Until))
}

// Tag names f in a store's cursor, which continues only the listing of the
// filter it was issued for: a cursor of one listing is meaningless in
// another.
func (f Filter) Tag() string {
	h := sha256.New()
	for _, s := range []string{f.Provider, string(f.Status), f.Type, timeTag(f.Since), timeTag(f.Until)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return string(text.AppendHex(nil, h.Sum(nil)[:6]))
}

func timeTag(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

// Attempt is the result of one processing attempt.
type Attempt struct {
	Status Status // Processed or Failed
	Error  string // why a Failed attempt failed
	Note   string // what a Processed attempt says of the event, if anything
	Record *inbound.Record
}

// Errors of a Store.
var (
	ErrNotFound   = errors.New("webhook: not found")
	ErrSignReused = errors.New("webhook: TD sign already used with another body")
	ErrProcessed  = errors.New("webhook: event already processed")
	ErrCursor     = errors.New("webhook: invalid page cursor")
	ErrNotFailed  = errors.New("webhook: the event is not FAILED")
)
