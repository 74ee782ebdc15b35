package benchmarks_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/filestore/folderbucket"
	"github.com/tarjeta-dev/tarjeta/providers/settlementsim"
)

// The day every settlement benchmark reconciles.
var (
	settleZone, _ = time.LoadLocation("America/Argentina/Buenos_Aires")
	settleDay     = time.Date(2026, 12, 1, 0, 0, 0, 0, settleZone)
	settleNow     = settleDay.Add(30 * time.Hour)
)

// ledgerHeader is that of the ledger export the benchmarks share with
// DuckDB's (benchmarks/duckdb): one ledger entry a line, amounts in minor
// units.
const ledgerHeader = "USER_ID,TRANSACTION_ID,CLASS,KIND,AMOUNT,CURRENCY,STATUS,CREATED_AT_UNIX_NANO"

// settlementDay writes (once, under $SETTLEMENT_BENCH_DIR or the temporary
// folder) the generated day of rows: its two files as a folder bucket
// holds them, and the ledger export. It returns the folder.
func settlementDay(b *testing.B, rows int) string {
	b.Helper()
	root := os.Getenv("SETTLEMENT_BENCH_DIR")
	if root == "" {
		root = os.TempDir()
	}
	dir := filepath.Join(root, fmt.Sprintf("tarjeta-settlement-%d-v2", rows))
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return dir
	}
	bucket := filepath.Join(dir, "settlement")
	if err := os.MkdirAll(bucket, 0o755); err != nil {
		b.Fatal(err)
	}
	create := func(name string) *os.File {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	tx, pr, lg := create("settlement/transactions2026_12_01.csv"), create("settlement/presentations2026_12_01.csv"), create("ledger.csv")
	w := bufio.NewWriterSize(lg, 1<<20)
	w.WriteString(ledgerHeader + "\n")
	want, err := settlementsim.Write(settlementsim.Spec{Day: settleDay, Rows: rows, Seed: 1, Mix: settlementsim.Realistic}, tx, pr,
		func(e ledger.Entry) error {
			_, err := fmt.Fprintf(w, "%s,%s,%s,%s,%d,%s,%s,%d\n", e.UserID, e.TransactionID, e.Class, e.Kind, e.Amount, e.Currency, e.Status,
				e.CreatedAt.UnixNano())
			return err
		})
	if err != nil {
		b.Fatal(err)
	}
	for _, err := range []error{w.Flush(), tx.Close(), pr.Close(), lg.Close()} {
		if err != nil {
			b.Fatal(err)
		}
	}
	c := want.Counts
	expect := fmt.Sprintf("%d %d %d %d %d %d %d %d\n", c.Rows, c.Matched, c.AmountAdjusted, c.Adjusted, c.Held, c.ClientOnly, c.Malformed, want.Postings)
	if err := os.WriteFile(filepath.Join(dir, "expect"), []byte(expect), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// expected reads what the generator said the day's run must count.
func expected(b *testing.B, dir string) (settlement.Counts, int) {
	raw, err := os.ReadFile(filepath.Join(dir, "expect"))
	if err != nil {
		b.Fatal(err)
	}
	var c settlement.Counts
	var postings int
	fmt.Sscan(string(raw), &c.Rows, &c.Matched, &c.AmountAdjusted, &c.Adjusted, &c.Held, &c.ClientOnly, &c.Malformed, &postings)
	return c, postings
}

// peakRSS is the process's largest resident set so far, in MiB.
func peakRSS() float64 {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return float64(u.Maxrss) / 1024
}

// BenchmarkReconcilePure is the reconciliation without a store: the
// ledger export read from disk into memory, then the whole run (both files
// streamed from disk and parsed, every rule applied, the postings kept, the
// report built), beside DuckDB joining the same two inputs
// (benchmarks/duckdb). Run one size per process: peak-RSS is the process's.
func BenchmarkReconcilePure(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			dir := settlementDay(b, rows)
			want, postings := expected(b, dir)
			for b.Loop() {
				l, err := loadLedger(filepath.Join(dir, "ledger.csv"))
				if err != nil {
					b.Fatal(err)
				}
				r := settlement.New(settlement.Config{
					Bucket: &readOnlyBucket{Bucket: folderbucket.New(dir, "settlement")}, Ledger: l, Runs: &memRuns{},
					Zone: settleZone, Now: func() time.Time { return settleNow },
				})
				s, err := r.Reconcile(context.Background(), "2026-12-01", time.Time{})
				if err != nil || s.Transactions != want || l.posted != postings {
					b.Fatalf("%+v (%s) %v, %d postings; want %+v, %d", s.Transactions, s.Reason, err, l.posted, want, postings)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(peakRSS(), "peak-RSS-MiB")
		})
	}
}

// readOnlyBucket reads the day's files from disk and keeps what the run
// writes in memory: the pure path measures no disk writes (the folder
// bucket fsyncs each report part).
type readOnlyBucket struct {
	*folderbucket.Bucket
	mu      sync.Mutex
	written map[string][]byte
}

func (b *readOnlyBucket) Put(_ context.Context, key, _ string, body []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written == nil {
		b.written = map[string][]byte{}
	}
	b.written[key] = body
	return nil
}

func (b *readOnlyBucket) Get(ctx context.Context, key string) ([]byte, error) {
	b.mu.Lock()
	body, ok := b.written[key]
	b.mu.Unlock()
	if ok {
		return body, nil
	}
	return b.Bucket.Get(ctx, key)
}

// PutStream keeps nothing: what the run streams (exceptions.csv) is not
// read back.
func (b *readOnlyBucket) PutStream(_ context.Context, _, _ string, write func(io.Writer) error) error {
	return write(io.Discard)
}

// memRuns keeps run records in memory.
type memRuns struct {
	mu   sync.Mutex
	runs map[string]settlement.Run
}

func (m *memRuns) Run(_ context.Context, date string) (settlement.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[date]
	if !ok {
		return r, settlement.ErrNoRun
	}
	return r, nil
}

func (m *memRuns) RunsOf(ctx context.Context, dates []string) ([]settlement.Run, error) {
	var out []settlement.Run
	for _, d := range dates {
		if r, err := m.Run(ctx, d); err == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memRuns) SaveRun(_ context.Context, r settlement.Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runs == nil {
		m.runs = map[string]settlement.Run{}
	}
	if m.runs[r.Date].Version != r.Version-1 {
		return settlement.ErrRunConflict
	}
	m.runs[r.Date] = r
	return nil
}
