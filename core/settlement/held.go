package settlement

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"time"
)

// heldReport lists, beside a day's summary, the transactions Pomelo still
// held at the end of that day's file: the next day's run carries those its
// own file lacks into its report, until a file resolves them.
const heldReport = "held.csv"

var heldColumns = []string{"TRANSACTION_ID", "USER_ID", "SINCE"}

// heldTxn is a line of held.csv: since is the date it was first held.
type heldTxn struct{ id, user, since string }

// held returns the day's held.csv and the report lines of the transactions
// carried from the day before: held then, absent from this day's file. A
// transaction this file holds again keeps the date it was first held; one
// whose last row here is not HELD is resolved. A day before that was never
// reconciled carries nothing.
func (r *Reconciler) held(ctx context.Context, day time.Time, lines []exception, index *txnIndex) ([]byte, []exception, error) {
	prev, err := r.readHeld(ctx, day.AddDate(0, 0, -1))
	if err != nil {
		return nil, nil, err
	}
	since := map[string]string{} // of the transactions held again
	listed := map[string]bool{}
	var out []heldTxn
	var carried []exception
	for _, h := range prev {
		m, inFile := index.get(h.id)
		switch {
		case !inFile:
			out, listed[h.id] = append(out, h), true
			carried = append(carried, exception{
				TransactionID: h.id, Rule: HeldRow, Action: "NONE", UserID: h.user,
				Detail: "held by Pomelo since " + h.since + "; not in this day's file: nothing moves until it resolves",
			})
		case m.held:
			since[h.id] = h.since
		}
	}
	date := day.Format("2006-01-02")
	for _, x := range lines {
		if x.Rule != HeldRow {
			continue
		}
		if m, _ := index.get(x.TransactionID); !m.held || listed[x.TransactionID] {
			continue
		}
		listed[x.TransactionID] = true
		h := heldTxn{id: x.TransactionID, user: x.UserID, since: date}
		if s, ok := since[h.id]; ok {
			h.since = s
		}
		out = append(out, h)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(heldColumns) // a bytes.Buffer does not fail
	for _, h := range out {
		_ = w.Write([]string{neutral(h.id), neutral(h.user), h.since})
	}
	w.Flush()
	sortExceptions(carried)
	return buf.Bytes(), carried, nil
}

// readHeld reads day's held.csv; none when the day has no report.
func (r *Reconciler) readHeld(ctx context.Context, day time.Time) ([]heldTxn, error) {
	key := reportKey(day, heldReport)
	b, err := r.c.Bucket.Get(ctx, key)
	if errors.Is(err, ErrNoObject) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settlement: read %s: %w", key, err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 || !slices.Equal(recs[0], heldColumns) {
		return nil, fmt.Errorf("settlement: %s is not a list of held transactions (%v)", key, err)
	}
	out := make([]heldTxn, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		out = append(out, heldTxn{unneutral(rec[0]), unneutral(rec[1]), rec[2]})
	}
	return out, nil
}
