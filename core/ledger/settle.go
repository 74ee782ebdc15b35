package ledger

import "time"

// Transaction names one transaction of one user: what reconciliation looks
// up, since a user's entries are kept together.
type Transaction struct {
	UserID        string
	TransactionID string
}

// Position is everything that has moved for one transaction of one user:
// the entries Pomelo's calls made (its authorization, its adjustments) and
// the settlement postings, each with its ref.
type Position struct {
	Entries  []Entry // classes AUTH, ADJ_DEBIT and ADJ_CREDIT, in that order
	Settled  []Entry // class SETTLE, by ref; only UserID, Currency, TransactionID, Ref and Amount are kept
	Currency string  // of the settlement postings, "" when there are none
}

// Moved is the signed sum, in minor units of currency, of every entry of
// the position in that currency. Each term is within ±money.MaxMinor and a
// transaction has at most a few entries, so the sum cannot overflow.
func (p Position) Moved(currency string) int64 {
	var sum int64
	for _, e := range p.Entries {
		if e.Currency == currency {
			sum += e.Amount
		}
	}
	for _, e := range p.Settled {
		if e.Currency == currency {
			sum += e.Amount
		}
	}
	return sum
}

// Authorization is the position's authorization entry, if any.
func (p Position) Authorization() (Entry, bool) {
	for _, e := range p.Entries {
		if e.Class == ClassAuthorization {
			return e, true
		}
	}
	return Entry{}, false
}

// Position returns what has moved for t.
func (b *Book) Position(t Transaction) Position {
	var p Position
	for _, c := range [...]Class{ClassAuthorization, ClassAdjustmentDebit, ClassAdjustmentCredit} {
		if e, ok := b.entries[accountEntry{t.UserID, EntryKey(c, t.TransactionID)}]; ok {
			p.Entries = append(p.Entries, *e)
		}
	}
	for _, e := range b.settled[t] {
		p.Settled = append(p.Settled, *e)
		p.Currency = e.Currency
	}
	return p
}

// Balance returns the user's available balance in currency (zero for an
// account that never moved).
func (b *Book) Balance(userID, currency string) int64 {
	return b.balances[accountKey{userID, currency}]
}

// CreatedBetween calls fn with each entry made by Pomelo's calls (see
// Class.FromPomelo) created in [from, to), in no particular order, and stops
// at fn's first error.
func (b *Book) CreatedBetween(from, to time.Time, fn func(Entry) error) error {
	for h := hourOf(from); h <= hourOf(to); h++ {
		for _, e := range b.byHour[h] {
			if !e.CreatedAt.Before(from) && e.CreatedAt.Before(to) {
				if err := fn(*e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func hourOf(t time.Time) int64 { return t.Unix() / 3600 }

// Account names one account: a user's balance in one currency.
type Account struct {
	UserID   string
	Currency string
}
