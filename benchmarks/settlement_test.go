package benchmarks_test

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
					Zone: settleZone, Now: func() time.Time { return settleNow }, Chunk: 20_000,
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

// memLedger is a ledger export held as compactly as a join needs it: 24
// bytes an entry, sorted by a hash of (user, transaction); the day's
// entries are streamed from the export again when asked for, and the
// postings are kept apart.
type memLedger struct {
	path     string
	seed     maphash.Seed
	entries  []compactEntry
	balances map[string]*int64 // by user and currency
	settled  map[uint64][]ledger.Entry
	posted   int
}

type compactEntry struct {
	hash   uint64
	amount int64
	class  ledger.Class
}

func (l *memLedger) key(user, txn []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.Write(user)
	h.WriteByte(0)
	h.Write(txn)
	return h.Sum64()
}

func (l *memLedger) balance(user, currency []byte) *int64 {
	k := make([]byte, 0, 64)
	k = append(append(append(k, user...), 0), currency...)
	b := l.balances[string(k)]
	if b == nil {
		b = new(int64)
		l.balances[string(k)] = b
	}
	return b
}

// loadLedger reads the ledger export.
func loadLedger(path string) (*memLedger, error) {
	l := &memLedger{path: path, seed: maphash.MakeSeed(), balances: map[string]*int64{}, settled: map[uint64][]ledger.Entry{}}
	err := eachRecord(path, func(rec [][]byte) error {
		amount, err := strconv.ParseInt(string(rec[4]), 10, 64)
		if err != nil {
			return err
		}
		l.entries = append(l.entries, compactEntry{hash: l.key(rec[0], rec[1]), amount: amount, class: interned[ledger.Class](rec[2])})
		*l.balance(rec[0], rec[5]) += amount
		return nil
	})
	slices.SortFunc(l.entries, func(a, b compactEntry) int { return cmp.Compare(a.hash, b.hash) })
	return l, err
}

// eachRecord streams the export's records.
func eachRecord(path string, fn func([][]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rd := settlement.NewReader(f, 0, 1)
	if _, err := rd.Read(); err != nil {
		return err
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil || len(rec) != 8 {
			return fmt.Errorf("ledger export line %d: %v", rd.Line, err)
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("ledger export line %d: %w", rd.Line, err)
		}
	}
}

// interned returns the export's repeated values without allocating.
func interned[S ~string](b []byte) S {
	if s, ok := internedValues[string(b)]; ok {
		return S(s)
	}
	return S(b)
}

var internedValues = func() map[string]string {
	m := map[string]string{}
	for _, v := range []string{"AUTH", "ADJ_DEBIT", "ADJ_CREDIT", "SETTLE", "POSTED", "PURCHASE", "REFUND", "ARS"} {
		m[v] = v
	}
	return m
}()

func (l *memLedger) Positions(_ context.Context, txns []ledger.Transaction) ([]ledger.Position, error) {
	out := make([]ledger.Position, len(txns))
	backing := make([]ledger.Entry, 0, len(txns))
	for i, t := range txns {
		h := l.key([]byte(t.UserID), []byte(t.TransactionID))
		j, _ := slices.BinarySearchFunc(l.entries, h, func(e compactEntry, h uint64) int { return cmp.Compare(e.hash, h) })
		start := len(backing)
		for ; j < len(l.entries) && l.entries[j].hash == h; j++ {
			e := l.entries[j]
			backing = append(backing, ledger.Entry{UserID: t.UserID, TransactionID: t.TransactionID, Currency: "ARS",
				Class: e.class, Amount: e.amount, Status: ledger.Posted})
		}
		out[i].Entries = backing[start:len(backing):len(backing)]
		out[i].Settled = slices.Clone(l.settled[h])
	}
	return out, nil
}

func (l *memLedger) Settle(_ context.Context, ps []ledger.Posting) error {
	for _, p := range ps {
		e := p.Entry
		h := l.key([]byte(e.UserID), []byte(e.TransactionID))
		if slices.ContainsFunc(l.settled[h], func(s ledger.Entry) bool { return s.Ref == e.Ref }) {
			continue
		}
		l.settled[h] = append(l.settled[h], e)
		*l.balance([]byte(e.UserID), []byte(e.Currency)) += e.Amount
		l.posted++
	}
	return nil
}

func (l *memLedger) CreatedBetween(_ context.Context, from, to time.Time, fn func(ledger.Entry) error) error {
	return eachRecord(l.path, func(rec [][]byte) error {
		nanos, err := strconv.ParseInt(string(rec[7]), 10, 64)
		if err != nil {
			return err
		}
		at := time.Unix(0, nanos)
		class := interned[ledger.Class](rec[2])
		if !class.FromPomelo() || at.Before(from) || !at.Before(to) {
			return nil
		}
		amount, err := strconv.ParseInt(string(rec[4]), 10, 64)
		if err != nil {
			return err
		}
		return fn(ledger.Entry{UserID: string(rec[0]), TransactionID: string(rec[1]), Class: class, Kind: interned[string](rec[3]),
			Amount: amount, Currency: interned[string](rec[5]), Status: interned[ledger.Status](rec[6]), CreatedAt: at})
	})
}

func (l *memLedger) Balances(_ context.Context, accounts []ledger.Account) ([]int64, error) {
	out := make([]int64, len(accounts))
	for i, a := range accounts {
		if b := l.balances[a.UserID+"\x00"+a.Currency]; b != nil {
			out[i] = *b
		}
	}
	return out, nil
}
