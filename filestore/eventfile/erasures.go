package eventfile

import (
	"context"
	"fmt"
	"slices"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// The erasures the events store keeps beside the events (erasure.Records):
// tombstones, receipts, and the marks of erased references, which the
// webhooks function drops a late push by. Journal lines: "tombstone",
// "receipt", "gone".

var _ erasure.Records = (*Store)(nil)

// Tombstone implements erasure.Records.
func (s *Store) Tombstone(ctx context.Context, person string) (erasure.Tombstone, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return erasure.Tombstone{}, err
	}
	t, ok := s.tombstones[person]
	if !ok {
		t = erasure.Tombstone{PersonHash: person}
	}
	t.Erasures = slices.Clone(t.Erasures)
	seq := s.log.Last()
	s.mu.Unlock()
	return t, s.log.Wait(seq)
}

// Begin implements erasure.Records: one journal line.
func (s *Store) Begin(ctx context.Context, t erasure.Tombstone, r erasure.Receipt, gone []string) error {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return err
	}
	if s.tombstones[t.PersonHash].Version != t.Version {
		s.mu.Unlock()
		return fmt.Errorf("eventfile: tombstone: %w", erasure.ErrConflict)
	}
	t.Version++
	seq, err := s.commit(eventLine{Tombstone: &t, Receipt: &r, Gone: gone})
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("eventfile: record erasure %s: %w", r.ID, err)
	}
	return s.log.Wait(seq)
}

// Keep implements erasure.Records.
func (s *Store) Keep(ctx context.Context, r erasure.Receipt) error {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return err
	}
	seq, err := s.commit(eventLine{Receipt: &r})
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("eventfile: update erasure %s: %w", r.ID, err)
	}
	return s.log.Wait(seq)
}

// Receipt implements erasure.Records.
func (s *Store) Receipt(ctx context.Context, id string) (erasure.Receipt, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return erasure.Receipt{}, err
	}
	r, ok := s.receipts[id]
	seq := s.log.Last()
	s.mu.Unlock()
	if !ok {
		return erasure.Receipt{}, fmt.Errorf("eventfile: erasure %.40q: %w", id, erasure.ErrNoReceipt)
	}
	return r, s.log.Wait(seq)
}

// Pending implements erasure.Records.
func (s *Store) Pending(ctx context.Context, limit int) ([]erasure.Receipt, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return nil, err
	}
	var out []erasure.Receipt
	for _, r := range s.receipts {
		if r.Pending() && len(out) < limit {
			out = append(out, r)
		}
	}
	seq := s.log.Last()
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b erasure.Receipt) int { return a.At.Compare(b.At) })
	return out, s.log.Wait(seq)
}

// Gone reports whether any of keys (erasure.Hasher.Gone) marks an erased
// reference.
func (s *Store) Gone(ctx context.Context, keys []string) (bool, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return false, err
	}
	gone := slices.ContainsFunc(keys, func(k string) bool { return s.gone[k] })
	seq := s.log.Last()
	s.mu.Unlock()
	return gone, s.log.Wait(seq)
}

// applyErasure changes memory as an erasure's line says.
func (s *Store) applyErasure(l eventLine) {
	if t := l.Tombstone; t != nil {
		s.tombstones[t.PersonHash] = *t
	}
	if r := l.Receipt; r != nil {
		s.receipts[r.ID] = *r
	}
	for _, k := range l.Gone {
		s.gone[k] = true
	}
}

// erasureLines are the lines of the erasures kept, for a rewritten
// journal.
func (s *Store) erasureLines() []eventLine {
	var out []eventLine
	for _, t := range s.tombstones {
		out = append(out, eventLine{Tombstone: &t})
	}
	for _, r := range s.receipts {
		out = append(out, eventLine{Receipt: &r})
	}
	if len(s.gone) > 0 {
		gone := make([]string, 0, len(s.gone))
		for k := range s.gone {
			gone = append(gone, k)
		}
		slices.Sort(gone)
		out = append(out, eventLine{Gone: gone})
	}
	return out
}
