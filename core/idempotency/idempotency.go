// Package idempotency implements idempotency keys: the first request with a
// key runs and its answer is kept under the key; a duplicate gets that same
// answer, and the key reused for a different request is a conflict.
//
// A record is written once, finished, in the same store write as the
// request's effect, so a request that dies midway leaves nothing behind and
// its retry simply runs. There is no in-transit record: while the first
// request is being written the store refuses a duplicate with ErrBusy.
// (A request whose effect lies outside the store, such as a call to a
// provider, keeps its own pending record in its domain.)
package idempotency

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// DefaultRetention is how long a finished answer is kept for replay.
const DefaultRetention = 24 * time.Hour

// MaxKeyLen bounds an idempotency key so a key always fits a store's key limits.
const MaxKeyLen = storable.MaxID

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

// Record is what a store keeps under one key: the answer that was given.
type Record struct {
	Key         string
	Fingerprint Fingerprint
	Status      int    // HTTP status of the answer
	Body        []byte // body of the answer, unsigned
	CreatedAt   time.Time
	ExpiresAt   time.Time // the record holds its key until then and may be deleted after
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

// Check reports a record no store can take, with an error wrapping
// storable.ErrInvalid: a key longer than storable.MaxID. Every store runs it
// before anything else.
func (r Record) Check() error {
	return storable.CheckID("idempotency key", r.Key)
}

// Finish returns the finished record holding the answer status and body,
// kept for retention from now.
func Finish(key string, fp Fingerprint, status int, body []byte, now time.Time, retention time.Duration) Record {
	return Record{Key: key, Fingerprint: fp, Status: status, Body: body, CreatedAt: now, ExpiresAt: now.Add(retention)}
}

// Verdict is what to do with a request given what the store holds for its key.
type Verdict uint8

// The verdicts of Evaluate.
const (
	Run      Verdict = iota + 1 // nothing holds the key: process the request
	Replay                      // answer with the stored status and body
	Conflict                    // the key belongs to another request: answer 409
)

func (v Verdict) String() string {
	switch v {
	case Run:
		return "run"
	case Replay:
		return "replay"
	case Conflict:
		return "conflict"
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// Evaluate decides what a request with fingerprint fp does when the store
// holds existing (nil when the key is unknown) at time now. A record past its
// retention no longer counts.
func Evaluate(existing *Record, fp Fingerprint, now time.Time) Verdict {
	switch {
	case existing == nil || !Blocks(*existing, now):
		return Run
	case existing.Fingerprint != fp:
		return Conflict
	}
	return Replay
}

// Blocks reports whether r still holds its key at now, until its retention
// ends. Stores may keep a record past that (DynamoDB deletes expired items
// lazily); it no longer counts.
func Blocks(r Record, now time.Time) bool {
	return now.Before(r.ExpiresAt)
}
