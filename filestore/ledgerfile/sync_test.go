package ledgerfile

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/filestore"
)

// syncRecorder is a journal that tells what a power cut would keep: only
// what was written before the last Sync.
type syncRecorder struct {
	mu      sync.Mutex
	written []byte
	synced  int
	syncs   int
}

func (r *syncRecorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.written = append(r.written, b...)
	return len(b), nil
}

func (r *syncRecorder) Sync() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.synced, r.syncs = len(r.written), r.syncs+1
	return nil
}

func (r *syncRecorder) Close() error { return nil }

func (r *syncRecorder) Truncate(int64) error { return nil }

func (r *syncRecorder) durable() ([]byte, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.written[:r.synced]), r.syncs
}

// TestAcknowledgedIsSynced: a commit is acknowledged only once its line is
// synced, under concurrent commits.
func TestAcknowledgedIsSynced(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	rec := &syncRecorder{}
	s, err := Open(t.TempDir(), now, func(filestore.File) filestore.File { return rec })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("k-%d-%d", w, i)
				p := &ledger.Posting{Entry: ledger.Entry{UserID: "u", Currency: "ARS", TransactionID: key,
					Class: ledger.ClassAdjustmentCredit, Kind: "ADJUSTMENT_CREDIT", Amount: 1, Status: ledger.Posted, CreatedAt: now}}
				err := s.Commit(context.Background(), idempotency.Finish(key, idempotency.FingerprintOf("/t", nil), 200, nil, now, time.Hour), p)
				if err != nil {
					t.Error(err)
					return
				}
				if synced, _ := rec.durable(); !bytes.Contains(synced, []byte(`"key":"`+key+`"`)) {
					t.Errorf("commit %s acknowledged before its line was synced", key)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, syncs := rec.durable(); syncs == 0 {
		t.Error("the journal was never synced")
	}
}
