package ledgerfile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
	. "github.com/tarjeta-dev/tarjeta/storetest"
)

func open(t *testing.T, dir string) *ledgerfile.Store {
	t.Helper()
	s, err := ledgerfile.Open(dir, T0)
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
	path := filepath.Join(dir, ledgerfile.JournalName)
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
	os.WriteFile(filepath.Join(dir, ledgerfile.JournalName), []byte("not json\n"), 0o600)
	if _, err := ledgerfile.Open(dir, T0); !errors.Is(err, filestore.ErrDamaged) {
		t.Errorf("Open = %v, want ErrDamaged", err)
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

// TestDamagedLine: a value changed inside an acknowledged line is detected
// when the store opens, and reported with the line's number and offset.
func TestDamagedLine(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := context.Background()
	for i, amount := range []int64{10_00, 20_00, 30_00} {
		id := fmt.Sprint("t", i)
		if err := s.Commit(ctx, Rec("k"+id, "ok"), Move("u", id, ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", amount)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	path := filepath.Join(dir, ledgerfile.JournalName)
	journal, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(journal, []byte("\n"))
	for _, tc := range []struct {
		name string
		edit func(line []byte) []byte
	}{
		{"amount changed", func(l []byte) []byte { return bytes.Replace(l, []byte(`"amount":2000`), []byte(`"amount":9000`), 1) }},
		{"checksum changed", func(l []byte) []byte { l[0] ^= 1; return l }},
		{"checksum removed", func(l []byte) []byte { return l[9:] }},
		{"not JSON", func(l []byte) []byte { return []byte("00000000 {\n") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			second := tc.edit(bytes.Clone(lines[1]))
			if bytes.Equal(second, lines[1]) {
				t.Fatal("the edit did not apply")
			}
			damaged := slices.Concat(lines[0], second, lines[2])
			if err := os.WriteFile(path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ledgerfile.Open(dir, T0)
			var de *filestore.DamagedError
			if !errors.Is(err, filestore.ErrDamaged) || !errors.As(err, &de) || de.Line != 2 || de.Offset != int64(len(lines[0])) {
				t.Fatalf("Open = %v, want line 2 at byte %d damaged", err, len(lines[0]))
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("line 2 (byte %d)", len(lines[0]))) {
				t.Errorf("error %q does not say where", err)
			}
		})
	}
}

// TestJournalWithoutChecksums: a journal written before lines had checksums
// still opens, and new lines after it carry one.
func TestJournalWithoutChecksums(t *testing.T) {
	dir := t.TempDir()
	bare := `{"record":{"key":"k1","fingerprint":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":200,"body":null,"created_at":"2026-11-23T12:00:00Z","expires_at":"2026-11-24T12:00:00Z"},` +
		`"posting":{"entry":{"user_id":"u","currency":"ARS","transaction_id":"t1","class":"ADJ_CREDIT","kind":"ADJUSTMENT_CREDIT","amount":500,"status":"POSTED","created_at":"2026-11-23T12:00:00Z"}}}` + "\n"
	path := filepath.Join(dir, ledgerfile.JournalName)
	os.WriteFile(path, []byte(bare), 0o600)
	s := open(t, dir)
	if err := s.Commit(context.Background(), Rec("k2", "ok"), Move("u", "t2", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1_00)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir)
	if got := Balance(t, s, "u"); got != 6_00 {
		t.Errorf("balance = %d, want 600", got)
	}
	s.Close()
	// A bare line after a checksummed one is damage, not an old line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(strings.Replace(bare, `"k1"`, `"k3"`, 1))
	f.Close()
	if _, err := ledgerfile.Open(dir, T0); !errors.Is(err, filestore.ErrDamaged) {
		t.Errorf("Open = %v, want ErrDamaged for a bare line after checksummed ones", err)
	}
}
