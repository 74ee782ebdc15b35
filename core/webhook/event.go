// Package webhook receives what the providers tell us by calling us: it
// authenticates each notification with its provider's scheme, decodes it
// enough to name it (provider, type, de-duplication key), keeps it before it
// is acknowledged, and settles its processing exactly once.
package webhook

import (
	"crypto/sha256"
	"encoding/base32"
	"time"
)

// Provider names who sent an event, as the events API shows it.
type Provider string

// The providers.
const (
	Pomelo  Provider = "pomelo"
	TD      Provider = "td"
	Belvo   Provider = "belvo"
	Palenca Provider = "palenca"
)

// Status is where an event is in its processing.
type Status string

// The statuses. An event is stored RECEIVED (or UNHANDLED when its type is
// unknown) and ends PROCESSED; FAILED records a failed attempt, which is
// retried.
const (
	Received  Status = "RECEIVED"
	Processed Status = "PROCESSED"
	Failed    Status = "FAILED"
	Unhandled Status = "UNHANDLED"
)

// Event is one notification as it is kept.
type Event struct {
	ID        string
	Provider  Provider
	Route     Route
	Type      string // the provider's own event type
	DedupeKey string // holds the provider's identifier verbatim
	Status    Status
	// ReceivedAt is when the first delivery arrived.
	ReceivedAt time.Time
	// Attempts counts processing attempts, the successful one included.
	Attempts  int
	LastError string
	// Auth says how the delivery was authenticated, and Hint that its body
	// is not covered by what was verified (TD's sign covers the query only;
	// Palenca's notifications may be unsigned).
	Auth string
	Hint bool
	// Headers are the ones that matter for the provider, as received.
	Headers map[string]string
	Body    []byte
}

// IDOf is the event id of a provider's de-duplication key: deterministic, so
// that every delivery of one event lands on the same stored item, and opaque,
// so that it is safe in a URL whatever the provider's identifier holds.
func IDOf(p Provider, dedupeKey string) string {
	h := sha256.New()
	h.Write([]byte(p))
	h.Write([]byte{0})
	h.Write([]byte(dedupeKey))
	sum := h.Sum(nil)
	return "evt_" + idEncoding.EncodeToString(sum[:15])
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
