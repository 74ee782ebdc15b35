package filestore

import (
	"context"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
)

// TestJournalFailure checks that once a journal write fails the store refuses
// everything, and that a reopen shows only what reached the journal.
func TestJournalFailure(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s, err := Open(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(key string) idempotency.Record {
		return idempotency.Finish(key, idempotency.FingerprintOf("/t", nil), 200, nil, now, time.Hour)
	}
	credit := func(txn string) *ledger.Posting {
		return &ledger.Posting{Entry: ledger.Entry{UserID: "u", Currency: "ARS", TransactionID: txn,
			Class: ledger.ClassAdjustmentCredit, Kind: "ADJUSTMENT_CREDIT", Amount: 100, Status: ledger.Posted, CreatedAt: now}}
	}
	ctx := context.Background()
	if err := s.Commit(ctx, rec("k1"), credit("t1")); err != nil {
		t.Fatal(err)
	}
	s.log.f.Close() // the disk goes away
	if err := s.Commit(ctx, rec("k2"), credit("t2")); err == nil {
		t.Fatal("commit acknowledged although its journal write failed")
	}
	if err := s.Commit(ctx, rec("k3"), nil); err == nil {
		t.Error("store accepted a commit after a failed journal write")
	}
	if _, err := s.Statement(ctx, "u", "", 10); err == nil {
		t.Error("statement served from memory the journal may lack")
	}

	s, err = Open(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Statement(ctx, "u", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Entries) != 1 || st.Balances[0].Available != 100 {
		t.Errorf("after reopening: %+v, want only t1", st)
	}
}
