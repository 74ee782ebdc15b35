package ledger

import (
	"fmt"
	"sort"
)

// Book is the reference implementation of the posting rules over plain maps:
// the embedded store keeps its state in one, and its behaviour is what the
// DynamoDB adapter's conditions must reproduce. A Book is not safe for
// concurrent use.
type Book struct {
	balances map[accountKey]int64
	entries  map[accountEntry]*Entry
	byUser   map[string][]*Entry // in posting order
	byHour   map[int64][]*Entry  // Pomelo's entries by the hour (Unix hours) of CreatedAt
	settled  map[Transaction][]*Entry
}

type accountKey struct{ user, currency string }

type accountEntry struct{ user, key string }

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{
		balances: make(map[accountKey]int64),
		entries:  make(map[accountEntry]*Entry),
		byUser:   make(map[string][]*Entry),
		byHour:   make(map[int64][]*Entry),
		settled:  make(map[Transaction][]*Entry),
	}
}

// check reports whether p can be applied, with the error Apply would return.
func (b *Book) check(p Posting) error {
	if err := p.Check(); err != nil {
		return err
	}
	e := p.Entry
	if _, dup := b.entries[accountEntry{e.UserID, e.Key()}]; dup {
		return fmt.Errorf("%w: %s", ErrAlreadyPosted, e.Key())
	}
	if r := p.Reverses; r != nil {
		o, ok := b.entries[accountEntry{e.UserID, EntryKey(ClassAuthorization, r.OriginalID)}]
		switch {
		case !ok || o.Kind != r.OriginalKind:
			return fmt.Errorf("%w: %s", ErrOriginalNotFound, r.OriginalID)
		case o.Currency != e.Currency:
			return fmt.Errorf("%w: original %s is in %s", ErrCurrencyMismatch, r.OriginalID, o.Currency)
		case o.Reversible < r.Amount:
			return fmt.Errorf("%w: %d left of %s", ErrReversalExceeds, o.Reversible, r.OriginalID)
		}
	}
	// Both terms are within ±MaxBalance: the sum cannot overflow.
	after := b.balances[accountKey{e.UserID, e.Currency}] + e.Amount
	if p.RequireFunds && after < 0 {
		return ErrInsufficientFunds
	}
	if after > MaxBalance || after < -MaxBalance {
		return ErrBalanceLimit
	}
	return nil
}

// Apply checks p and, when it holds, applies it.
func (b *Book) Apply(p Posting) error {
	if err := b.check(p); err != nil {
		return err
	}
	b.Restore(p)
	return nil
}

// Restore applies p without checking it, as when replaying a journal of
// postings that were checked when first applied.
func (b *Book) Restore(p Posting) {
	e := p.Entry
	if r := p.Reverses; r != nil {
		if o, ok := b.entries[accountEntry{e.UserID, EntryKey(ClassAuthorization, r.OriginalID)}]; ok {
			o.Reversible -= r.Amount
		}
	}
	b.balances[accountKey{e.UserID, e.Currency}] += e.Amount
	stored := e
	b.entries[accountEntry{e.UserID, e.Key()}] = &stored
	b.byUser[e.UserID] = append(b.byUser[e.UserID], &stored)
	switch {
	case e.Class.FromPomelo():
		h := hourOf(e.CreatedAt)
		b.byHour[h] = append(b.byHour[h], &stored)
	case e.Class == ClassSettlement:
		t := Transaction{e.UserID, e.TransactionID}
		b.settled[t] = append(b.settled[t], &stored)
	}
}

// Balances returns the user's balances ordered by currency.
func (b *Book) Balances(userID string) []Balance {
	var out []Balance
	seen := make(map[string]bool)
	for _, e := range b.byUser[userID] {
		if !seen[e.Currency] {
			seen[e.Currency] = true
			out = append(out, Balance{Currency: e.Currency, Available: b.balances[accountKey{userID, e.Currency}]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// Entries returns up to limit of the user's entries, newest first, starting
// below position before (all when before < 0), and the position to pass for
// the next page, or -1 when there is none. Positions are stable: entries are
// only ever appended.
func (b *Book) Entries(userID string, before, limit int) ([]Entry, int) {
	all := b.byUser[userID]
	if before < 0 || before > len(all) {
		before = len(all)
	}
	var out []Entry
	i := before - 1
	for ; i >= 0 && len(out) < limit; i-- {
		out = append(out, *all[i])
	}
	if i < 0 {
		return out, -1
	}
	return out, i + 1
}
