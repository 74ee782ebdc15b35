// Package inbound is what the webhook pipeline and each provider's package
// agree on: a delivery as it arrives, what authenticating it proves, the name
// it is kept under, the answers the provider expects, and what processing
// keeps of it. It holds no provider's rules and no pipeline.
package inbound

import (
	"github.com/tarjeta-dev/tarjeta/core/mask"
	"strings"
	"time"
)

// Delivery is a notification as it arrived.
type Delivery struct {
	Called string // path and query as on the wire
	Header Headers
	Body   []byte
}

// Headers gives header values by case-insensitive name; http.Header is one.
type Headers interface {
	Get(name string) string
}

// Proof says how a delivery was authenticated.
type Proof struct {
	Auth string // the scheme, and how it matched: "td-hmac-sha1 hex-lower"
	// Hint is set when what was verified does not cover the body: treat it
	// as a hint and confirm with the provider's API before believing it.
	Hint bool
	// Sign is a signature that covers something other than the body (TD's
	// query) and so must be bound to one body: the same sign with another
	// body is a replay. It is the decoded MAC, so that every spelling of
	// one MAC is one sign.
	Sign []byte
	// Headers names the headers the scheme checked that are worth keeping
	// with the event; never one that holds a secret.
	Headers []string
}

// unsigned ends the Auth of a delivery nothing authenticated.
const unsigned = "-unsigned"

// Unsigned is the Proof of a provider's delivery that nothing
// authenticated (Palenca's unsigned notifications, accepted as hints by
// choice): anyone could have sent it.
func Unsigned(provider string) Proof { return Proof{Auth: provider + unsigned, Hint: true} }

// Unauthenticated reports whether auth, a Proof's Auth, says that nothing
// authenticated the delivery's sender.
func Unauthenticated(auth string) bool { return strings.HasSuffix(auth, unsigned) }

// Name is what a delivery is kept under.
type Name struct {
	Type string // the provider's own event type
	// Key is the provider's identifier, as the events API shows it: several
	// fields joined with ':'.
	Key string
	// Parts are the fields Key joins, kept apart so that the event's id
	// cannot confuse "a:b"+"c" with "a"+"b:c".
	Parts []string
	// Known is set when the type is one this project processes.
	Known bool
	// Subjects are what the notification names that a person's data is
	// found by (a person's request under the data-protection law): the
	// provider's reference of a request ("td:<sequence_id>"), and each
	// CURP and NSS the body carries ("curp:<CURP>", "nss:<NSS>").
	Subjects []string
}

// Subject is what a person's data is found by: kind is a provider (its
// reference), "curp" or "nss".
func Subject(kind, value string) string { return kind + ":" + value }

// PersonSubjects are the CURPs and NSSs body carries, as subjects.
func PersonSubjects(body []byte) []string {
	curps, nsses := mask.Identifiers(body)
	out := make([]string, 0, len(curps)+len(nsses))
	for _, c := range curps {
		out = append(out, Subject("curp", c))
	}
	for _, n := range nsses {
		out = append(out, Subject("nss", n))
	}
	return out
}

// NameOf returns the Name of type t keyed by parts.
func NameOf(t string, known bool, parts ...string) Name {
	return Name{Type: t, Key: strings.Join(parts, ":"), Parts: parts, Known: known}
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
