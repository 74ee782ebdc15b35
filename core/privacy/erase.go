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
	"github.com/tarjeta-dev/tarjeta/core/verification"
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
	held, err := s.People.held(ctx, c)
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
		s.deleteAt(ctx, r.Made, 0)
		r.Tries = 1
	}
	// A verification in flight may change, or a push arrive, while the
	// erase runs: the person is read again after each round, and what is
	// found is erased with them (a new request at a provider marked and
	// deleted there first), until nothing is held.
	verifications, events := map[string]bool{}, map[string]bool{}
	for round := 1; ; round++ {
		for _, v := range held.Verifications {
			verifications[v.ID] = true
		}
		for _, e := range held.Events {
			events[e.ID] = true
		}
		if _, err := s.People.Events.Erase(ctx, held.Events); err != nil {
			return erasure.Receipt{}, fmt.Errorf("privacy: events: %w", err)
		}
		// One changed since it was read is kept, and read again below.
		if _, err := s.People.Verifications.Erase(ctx, held.Verifications); err != nil && !errors.Is(err, verification.ErrConflict) {
			return erasure.Receipt{}, fmt.Errorf("privacy: verifications: %w", err)
		}
		held, err = s.People.held(ctx, c)
		if errors.Is(err, ErrNoPerson) {
			break
		}
		if err != nil {
			return erasure.Receipt{}, err
		}
		if round == MaxRounds {
			return erasure.Receipt{}, fmt.Errorf("privacy: %w after %d rounds", ErrChanging, round)
		}
		if err := s.extend(ctx, &r, held); err != nil {
			return erasure.Receipt{}, err
		}
	}
	r.Verifications, r.Events = max(r.Verifications, len(verifications)), max(r.Events, len(events))
	r.Status = erasure.Completed
	if err := s.Records.Keep(ctx, r); err != nil {
		return erasure.Receipt{}, fmt.Errorf("privacy: receipt: %w", err)
	}
	return r, nil
}

// MaxRounds bounds the rounds of one erase: a person whose data still
// changes after them is left ERASING, for the next request to take up.
const MaxRounds = 5

// ErrChanging is an erase that found the person's data changing through
// MaxRounds rounds.
var ErrChanging = errors.New("the person's data kept changing while it was erased")

// extend adds to r the requests at the providers of held it does not list
// (made while the erase ran), marks them erased, and asks their providers
// to delete them.
func (s *Service) extend(ctx context.Context, r *erasure.Receipt, held Person) error {
	from := len(r.Made)
	for _, m := range made(held) {
		if !slices.ContainsFunc(r.Made, func(k erasure.ProviderMade) bool { return k.Provider == m.Provider && k.Reference == m.Reference }) {
			r.Made = append(r.Made, m)
		}
	}
	if len(r.Made) == from {
		return nil
	}
	gone := s.marks(r.Made[from:])
	t, err := s.Records.Tombstone(ctx, r.PersonHash)
	if err != nil {
		return fmt.Errorf("privacy: tombstone: %w", err)
	}
	if err := s.Records.Begin(ctx, t, *r, gone); err != nil {
		return fmt.Errorf("privacy: record: %w", err)
	}
	s.deleteAt(ctx, r.Made, from)
	return nil
}

// marks are the keys of the marks of made erased (erasure.Hasher.Gone),
// which a late push naming one is dropped by.
func (s *Service) marks(made []erasure.ProviderMade) []string {
	out := make([]string, len(made))
	for i, m := range made {
		out[i] = s.Hasher.Gone(inbound.Subject(m.Provider, m.Reference))
	}
	return out
}

// made are the requests held's verifications made at the providers.
func made(held Person) []erasure.ProviderMade {
	var out []erasure.ProviderMade
	for _, v := range held.Verifications {
		for _, a := range v.Attempts {
			if a.Reference != "" {
				out = append(out, erasure.ProviderMade{Provider: a.Provider, Made: erasure.Made{Verification: v.ID, StartedAt: a.StartedAt, Reference: a.Reference}, Deletions: []erasure.Deletion{}})
			}
		}
	}
	return out
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
	r.Made = made(held)
	t.Erasures = append(t.Erasures, id)
	if err := s.Records.Begin(ctx, t, r, s.marks(r.Made)); err != nil {
		return erasure.Receipt{}, fmt.Errorf("privacy: record: %w", err)
	}
	return r, nil
}

// deleteAt asks each provider to delete what we made there, of made[from:],
// keeping what it did with each.
func (s *Service) deleteAt(ctx context.Context, made []erasure.ProviderMade, from int) {
	for i := from; i < len(made); i++ {
		s.ask(ctx, &made[i])
	}
}

// ask asks m's provider to delete it, keeping what it did.
func (s *Service) ask(ctx context.Context, m *erasure.ProviderMade) {
	e, ok := s.Erasers[m.Provider]
	if !ok {
		m.Deletions = []erasure.Deletion{{Provider: m.Provider, Reference: m.Reference, Status: erasure.Failed, Error: "the provider is not configured here"}}
		return
	}
	m.Deletions = e.Erase(ctx, m.Made)
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
		for i := range r.Made {
			if r.Made[i].Pending() {
				s.ask(ctx, &r.Made[i])
			}
		}
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
