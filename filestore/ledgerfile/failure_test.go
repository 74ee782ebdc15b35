package ledgerfile

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/filestore/filestoretest"
)

// TestDiskFull: while the disk is full nothing is acknowledged; once space
// is freed the store recovers by itself, without a restart, with every
// acknowledged commit kept once and the unacknowledged ones gone, so that
// their retries apply once.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	disk := &filestoretest.FullDisk{}
	s, err := Open(dir, now, disk.Wrap)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(key string) idempotency.Record {
		return idempotency.Finish(key, idempotency.FingerprintOf("/t", []byte(key)), 200, nil, now, time.Hour)
	}
	credit := func(txn string) *ledger.Posting {
		return &ledger.Posting{Entry: ledger.Entry{UserID: "u", Currency: "ARS", TransactionID: txn,
			Class: ledger.ClassAdjustmentCredit, Kind: "ADJUSTMENT_CREDIT", Amount: 100, Status: ledger.Posted, CreatedAt: now}}
	}
	ctx := context.Background()
	if err := s.Commit(ctx, rec("k1"), credit("t1")); err != nil {
		t.Fatal(err)
	}
	disk.Full.Store(true)
	if err := s.Commit(ctx, rec("k2"), credit("t2")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("commit on a full disk: err = %v, want ENOSPC", err)
	}
	if err := s.Commit(ctx, rec("k3"), nil); err == nil {
		t.Error("a commit was acknowledged on a full disk")
	}
	balance := func(s *Store) (int64, int) {
		t.Helper()
		st, err := s.Statement(ctx, "u", "", 10)
		if err != nil {
			t.Fatalf("statement: %v", err)
		}
		return st.Balances[0].Available, len(st.Entries)
	}
	// Reads need no write: memory, replayed from the journal, shows only
	// what was acknowledged.
	if got, n := balance(s); got != 100 || n != 1 {
		t.Fatalf("on a full disk: balance %d over %d entries, want t1 only", got, n)
	}
	disk.Full.Store(false)
	if got, n := balance(s); got != 100 || n != 1 {
		t.Fatalf("after recovery: balance %d over %d entries, want t1 only", got, n)
	}
	// The refused commit's retry applies, once.
	for range 2 {
		err := s.Commit(ctx, rec("k2"), credit("t2"))
		if err != nil && !errors.As(err, new(*idempotency.HeldError)) {
			t.Fatalf("retry of k2: %v", err)
		}
	}
	if got, n := balance(s); got != 200 || n != 2 {
		t.Errorf("after the retry: balance %d over %d entries, want t1 and t2", got, n)
	}
	s.Close()
	s, err = Open(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, n := balance(s); got != 200 || n != 2 {
		t.Errorf("after reopening: balance %d over %d entries, want t1 and t2", got, n)
	}
}
