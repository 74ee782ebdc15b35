package erasure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ids"
)

// Receipt statuses.
const (
	// Erasing is a receipt whose erase has begun and not ended (a crash,
	// or one running): the next request for the person goes on with it.
	Erasing = "ERASING"
	// Completed is an erase whose every step ended; a provider's deletion
	// may still be FAILED, asked again by the schedule (Pending).
	Completed = "COMPLETED"
)

// Receipt is what an erase answers and keeps: never the CURP, its keyed
// hash.
type Receipt struct {
	ID         string
	PersonHash string
	At         time.Time
	Status     string
	// Verifications and Events count what the erase removed from our
	// stores.
	Verifications, Events int
	// Made are the requests of ours at the providers the erase deletes,
	// each with what its provider did (kept with the receipt, so that an
	// erase cut short, or a deletion asked again, still knows them once
	// our stores no longer do).
	Made []ProviderMade
	// Tries counts the rounds of provider deletions: at most MaxTries.
	Tries int
	// Previous are the earlier erasures of the person.
	Previous []string
}

// ProviderMade is a request made at a provider, and what the provider did
// with it at the last round.
type ProviderMade struct {
	Provider string
	Made
	Deletions []Deletion
}

// Providers are what each provider did, per reference, in the order made.
func (r Receipt) Providers() []Deletion {
	out := []Deletion{}
	for _, m := range r.Made {
		out = append(out, m.Deletions...)
	}
	return out
}

// Pending says whether a provider's deletion of m FAILED and is to be
// asked again.
func (m ProviderMade) Pending() bool {
	return slices.ContainsFunc(m.Deletions, func(d Deletion) bool { return d.Status == Failed })
}

// Pending says whether a provider's deletion is FAILED and may be asked
// again.
func (r Receipt) Pending() bool {
	return r.Status == Completed && r.Tries < MaxTries && slices.ContainsFunc(r.Made, ProviderMade.Pending)
}

// MaxTries bounds the rounds of provider deletions an erase asks: the
// first, and the schedule's.
const MaxTries = 10

// Tombstone is what is kept of an erased person: the keyed hash of their
// CURP (which reveals no CURP without the key), and their erasures.
type Tombstone struct {
	PersonHash string
	Erasures   []string
	Version    int64
}

// Records keep the erasures: tombstones, receipts, and the marks of the
// references erased, which a late push naming one is dropped by.
type Records interface {
	// Tombstone returns the tombstone of the person with personHash, the
	// zero Tombstone (PersonHash set) when none is kept.
	Tombstone(ctx context.Context, personHash string) (Tombstone, error)
	// Begin marks each of gone (Hasher.Gone) erased, then keeps r and
	// replaces t (kept at t.Version) with t at Version+1 in one write. A
	// tombstone changed since it was read fails with ErrConflict and keeps
	// neither.
	Begin(ctx context.Context, t Tombstone, r Receipt, gone []string) error
	// Keep replaces the receipt r.
	Keep(ctx context.Context, r Receipt) error
	// Receipt returns the receipt with id, or ErrNoReceipt.
	Receipt(ctx context.Context, id string) (Receipt, error)
	// Pending returns up to limit receipts whose provider deletions are to
	// be asked again (Receipt.Pending).
	Pending(ctx context.Context, limit int) ([]Receipt, error)
}

// Errors of Records.
var (
	ErrConflict  = errors.New("erasure: the tombstone changed since it was read")
	ErrNoReceipt = errors.New("erasure: no such erasure")
)

// NewID is a receipt's id: "era_" and 26 base32 characters of randomness.
func NewID(random io.Reader) (string, error) {
	id, err := ids.New(random, "era_")
	if err != nil {
		return "", fmt.Errorf("erasure: id: %w", err)
	}
	return id, nil
}

// ValidID reports whether id has the shape of a receipt's id.
func ValidID(id string) bool { return ids.Valid(id, "era_", ids.RandomLen) }
