// Package webhook receives what the providers tell us by calling us, whoever
// the provider: it authenticates each notification with its route's scheme,
// names it, keeps it before it is acknowledged, and records its processing
// exactly once. Everything that differs between providers comes from the
// table of routes (Route), filled by each provider's own package.
package webhook

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ids"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Status is where an event is in its processing.
type Status string

// The statuses. An event is stored RECEIVED (or UNHANDLED when its type is
// unknown, DROPPED when it names an erased person) and ends PROCESSED;
// FAILED records a failed attempt, which is retried.
const (
	Received  Status = "RECEIVED"
	Processed Status = "PROCESSED"
	Failed    Status = "FAILED"
	Unhandled Status = "UNHANDLED"
	// Dropped is a notification that names a reference of an erased
	// person: acknowledged, listed, never processed, kept without its
	// body, its headers or the provider's identifier.
	Dropped Status = "DROPPED"
)

// Statuses are every status, in the order a listing explains them.
var Statuses = []Status{Received, Processed, Failed, Unhandled, Dropped}

// settled reports whether an event in status s has nothing left to do.
func (s Status) settled() bool { return s == Processed || s == Unhandled || s == Dropped }

// Event is one notification as it is kept.
type Event struct {
	ID        string
	Provider  string
	Route     string // the Route's Name
	Type      string // the provider's own event type
	DedupeKey string // holds the provider's identifier verbatim
	Status    Status
	// ReceivedAt is when the first delivery arrived; the event is kept
	// until ExpiresAt (the stores expire it after).
	ReceivedAt time.Time
	ExpiresAt  time.Time
	// Attempts counts processing attempts, the successful one included.
	Attempts  int
	LastError string
	// Note is what the processing that settled the event said of it (an
	// event the verify function found no verification for, say).
	Note string
	// Auth says how the delivery was authenticated, and Hint that its body
	// is not covered by what was verified (TD's sign covers the query only;
	// Palenca's notifications may be unsigned).
	Auth string
	Hint bool
	// Headers are the ones that matter for the provider, as received (each
	// bounded to MaxHeader bytes).
	Headers map[string]string
	Body    []byte
	// Subjects are the keys (SubjectKey) of what the event names that a
	// person's data is found by (inbound.Name's Subjects), at most
	// MaxSubjects: the stores index the event under each.
	Subjects []string
}

// MaxSubjects bounds an event's subjects: a provider's notification names
// one request of one person.
const MaxSubjects = 4

// SubjectKey is the key a subject ("td:<sequence_id>", "curp:<CURP>") is
// indexed by: a hash, so that no store key holds a CURP or an NSS.
func SubjectKey(subject string) string {
	sum := sha256.Sum256([]byte("subject\x00" + subject))
	return string(text.AppendHex(nil, sum[:16]))
}

// SubjectKeys are the keys of subjects, each once, at most MaxSubjects.
func SubjectKeys(subjects []string) []string {
	var out []string
	for _, s := range subjects {
		if k := SubjectKey(s); len(out) < MaxSubjects && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// Unauthenticated reports whether nothing authenticated the event's sender
// (an unsigned notification): it is kept for UnauthenticatedRetention
// only, and what it says is acted on only through the provider's API.
func (e Event) Unauthenticated() bool { return inbound.Unauthenticated(e.Auth) }

// IDOf is the event id of the de-duplication key parts of a delivery on
// route: deterministic, so that every delivery of one event lands on the
// same stored item; one namespace per route, so that two routes never
// share an event; each part length-prefixed, so that no separator inside a
// part can make two keys one; and opaque, so that it is safe in a URL
// whatever the provider's identifier holds.
func IDOf(route string, parts ...string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, s := range append([]string{route}, parts...) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	sum := h.Sum(nil)
	return "evt_" + ids.Encoding.EncodeToString(sum[:15])
}

// ValidID reports whether id has the shape IDOf gives: an id of any other
// shape names no event, on any store.
func ValidID(id string) bool { return ids.Valid(id, "evt_", 24) }
