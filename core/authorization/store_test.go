package authorization_test

import (
	"context"
	"sync"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
)

// memStore is an in-memory Store over ledger.Book. before, when set, runs
// first in every Commit; it may block, fail, or let the commit go on.
type memStore struct {
	mu      sync.Mutex
	book    *ledger.Book
	records map[string]idempotency.Record
	commits int
	before  func(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error
}

func newMemStore() *memStore {
	return &memStore{book: ledger.NewBook(), records: make(map[string]idempotency.Record)}
}

func (s *memStore) Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error {
	if s.before != nil {
		if err := s.before(ctx, rec, p); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	if old, ok := s.records[rec.Key]; ok && idempotency.Blocks(old, rec.CreatedAt) {
		return &idempotency.HeldError{Record: old}
	}
	if p != nil {
		if err := s.book.Apply(*p); err != nil {
			return err
		}
	}
	s.records[rec.Key] = rec
	return nil
}

func (s *memStore) balance(user string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.book.Balances(user) {
		if b.Currency == "ARS" {
			return b.Available
		}
	}
	return 0
}

func (s *memStore) entries(user string) []ledger.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, _ := s.book.Entries(user, -1, 1000)
	return e
}
