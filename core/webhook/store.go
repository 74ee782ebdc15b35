package webhook

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"
)

// Store keeps events and what their processing produced. Both stores
// implement it alike (storetest checks them).
type Store interface {
	// Receive keeps e, RECEIVED or UNHANDLED, unless an event with e.ID is
	// kept already: then it reports a duplicate and changes nothing. With a
	// SignUse (TD), the sign is bound to the body in the same write, and a
	// sign already bound to another body fails with ErrSignReused. One
	// conditional write, no read.
	Receive(ctx context.Context, e Event, sign *SignUse) (duplicate bool, err error)
	// Event returns the event with id, or ErrNotFound.
	Event(ctx context.Context, id string) (Event, error)
	// Events returns a page of events matching f, newest first, and the
	// cursor of the next page ("" on the last). A cursor the store did not
	// issue for f fails with ErrCursor.
	Events(ctx context.Context, f Filter, cursor string, limit int) ([]Event, string, error)
	// Settle records one processing attempt of event id: its status becomes
	// s.Status and its attempts grow by one, and a Processed settlement
	// keeps s.Record in the same write, unless a record of the same kind and
	// id with a later version is kept. An event already PROCESSED fails with
	// ErrSettled and changes nothing: processing happens once.
	Settle(ctx context.Context, id string, s Settlement) error
	// Record returns the kept record of kind and id, or ErrNotFound.
	Record(ctx context.Context, kind, id string) (Record, error)
}

// SignUse binds a TD sign to the body it came with.
type SignUse struct {
	Sign     string
	BodyHash [sha256.Size]byte
}

// Filter selects events; empty fields select all.
type Filter struct {
	Provider Provider
	Status   Status
	Type     string
}

// Matches reports whether e passes f.
func (f Filter) Matches(e Event) bool {
	return (f.Provider == "" || e.Provider == f.Provider) &&
		(f.Status == "" || e.Status == f.Status) &&
		(f.Type == "" || e.Type == f.Type)
}

// Settlement is the result of one processing attempt.
type Settlement struct {
	Status Status // Processed or Failed
	Error  string // why a Failed attempt failed
	Record *Record
}

// Record is what processing an event keeps: one per kind and id, the one
// with the latest version winning.
type Record struct {
	Kind    string
	ID      string
	Version time.Time
	EventID string // the event that wrote it
	Data    []byte // JSON
}

// Errors of a Store.
var (
	ErrNotFound   = errors.New("webhook: not found")
	ErrSignReused = errors.New("webhook: TD sign already used with another body")
	ErrSettled    = errors.New("webhook: event already processed")
	ErrCursor     = errors.New("webhook: invalid page cursor")
)
