package settlement

import (
	"context"
	"fmt"
	"hash/maphash"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
)

// owners knows, for each transaction Pomelo's calls made entries of on
// the day, the user they were made for: what a row naming the
// transaction under another user is checked against, since the ledger
// keeps a user's entries together and finds none of another's. A
// transaction id is known by its hash; users are kept once each.
type owners struct {
	seed  maphash.Seed
	of    map[uint64]int32 // transaction id's hash → index in users, -1 for several
	users []string
	index map[string]int32
}

// owners reads who the day's entries of Pomelo's calls were made for.
func (r *Reconciler) owners(ctx context.Context, day time.Time) (*owners, error) {
	o := &owners{seed: maphash.MakeSeed(), of: map[uint64]int32{}, index: map[string]int32{}}
	err := r.c.Ledger.CreatedBetween(ctx, day, nextDay(day), func(e ledger.Entry) error {
		u, ok := o.index[e.UserID]
		if !ok {
			u = int32(len(o.users))
			o.users = append(o.users, e.UserID)
			o.index[e.UserID] = u
		}
		h := maphash.String(o.seed, e.TransactionID)
		if prev, ok := o.of[h]; ok && prev != u {
			u = -1 // two users' (or two ids of one hash): say nothing of it
		}
		o.of[h] = u
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("settlement: %s: entries of the day: %w", day.Format("2006-01-02"), err)
	}
	o.index = nil
	return o, nil
}

// other returns the user the day's entries of transaction id were made for
// when that is not user, "" otherwise.
func (o *owners) other(id, user string) string {
	if o == nil {
		return ""
	}
	u, ok := o.of[maphash.String(o.seed, id)]
	if !ok || u < 0 || o.users[u] == user {
		return ""
	}
	return o.users[u]
}

// mismatch says why row t, given its transaction's position under its
// user, must move nothing: the ledger holds the transaction in another
// currency, or (nothing held under the row's user) for another user on
// the day. "" when neither.
func (o *owners) mismatch(t Transaction, pos *ledger.Position) string {
	for _, entries := range [2][]ledger.Entry{pos.Entries, pos.Settled} {
		for i := range entries {
			if c := entries[i].Currency; c != t.Currency {
				return fmt.Sprintf("file: %s %s in %s; ledger: the transaction's entries are in %s", t.Status, t.Type, t.Currency, c)
			}
		}
	}
	if len(pos.Entries) == 0 && len(pos.Settled) == 0 {
		if other := o.other(t.ID, t.UserID); other != "" {
			return fmt.Sprintf("file: %s %s for user %s; ledger: the transaction is user %s's", t.Status, t.Type, t.UserID, other)
		}
	}
	return ""
}
