package benchmarks_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/filestore/folderbucket"
	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
)

// BenchmarkReconcileAnomalies is a day whose every row is an anomaly (1M
// rows of a TRANSACTION_TYPE Pomelo does not have), run on the embedded
// stores as `make run` runs it: what the run holds must not grow with its
// anomalies. Run it alone in its process: peak-RSS is the process's.
func BenchmarkReconcileAnomalies(b *testing.B) {
	const rows = 1_000_000
	dir := b.TempDir()
	bucket := filepath.Join(dir, "settlement")
	if err := os.MkdirAll(bucket, 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(bucket, "transactions2026_12_01.csv"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("TRANSACTION_ID,TRANSACTION_TYPE,USER_ID,LOCAL_AMOUNT,LOCAL_CURRENCY,STATUS,STATUS_DETAIL,SOURCE\n")
	for i := range rows {
		fmt.Fprintf(w, "t-%07d,TELEPORT,u-%d,10.00,ARS,APPROVED,APPROVED,CLEARING\n", i, i%5000)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := os.WriteFile(filepath.Join(bucket, "presentations2026_12_01.csv"), []byte("TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		store, err := ledgerfile.Open(b.TempDir(), settleNow)
		if err != nil {
			b.Fatal(err)
		}
		r := settlement.New(settlement.Config{
			Bucket: folderbucket.New(dir, "settlement"), Ledger: store, Runs: store,
			Zone: settleZone, Now: func() time.Time { return settleNow },
		})
		s, err := r.Reconcile(context.Background(), "2026-12-01", time.Time{})
		if err != nil || s.Transactions.Malformed != rows || s.AnomaliesTotal != rows || len(s.Anomalies) != settlement.MaxAnomalies {
			b.Fatalf("%s %q %+v, %d anomalies of %d: %v", s.Status, s.Reason, s.Transactions, len(s.Anomalies), s.AnomaliesTotal, err)
		}
		store.Close()
	}
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
}
