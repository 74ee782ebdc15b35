// Package idempotency implements Pomelo's x-idempotency-key state machine: a
// key is first in transit, then finished with the answer that was given, and a
// duplicate gets that same answer, a "too early" while in transit, or a
// conflict when it reuses the key for a different request.
package idempotency

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
)

// InTransitTTL is how long an in-transit claim holds before a holder is
// presumed dead and the request may run again (Pomelo: 3 minutes).
const InTransitTTL = 3 * time.Minute

// DefaultRetention is how long a finished answer is kept for replay.
const DefaultRetention = 24 * time.Hour

// MaxKeyLen bounds x-idempotency-key so a key always fits a store's key limits.
const MaxKeyLen = 200

// State is where a key is in its life.
type State uint8

// The states of a key.
const (
	InTransit State = iota + 1
	Finished
)

func (s State) String() string {
	switch s {
	case InTransit:
		return "in_transit"
	case Finished:
		return "finished"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// ParseState reads the String form of a State.
func ParseState(s string) (State, error) {
	switch s {
	case "in_transit":
		return InTransit, nil
	case "finished":
		return Finished, nil
	}
	return 0, fmt.Errorf("idempotency: unknown state %q", s)
}

// Errors for keys that cannot be used.
var (
	ErrMissingKey = errors.New("idempotency: missing x-idempotency-key")
	ErrKeyTooLong = errors.New("idempotency: x-idempotency-key too long")
	ErrKeyInvalid = errors.New("idempotency: x-idempotency-key must be printable ASCII")
)

// Fingerprint identifies one request: the endpoint it was sent to and its exact
// body. A key reused with another fingerprint is a conflict.
type Fingerprint [sha256.Size]byte

// FingerprintOf hashes endpoint and body.
func FingerprintOf(endpoint string, body []byte) Fingerprint {
	h := sha256.New()
	h.Write([]byte(endpoint))
	h.Write([]byte{0})
	h.Write(body)
	var f Fingerprint
	h.Sum(f[:0])
	return f
}

// Record is what a store keeps under one key.
type Record struct {
	Key         string
	Fingerprint Fingerprint
	State       State
	Status      int    // HTTP status of the finished answer
	Body        []byte // body of the finished answer, unsigned
	CreatedAt   time.Time
	ExpiresAt   time.Time // an in-transit claim lapses here; a finished record may be deleted after
}

// CheckKey validates an x-idempotency-key value, failing with ErrMissingKey,
// ErrKeyTooLong or ErrKeyInvalid. Keys are UUIDs in practice; printable ASCII
// keeps every store's copy of a key byte for byte the same.
func CheckKey(key string) error {
	switch {
	case key == "":
		return ErrMissingKey
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: %d bytes, at most %d", ErrKeyTooLong, len(key), MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return fmt.Errorf("%w: byte %d is %#x", ErrKeyInvalid, i, key[i])
		}
	}
	return nil
}

// Claim returns the in-transit record for a request first seen at now.
func Claim(key string, fp Fingerprint, now time.Time) Record {
	return Record{Key: key, Fingerprint: fp, State: InTransit, CreatedAt: now, ExpiresAt: now.Add(InTransitTTL)}
}

// Finish returns the finished record holding the answer status and body,
// kept for retention from now.
func Finish(key string, fp Fingerprint, status int, body []byte, now time.Time, retention time.Duration) Record {
	return Record{Key: key, Fingerprint: fp, State: Finished, Status: status, Body: body, CreatedAt: now, ExpiresAt: now.Add(retention)}
}

// Verdict is what to do with a request given what the store holds for its key.
type Verdict uint8

// The verdicts of Evaluate.
const (
	Run      Verdict = iota + 1 // nothing blocks the key: process the request
	Replay                      // finished: answer with the stored status and body
	TooEarly                    // a live in-transit claim: answer 425
	Conflict                    // the key belongs to another request: answer 409
)

// Evaluate decides what a request with fingerprint fp does when the store
// holds existing (nil when the key is unknown) at time now. A lapsed in-transit
// claim no longer blocks: its holder is presumed dead.
func Evaluate(existing *Record, fp Fingerprint, now time.Time) Verdict {
	if existing == nil || !Blocks(*existing, now) {
		return Run
	}
	if existing.Fingerprint != fp {
		return Conflict
	}
	if existing.State == Finished {
		return Replay
	}
	return TooEarly
}

// Blocks reports whether r still holds its key at now: an in-transit claim
// until it lapses, a finished answer until its retention ends. Stores may keep
// a record past that (DynamoDB deletes expired items lazily); it no longer
// counts.
func Blocks(r Record, now time.Time) bool {
	return now.Before(r.ExpiresAt)
}
