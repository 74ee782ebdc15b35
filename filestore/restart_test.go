package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/filestore"
	. "github.com/tarjeta-dev/tarjeta/storetest"
)

func open(t *testing.T, dir string) *filestore.Store {
	t.Helper()
	s, err := filestore.Open(dir, T0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := context.Background()
	if err := s.Commit(ctx, Rec("k1", "ok"), Move("u", "t1", ledger.ClassAuthorization, "REFUND", 10_00)); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, Rec("k2", "ok"), Move("u", "t2", ledger.ClassAuthorization, "PURCHASE", -3_00)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The process died in the middle of writing a third commit.
	path := filepath.Join(dir, filestore.JournalName)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"record":{"key":"k3","fingerp`)
	f.Close()

	s = open(t, dir)
	defer s.Close()
	if got := Balance(t, s, "u"); got != 7_00 {
		t.Errorf("balance after restart = %d, want 700", got)
	}
	// Keys, entries and reversible amounts survived.
	var held *idempotency.HeldError
	if err := s.Commit(ctx, Rec("k2", "ok"), nil); !errors.As(err, &held) {
		t.Errorf("k2 after restart: err = %v, want *HeldError", err)
	}
	if err := s.Commit(ctx, Rec("k9", "ok"), Move("u", "t1", ledger.ClassAuthorization, "REFUND", 10_00)); !errors.Is(err, ledger.ErrAlreadyPosted) {
		t.Errorf("t1 after restart: err = %v, want ErrAlreadyPosted", err)
	}
	p := Move("u", "r1", ledger.ClassAuthorization, "REVERSAL_PURCHASE", 3_01)
	p.Reverses = &ledger.Reversal{OriginalID: "t2", OriginalKind: "PURCHASE", Amount: 3_01}
	if err := s.Commit(ctx, Rec("k4", "ok"), p); !errors.Is(err, ledger.ErrReversalExceeds) {
		t.Errorf("over-reversal after restart: err = %v, want ErrReversalExceeds", err)
	}
	// The torn line was cut off, so the key it held is free.
	if err := s.Commit(ctx, Rec("k3", "ok"), nil); err != nil {
		t.Errorf("k3 after restart: %v", err)
	}
}

func TestCorruptJournal(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, filestore.JournalName), []byte("not json\n"), 0o600)
	if _, err := filestore.Open(dir, T0); err == nil {
		t.Error("Open accepted a corrupt journal")
	}
}

// TestConcurrentCommitsSurviveRestart checks group commit: every commit
// acknowledged to concurrent writers is in the journal.
func TestConcurrentCommitsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	const writers, each = 8, 250
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := s.Commit(context.Background(), Rec(id, "ok"), Move("u", id, ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	s.Close()
	s = open(t, dir)
	defer s.Close()
	if got := Balance(t, s, "u"); got != writers*each {
		t.Errorf("balance after restart = %d, want %d: acknowledged commits were lost", got, writers*each)
	}
}
