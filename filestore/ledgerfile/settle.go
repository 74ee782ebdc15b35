package ledgerfile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

var (
	_ settlement.Ledger = (*Store)(nil)
	_ settlement.Runs   = (*Store)(nil)
)

// read runs fn on the memory under the lock, then waits until what it read
// is in the journal.
func (s *Store) read(ctx context.Context, fn func()) error {
	roundtrip.Count(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := filestore.Lock(&s.mu, s.log, s.reset); err != nil {
		return fmt.Errorf("ledgerfile: %w", err)
	}
	fn()
	seq := s.log.Last()
	s.mu.Unlock()
	return s.log.Wait(seq)
}

// Positions returns what has moved for each transaction.
func (s *Store) Positions(ctx context.Context, txns []ledger.Transaction) ([]ledger.Position, error) {
	out := make([]ledger.Position, len(txns))
	err := s.read(ctx, func() {
		for i, t := range txns {
			out[i] = s.book.Position(t)
		}
	})
	return out, err
}

// Settle applies each settlement posting, one journal line each, skipping
// those already posted; one the ledger refuses is refused alone.
func (s *Store) Settle(ctx context.Context, postings []ledger.Posting) ([]error, error) {
	roundtrip.Count(ctx)
	var refused []error
	refuse := func(i int, err error) {
		if refused == nil {
			refused = make([]error, len(postings))
		}
		refused[i] = fmt.Errorf("ledgerfile: settle %s: %w", postings[i].Entry.Key(), err)
	}
	for i, p := range postings {
		if p.Entry.Class != ledger.ClassSettlement || p.RequireFunds || p.Reverses != nil {
			return nil, fmt.Errorf("ledgerfile: settle %s: not a settlement posting", p.Entry.Key())
		}
		if err := p.Check(); err != nil {
			refuse(i, err)
		}
	}
	if err := filestore.Lock(&s.mu, s.log, s.reset); err != nil {
		return nil, fmt.Errorf("ledgerfile: settle: %w", err)
	}
	for i, p := range postings {
		if refused != nil && refused[i] != nil {
			continue
		}
		_, err := filestore.Commit(s.log, commit{Settle: entryOf(p.Entry)}, func(commit) error { return s.book.Apply(p) })
		switch {
		case err == nil, errors.Is(err, ledger.ErrAlreadyPosted):
		case ledger.Refuses(err):
			refuse(i, err)
		default:
			s.mu.Unlock()
			return nil, fmt.Errorf("ledgerfile: settle %s: %w", p.Entry.Key(), err)
		}
	}
	seq := s.log.Last()
	s.mu.Unlock()
	return refused, s.log.Wait(seq)
}

// CreatedBetween calls fn with the entries of Pomelo's calls created in
// [from, to).
func (s *Store) CreatedBetween(ctx context.Context, from, to time.Time, fn func(ledger.Entry) error) error {
	var entries []ledger.Entry
	if err := s.read(ctx, func() {
		_ = s.book.CreatedBetween(from, to, func(e ledger.Entry) error {
			entries = append(entries, e)
			return nil
		})
	}); err != nil {
		return err
	}
	for _, e := range entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Balances returns each account's available balance.
func (s *Store) Balances(ctx context.Context, accounts []ledger.Account) ([]int64, error) {
	out := make([]int64, len(accounts))
	err := s.read(ctx, func() {
		for i, a := range accounts {
			out[i] = s.book.Balance(a.UserID, a.Currency)
		}
	})
	return out, err
}

// Run returns the date's reconciliation record.
func (s *Store) Run(ctx context.Context, date string) (settlement.Run, error) {
	var r settlement.Run
	var ok bool
	if err := s.read(ctx, func() { r, ok = s.runs[date] }); err != nil {
		return r, err
	}
	if !ok {
		return r, fmt.Errorf("ledgerfile: run %s: %w", date, settlement.ErrNoRun)
	}
	return r, nil
}

// RunsOf returns the records of the dates that have one, in order.
func (s *Store) RunsOf(ctx context.Context, dates []string) ([]settlement.Run, error) {
	var out []settlement.Run
	err := s.read(ctx, func() {
		for _, d := range dates {
			if r, ok := s.runs[d]; ok {
				out = append(out, r)
			}
		}
	})
	return out, err
}

// SaveRun writes r if the stored record is at r.Version-1.
func (s *Store) SaveRun(ctx context.Context, r settlement.Run) error {
	roundtrip.Count(ctx)
	if err := filestore.Lock(&s.mu, s.log, s.reset); err != nil {
		return fmt.Errorf("ledgerfile: save run: %w", err)
	}
	seq, err := filestore.Commit(s.log, commit{Run: &r}, func(commit) error {
		if s.runs[r.Date].Version != r.Version-1 {
			return settlement.ErrRunConflict
		}
		s.runs[r.Date] = r
		return nil
	})
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("ledgerfile: save run %s: %w", r.Date, err)
	}
	return s.log.Wait(seq)
}
