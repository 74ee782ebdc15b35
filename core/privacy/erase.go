package privacy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
)

// Service erases people.
type Service struct {
	People  People
	Records erasure.Records
	// Erasers delete at each provider (by its name) what we made there.
	Erasers map[string]erasure.Eraser
	Hasher  erasure.Hasher
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
func (s *Service) Erase(ctx context.Context, curp string) (erasure.Receipt, error) {
	c, err := identity.CURP(curp)
	if err != nil {
		return erasure.Receipt{}, err
	}
	hash := s.Hasher.Person(c)
	t, err := s.Records.Tombstone(ctx, hash)
	if err != nil {
		return erasure.Receipt{}, fmt.Errorf("privacy: tombstone: %w", err)
	}
	held, err := s.People.Access(ctx, c)
	if err != nil && !errors.Is(err, ErrNoPerson) {
		return erasure.Receipt{}, err
	}
	var r erasure.Receipt
	if n := len(t.Erasures); n > 0 {
		last, err := s.Records.Receipt(ctx, t.Erasures[n-1])
		if err != nil {
			return erasure.Receipt{}, fmt.Errorf("privacy: receipt: %w", err)
		}
		if last.Status == erasure.Erasing {
			r = last // taken up again
		}
	}
	if r.ID == "" {
		if r, err = s.begin(ctx, t, held); err != nil {
			return erasure.Receipt{}, err
		}
	}
	if r.Tries == 0 {
		s.deleteAt(ctx, r.Made, func(erasure.ProviderMade) bool { return true })
		r.Tries = 1
	}
	if n, err := s.People.Events.Erase(ctx, held.Events); err != nil {
		return erasure.Receipt{}, fmt.Errorf("privacy: events: %w", err)
	} else if n > r.Events {
		r.Events = n
	}
	if n, err := s.People.Verifications.Erase(ctx, held.Verifications); err != nil {
		return erasure.Receipt{}, fmt.Errorf("privacy: verifications: %w", err)
	} else if n > r.Verifications {
		r.Verifications = n
	}
	r.Status = erasure.Completed
	if err := s.Records.Keep(ctx, r); err != nil {
		return erasure.Receipt{}, fmt.Errorf("privacy: receipt: %w", err)
	}
	return r, nil
}

// begin records a new erase of held: its receipt ERASING with what it will
// remove and the requests at the providers, the tombstone naming it, the
// references marked erased.
func (s *Service) begin(ctx context.Context, t erasure.Tombstone, held Person) (erasure.Receipt, error) {
	id, err := erasure.NewID(s.Random)
	if err != nil {
		return erasure.Receipt{}, err
	}
	r := erasure.Receipt{
		ID: id, PersonHash: t.PersonHash, At: s.Now().UTC(), Status: erasure.Erasing,
		Verifications: len(held.Verifications), Events: len(held.Events), Previous: slices.Clone(t.Erasures),
	}
	var gone []string
	for _, v := range held.Verifications {
		for _, a := range v.Attempts {
			if a.Reference == "" {
				continue
			}
			r.Made = append(r.Made, erasure.ProviderMade{Provider: a.Provider, Made: erasure.Made{Verification: v.ID, StartedAt: a.StartedAt, Reference: a.Reference}, Deletions: []erasure.Deletion{}})
			gone = append(gone, s.Hasher.Gone(inbound.Subject(a.Provider, a.Reference)))
		}
	}
	t.Erasures = append(t.Erasures, id)
	if err := s.Records.Begin(ctx, t, r, gone); err != nil {
		return erasure.Receipt{}, fmt.Errorf("privacy: record: %w", err)
	}
	return r, nil
}

// deleteAt asks each provider to delete what we made there, of the made
// that which selects, keeping what it did with each.
func (s *Service) deleteAt(ctx context.Context, made []erasure.ProviderMade, which func(erasure.ProviderMade) bool) {
	for i, m := range made {
		if !which(m) {
			continue
		}
		e, ok := s.Erasers[m.Provider]
		if !ok {
			made[i].Deletions = []erasure.Deletion{{Provider: m.Provider, Reference: m.Reference, Status: erasure.Failed, Error: "the provider is not configured here"}}
			continue
		}
		made[i].Deletions = e.Erase(ctx, m.Made)
	}
}

// Retry asks again the providers whose deletions failed, for up to limit
// receipts (the verify function's schedule), at most erasure.MaxTries rounds a
// receipt; it answers how many receipts it asked for.
func (s *Service) Retry(ctx context.Context, limit int) (int, error) {
	rs, err := s.Records.Pending(ctx, limit)
	if err != nil {
		return 0, fmt.Errorf("privacy: pending: %w", err)
	}
	for _, r := range rs {
		s.deleteAt(ctx, r.Made, erasure.ProviderMade.Pending)
		r.Tries++
		if err := s.Records.Keep(ctx, r); err != nil {
			return 0, fmt.Errorf("privacy: receipt %s: %w", r.ID, err)
		}
	}
	return len(rs), nil
}

// Receipt returns the receipt with id, or erasure.ErrNoReceipt.
func (s *Service) Receipt(ctx context.Context, id string) (erasure.Receipt, error) {
	return s.Records.Receipt(ctx, id)
}

// PersonHash is the keyed hash a receipt names the person whose CURP is
// curp by (Receipt.PersonHash): what the logs of a person's requests name
// them by too.
func (s *Service) PersonHash(curp string) string { return s.Hasher.Person(curp) }
