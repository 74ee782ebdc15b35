package settlement

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
)

// owners knows, for each transaction Pomelo's calls made entries of on
// the day, the user they were made for: what a row naming the
// transaction under another user is checked against, since the ledger
// keeps a user's entries together and finds none of another's. A
// transaction id is known by its hash, in 16 bytes sorted by it; users
// are kept once each.
type owners struct {
	seed  maphash.Seed
	of    []owned // by hash
	users []string
}

type owned struct {
	hash uint64
	user int32 // index in users, -1 for several users (or ids of one hash)
}

// owners reads who the day's entries of Pomelo's calls were made for.
func (r *Reconciler) owners(ctx context.Context, day time.Time) (*owners, error) {
	o := &owners{seed: maphash.MakeSeed()}
	index := map[string]int32{}
	err := r.c.Ledger.CreatedBetween(ctx, day, nextDay(day), func(e ledger.Entry) error {
		u, ok := index[e.UserID]
		if !ok {
			u = int32(len(o.users))
			o.users = append(o.users, e.UserID)
			index[e.UserID] = u
		}
		o.of = append(o.of, owned{hash: maphash.String(o.seed, e.TransactionID), user: u})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("settlement: %s: entries of the day: %w", day.Format("2006-01-02"), err)
	}
	slices.SortFunc(o.of, func(a, b owned) int { return cmp.Compare(a.hash, b.hash) })
	// One entry a hash: a transaction's entries made for two users say
	// nothing of either.
	out := o.of[:0]
	for _, x := range o.of {
		if n := len(out); n > 0 && out[n-1].hash == x.hash {
			if out[n-1].user != x.user {
				out[n-1].user = -1
			}
			continue
		}
		out = append(out, x)
	}
	o.of = slices.Clip(out)
	return o, nil
}

// other returns the user the day's entries of transaction id were made for
// when that is not user, "" otherwise.
func (o *owners) other(id, user string) string {
	h := maphash.String(o.seed, id)
	i, ok := slices.BinarySearchFunc(o.of, h, func(x owned, h uint64) int { return cmp.Compare(x.hash, h) })
	if !ok || o.of[i].user < 0 || o.users[o.of[i].user] == user {
		return ""
	}
	return o.users[o.of[i].user]
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
