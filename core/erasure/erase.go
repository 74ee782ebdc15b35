package erasure

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/text"
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

// failed says whether a provider's deletion of m failed.
func (m ProviderMade) failed() bool {
	return slices.ContainsFunc(m.Deletions, func(d Deletion) bool { return d.Status == Failed })
}

// Pending says whether a provider's deletion is FAILED and may be asked
// again.
func (r Receipt) Pending() bool {
	return r.Status == Completed && r.Tries < MaxTries && slices.ContainsFunc(r.Made, ProviderMade.failed)
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

// Hasher keys what is kept of an erased person: HMAC-SHA-256 with a
// secret (ERASURE_KEY), so that a tombstone or a mark names no CURP and
// no reference to anyone without the key.
type Hasher struct{ Key []byte }

func (h Hasher) sum(kind, v string) string {
	m := hmac.New(sha256.New, h.Key)
	m.Write([]byte(kind + "\x00" + v))
	return string(text.AppendHex(nil, m.Sum(nil)[:16]))
}

// Person is the keyed hash of a CURP.
func (h Hasher) Person(curp string) string { return h.sum("curp", curp) }

// Gone is the keyed hash of an erased subject (inbound.Subject): what a
// late push naming it is dropped by.
func (h Hasher) Gone(subject string) string { return h.sum("subject", subject) }

// Service erases people.
type Service struct {
	People  People
	Records Records
	// Erasers delete at each provider (by its name) what we made there.
	Erasers map[string]Eraser
	Hasher  Hasher
	Now     func() time.Time
	Random  io.Reader
}

// Erase erases everything held about the person whose CURP is curp and
// answers the receipt, in this order: the erase is recorded first (its
// receipt ERASING, the references marked, so that a late push naming one
// is dropped from then on), then the providers are asked to delete what we
// made there, then our stores erase the person's verifications and events,
// then the receipt is COMPLETED. An erase cut short is taken up again, with
// the same receipt, by the person's next request; a person nothing is held
// about gets a receipt of nothing, with their earlier erasures.
func (s *Service) Erase(ctx context.Context, curp string) (Receipt, error) {
	c, err := identity.CURP(curp)
	if err != nil {
		return Receipt{}, err
	}
	hash := s.Hasher.Person(c)
	t, err := s.Records.Tombstone(ctx, hash)
	if err != nil {
		return Receipt{}, fmt.Errorf("erasure: tombstone: %w", err)
	}
	held, err := s.People.Access(ctx, c)
	if err != nil && !errors.Is(err, ErrNoPerson) {
		return Receipt{}, err
	}
	var r Receipt
	if n := len(t.Erasures); n > 0 {
		last, err := s.Records.Receipt(ctx, t.Erasures[n-1])
		if err != nil {
			return Receipt{}, fmt.Errorf("erasure: receipt: %w", err)
		}
		if last.Status == Erasing {
			r = last // taken up again
		}
	}
	if r.ID == "" {
		if r, err = s.begin(ctx, t, held); err != nil {
			return Receipt{}, err
		}
	}
	if r.Tries == 0 {
		s.deleteAt(ctx, r.Made, func(ProviderMade) bool { return true })
		r.Tries = 1
	}
	if n, err := s.People.Events.Erase(ctx, held.Events); err != nil {
		return Receipt{}, fmt.Errorf("erasure: events: %w", err)
	} else if n > r.Events {
		r.Events = n
	}
	if n, err := s.People.Verifications.Erase(ctx, held.Verifications); err != nil {
		return Receipt{}, fmt.Errorf("erasure: verifications: %w", err)
	} else if n > r.Verifications {
		r.Verifications = n
	}
	r.Status = Completed
	if err := s.Records.Keep(ctx, r); err != nil {
		return Receipt{}, fmt.Errorf("erasure: receipt: %w", err)
	}
	return r, nil
}

// begin records a new erase of held: its receipt ERASING with what it will
// remove and the requests at the providers, the tombstone naming it, the
// references marked erased.
func (s *Service) begin(ctx context.Context, t Tombstone, held Person) (Receipt, error) {
	id, err := newID(s.Random)
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{
		ID: id, PersonHash: t.PersonHash, At: s.Now().UTC(), Status: Erasing,
		Verifications: len(held.Verifications), Events: len(held.Events), Previous: slices.Clone(t.Erasures),
	}
	var gone []string
	for _, v := range held.Verifications {
		for _, a := range v.Attempts {
			if a.Reference == "" {
				continue
			}
			r.Made = append(r.Made, ProviderMade{Provider: a.Provider, Made: Made{Verification: v.ID, StartedAt: a.StartedAt, Reference: a.Reference}, Deletions: []Deletion{}})
			gone = append(gone, s.Hasher.Gone(inbound.Subject(a.Provider, a.Reference)))
		}
	}
	t.Erasures = append(t.Erasures, id)
	if err := s.Records.Begin(ctx, t, r, gone); err != nil {
		return Receipt{}, fmt.Errorf("erasure: record: %w", err)
	}
	return r, nil
}

// deleteAt asks each provider to delete what we made there, of the made
// that which selects, keeping what it did with each.
func (s *Service) deleteAt(ctx context.Context, made []ProviderMade, which func(ProviderMade) bool) {
	for i, m := range made {
		if !which(m) {
			continue
		}
		e, ok := s.Erasers[m.Provider]
		if !ok {
			made[i].Deletions = []Deletion{{Provider: m.Provider, Reference: m.Reference, Status: Failed, Error: "the provider is not configured here"}}
			continue
		}
		made[i].Deletions = e.Erase(ctx, m.Made)
	}
}

// Retry asks again the providers whose deletions failed, for up to limit
// receipts (the verify function's schedule), at most MaxTries rounds a
// receipt; it answers how many receipts it asked for.
func (s *Service) Retry(ctx context.Context, limit int) (int, error) {
	rs, err := s.Records.Pending(ctx, limit)
	if err != nil {
		return 0, fmt.Errorf("erasure: pending: %w", err)
	}
	for _, r := range rs {
		s.deleteAt(ctx, r.Made, ProviderMade.failed)
		r.Tries++
		if err := s.Records.Keep(ctx, r); err != nil {
			return 0, fmt.Errorf("erasure: receipt %s: %w", r.ID, err)
		}
	}
	return len(rs), nil
}

// Receipt returns the receipt with id, or ErrNoReceipt.
func (s *Service) Receipt(ctx context.Context, id string) (Receipt, error) {
	return s.Records.Receipt(ctx, id)
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID is a receipt's id: "era_" and 26 base32 characters of randomness.
func newID(random io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("erasure: id: %w", err)
	}
	return "era_" + idEncoding.EncodeToString(b[:]), nil
}

// ValidID reports whether id has the shape of a receipt's id.
func ValidID(id string) bool {
	rest, ok := strings.CutPrefix(id, "era_")
	if !ok || len(rest) != 26 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
