package settlementsim_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/filestore/folderbucket"
	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
	"github.com/tarjeta-dev/tarjeta/providers/settlementsim"
)

// TestGeneratedDay: a generated day, loaded into the embedded ledger and the
// folder bucket, reconciles to exactly the counts the generator expects,
// with one posting per row it says needs one; the same spec writes the same
// files.
func TestGeneratedDay(t *testing.T) {
	zone, _ := time.LoadLocation("America/Argentina/Buenos_Aires")
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, zone)
	spec := settlementsim.Spec{Day: day, Rows: 3000, Seed: 7, Mix: settlementsim.Mix{
		AmountAdjusted: 80, Approved: 50, Undone: 40, RejectedBoth: 60, Held: 30, Refunds: 50, Malformed: 20, ClientOnly: 10,
	}}
	var tx, pr bytes.Buffer
	var entries []ledger.Entry
	want, err := settlementsim.Write(spec, &tx, &pr, func(e ledger.Entry) error { entries = append(entries, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var tx2, pr2 bytes.Buffer
	if _, err := settlementsim.Write(spec, &tx2, &pr2, func(ledger.Entry) error { return nil }); err != nil || !bytes.Equal(tx.Bytes(), tx2.Bytes()) || !bytes.Equal(pr.Bytes(), pr2.Bytes()) {
		t.Fatal("the same spec wrote other files")
	}
	ctx := context.Background()
	store, err := ledgerfile.Open(t.TempDir(), day)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var wg sync.WaitGroup
	errs := make(chan error, len(entries))
	for i, e := range entries {
		wg.Go(func() {
			rec := idempotency.Finish(fmt.Sprintf("k%d", i), idempotency.FingerprintOf("/t", []byte(e.TransactionID)), 200, []byte("{}"), e.CreatedAt, 24*time.Hour)
			errs <- store.Commit(ctx, rec, &ledger.Posting{Entry: e})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	bucket := folderbucket.New(t.TempDir(), "settlement")
	bucket.Put(ctx, "transactions2026_12_01.csv", "text/csv", tx.Bytes())
	bucket.Put(ctx, "presentations2026_12_01.csv", "text/csv", pr.Bytes())
	r := settlement.New(settlement.Config{Bucket: bucket, Ledger: store, Runs: store, Zone: zone,
		Now: func() time.Time { return day.Add(30 * time.Hour) }})
	s, err := r.Reconcile(ctx, "2026-12-01", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != settlement.Completed || s.Transactions != want.Counts {
		t.Errorf("counts %+v (%s), want %+v", s.Transactions, s.Reason, want.Counts)
	}
	if s.Presentations.Rows != want.Presentations || s.Presentations.Flagged != 0 {
		t.Errorf("presentations %+v, want %d rows, none flagged", s.Presentations, want.Presentations)
	}
	postings := 0
	users := map[string]bool{}
	for _, e := range entries {
		users[e.UserID] = true
	}
	for u := range users {
		st, err := store.Statement(ctx, u, "", 200)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range st.Entries {
			if e.Class == ledger.ClassSettlement {
				postings++
			}
		}
	}
	if postings != want.Postings {
		t.Errorf("%d postings, want %d", postings, want.Postings)
	}
	if again, err := r.Reconcile(ctx, "2026-12-01", time.Time{}); err != nil || again.Transactions != s.Transactions {
		t.Errorf("a second run: %+v %v", again.Transactions, err)
	}
}
