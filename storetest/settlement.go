package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// Settlement is what RunSettlement exercises: a ledger store that also
// serves reconciliation, and keeps its run records.
type Settlement interface {
	Ledger
	settlement.Ledger
	settlement.Runs
}

// RunSettlement runs the suite of what reconciliation needs of a ledger
// store; open returns an empty store for each subtest.
func RunSettlement(t *testing.T, open func(t *testing.T) Settlement) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s Settlement)
	}{
		{"positions gather a transaction's entries", positions},
		{"a settlement posts once", settleOnce},
		{"settlement debits may go below zero, within the bound", settleDebt},
		{"several postings of one account in one call", settleSameAccount},
		{"a statement pages past reconciliation postings", statementPastPostings},
		{"what no store can take is refused", settleRefused},
		{"the day's entries of Pomelo's calls", createdBetween},
		{"balances of any accounts", balances},
		{"run records by version", runs},
		{"run records of a list of dates", runsOf},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// Settle returns a settlement posting of amount for u's transaction txn.
func Settle(u, txn, ref string, amount int64) ledger.Posting {
	kind := settlement.KindCredit
	if amount < 0 {
		kind = settlement.KindDebit
	}
	return ledger.Posting{Entry: ledger.Entry{UserID: u, Currency: "ARS", TransactionID: txn, Class: ledger.ClassSettlement,
		Kind: kind, Amount: amount, Status: ledger.Posted, Ref: ref, CreatedAt: T0}}
}

func mustSettle(t *testing.T, s Settlement, ps ...ledger.Posting) {
	t.Helper()
	if refused, err := s.Settle(context.Background(), ps); err != nil || refused != nil {
		t.Fatalf("settle: %v, refused %v", err, refused)
	}
}

func balanceOf(t *testing.T, s Settlement, u string) int64 {
	t.Helper()
	b, err := s.Balances(context.Background(), []ledger.Account{{UserID: u, Currency: "ARS"}})
	if err != nil {
		t.Fatal(err)
	}
	return b[0]
}

// summarize writes a position as "CLASS:amount" and "ref=amount" terms.
func summarize(p ledger.Position) string {
	var parts []string
	for _, e := range p.Entries {
		parts = append(parts, fmt.Sprintf("%s:%d", e.Class, e.Amount))
	}
	var refs []string
	for _, e := range p.Settled {
		refs = append(refs, fmt.Sprintf("%s=%d", e.Ref, e.Amount))
	}
	sort.Strings(refs)
	return strings.Join(append(parts, refs...), " ")
}

func positions(t *testing.T, s Settlement) {
	long := strings.Repeat("x", storable.MaxID)
	mustCommit(t, s, Rec("k1", "{}"), Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 100_00))
	mustCommit(t, s, Rec("k2", "{}"), Move("u1", "t2", ledger.ClassAuthorization, "PURCHASE", -30_00))
	mustCommit(t, s, Rec("k3", "{}"), Move("u1", "t2", ledger.ClassAdjustmentDebit, "ADJUSTMENT_DEBIT", -2_00))
	mustCommit(t, s, Rec("k4", "{}"), Move(long, long, ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1_00))
	mustSettle(t, s, Settle("u1", "t2", "20261201.a.2.1", -1_00), Settle("u1", "t2", "20261202.b.7.1", 50), Settle(long, long, "r", 1))
	got, err := s.Positions(context.Background(), []ledger.Transaction{
		{UserID: "u1", TransactionID: "t2"}, {UserID: "u1", TransactionID: "nope"}, {UserID: "u2", TransactionID: "t2"},
		{UserID: long, TransactionID: long}, {UserID: "u1", TransactionID: "t1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"AUTH:-3000 ADJ_DEBIT:-200 20261201.a.2.1=-100 20261202.b.7.1=50", "", "",
		"ADJ_CREDIT:100 r=1", "ADJ_CREDIT:10000",
	}
	for i, p := range got {
		if summarize(p) != want[i] {
			t.Errorf("position %d: %q, want %q", i, summarize(p), want[i])
		}
	}
	if m := got[0].Moved("ARS"); m != -30_00-2_00-1_00+50 {
		t.Errorf("moved %d", m)
	}
	if a, ok := got[0].Authorization(); !ok || a.Kind != "PURCHASE" || a.Status != ledger.Posted {
		t.Errorf("authorization %+v %v", a, ok)
	}
	if len(got) != 5 {
		t.Fatalf("%d positions for 5 transactions", len(got))
	}
	if empty, err := s.Positions(context.Background(), nil); err != nil || len(empty) != 0 {
		t.Errorf("no transactions: %v %v", empty, err)
	}
}

func settleOnce(t *testing.T, s Settlement) {
	p := Settle("u1", "t1", "20261201.a.2.1", -5_00)
	mustSettle(t, s, p)
	mustSettle(t, s, p, p)
	if b := balanceOf(t, s, "u1"); b != -5_00 {
		t.Errorf("balance %d after settling one posting three times, want -500", b)
	}
	st, err := s.Statement(context.Background(), "u1", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Entries) != 1 || st.Entries[0].Kind != settlement.KindDebit || st.Entries[0].Class != ledger.ClassSettlement || st.Entries[0].Ref != p.Entry.Ref {
		t.Errorf("statement %+v", st.Entries)
	}
	// Another ref of the same transaction is another posting.
	mustSettle(t, s, Settle("u1", "t1", "20261201.a.2.2", 1_00))
	if b := balanceOf(t, s, "u1"); b != -4_00 {
		t.Errorf("balance %d, want -400", b)
	}
}

func settleDebt(t *testing.T, s Settlement) {
	mustCommit(t, s, Rec("k1", "{}"), Move("u1", "fund", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 10_00))
	mustSettle(t, s, Settle("u1", "t1", "r1", -500_00))
	if b := balanceOf(t, s, "u1"); b != -490_00 {
		t.Errorf("balance %d, want -49000", b)
	}
	mustSettle(t, s, Settle("u2", "t1", "r1", -ledger.MaxBalance))
	// A posting past the bound is refused alone: the others of the call,
	// before and after it, apply.
	for range 2 { // and again, as a run that goes on would ask
		refused, err := s.Settle(context.Background(), []ledger.Posting{
			Settle("u3", "t1", "r1", -1_00), Settle("u2", "t2", "r1", -1), Settle("u2", "t3", "r1", -2), Settle("u4", "t1", "r1", 2_00),
		})
		if err != nil || len(refused) != 4 || refused[0] != nil || !errors.Is(refused[1], ledger.ErrBalanceLimit) ||
			!errors.Is(refused[2], ledger.ErrBalanceLimit) || refused[3] != nil {
			t.Fatalf("past -MaxBalance: refused %v, %v; want the second and third alone, ErrBalanceLimit", refused, err)
		}
	}
	for u, want := range map[string]int64{"u2": -ledger.MaxBalance, "u3": -1_00, "u4": 2_00} {
		if b := balanceOf(t, s, u); b != want {
			t.Errorf("%s: balance %d, want %d", u, b, want)
		}
	}
}

func settleSameAccount(t *testing.T, s Settlement) {
	var ps []ledger.Posting
	for i := range 30 {
		ps = append(ps, Settle("u1", fmt.Sprintf("t%d", i), "r", -1_00), Settle(fmt.Sprintf("v%d", i), "t", "r", 1_00))
	}
	mustSettle(t, s, ps...)
	if b := balanceOf(t, s, "u1"); b != -30_00 {
		t.Errorf("balance %d, want -3000", b)
	}
	if b := balanceOf(t, s, "v7"); b != 1_00 {
		t.Errorf("balance %d, want 100", b)
	}
}

func settleRefused(t *testing.T, s Settlement) {
	long := strings.Repeat("x", storable.MaxID+1)
	for name, p := range map[string]ledger.Posting{
		"ref with #":           Settle("u1", "t1", "a#b", 1),
		"ref too long":         Settle("u1", "t1", strings.Repeat("r", ledger.MaxRef+1), 1),
		"no ref":               Settle("u1", "t1", "", 1),
		"user id too long":     Settle(long, "t1", "r", 1),
		"amount out of bounds": Settle("u1", "t1", "r", ledger.MaxBalance+1),
	} {
		if refused, err := s.Settle(context.Background(), []ledger.Posting{p, Settle("u2", "t1", "r", 1)}); err != nil || len(refused) != 2 ||
			!errors.Is(refused[0], storable.ErrInvalid) || refused[1] != nil {
			t.Errorf("%s: refused %v, %v; want storable.ErrInvalid for it alone", name, refused, err)
		}
	}
	if b := balanceOf(t, s, "u1"); b != 0 {
		t.Errorf("a refused posting moved %d", b)
	}
}

func createdBetween(t *testing.T, s Settlement) {
	from := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC) // midnight in Buenos Aires
	to := from.Add(24 * time.Hour)
	at := func(key, txn string, when time.Time, class ledger.Class) {
		p := Move("u1", txn, class, "K", -1)
		p.Entry.CreatedAt = when
		p.RequireFunds = false
		mustCommit(t, s, Rec(key, "{}"), p)
	}
	at("k1", "before", from.Add(-time.Nanosecond), ledger.ClassAuthorization)
	at("k2", "first", from, ledger.ClassAuthorization)
	at("k3", "half-hour", from.Add(90*time.Minute+30*time.Second), ledger.ClassAdjustmentDebit)
	at("k4", "last", to.Add(-time.Millisecond), ledger.ClassAdjustmentCredit)
	at("k5", "after", to, ledger.ClassAuthorization)
	p := Settle("u1", "settled", "r", -1)
	p.Entry.CreatedAt = from.Add(time.Hour)
	mustSettle(t, s, p)
	var got []string
	err := s.CreatedBetween(context.Background(), from, to, func(e ledger.Entry) error {
		got = append(got, e.TransactionID+"/"+string(e.Class))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if want := []string{"first/AUTH", "half-hour/ADJ_DEBIT", "last/ADJ_CREDIT"}; !reflect.DeepEqual(got, want) {
		t.Errorf("entries of the day %q, want %q", got, want)
	}
	stop := errors.New("stop")
	if err := s.CreatedBetween(context.Background(), from, to, func(ledger.Entry) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("fn's error: %v", err)
	}
}

func balances(t *testing.T, s Settlement) {
	mustCommit(t, s, Rec("k1", "{}"), Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 7_00))
	got, err := s.Balances(context.Background(), []ledger.Account{
		{UserID: "u1", Currency: "ARS"}, {UserID: "u1", Currency: "USD"}, {UserID: "nobody", Currency: "ARS"}, {UserID: "u1", Currency: "ARS"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{7_00, 0, 0, 7_00}; !reflect.DeepEqual(got, want) {
		t.Errorf("balances %v, want %v", got, want)
	}
	many := make([]ledger.Account, 250)
	for i := range many {
		many[i] = ledger.Account{UserID: fmt.Sprintf("u%d", i), Currency: "ARS"}
	}
	if got, err := s.Balances(context.Background(), many); err != nil || len(got) != 250 || got[1] != 7_00 {
		t.Errorf("250 accounts: %d answers, u1 %v, %v", len(got), got, err)
	}
}

func runs(t *testing.T, s Settlement) {
	ctx := context.Background()
	if _, err := s.Run(ctx, "2026-12-01"); !errors.Is(err, settlement.ErrNoRun) {
		t.Fatalf("no run yet: %v", err)
	}
	r := settlement.Run{
		Date: "2026-12-01", Version: 1, Attempt: 1, Status: settlement.Running,
		Inputs:     []settlement.Input{{Key: "transactions2026_12_01.csv", ETag: `"abc"`}, {Key: "presentations2026_12_01.csv", ETag: `"def"`}},
		Checkpoint: settlement.Checkpoint{Rows: 5, Offset: 512, Line: 7, Parts: 1},
		Counts:     settlement.Counts{Rows: 5, Matched: 4, Malformed: 1},
		LeaseUntil: T0.Add(time.Minute).UTC(),
	}
	if err := s.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRun(ctx, r); !errors.Is(err, settlement.ErrRunConflict) {
		t.Errorf("version 1 twice: %v, want ErrRunConflict", err)
	}
	skip := r
	skip.Version = 3
	if err := s.SaveRun(ctx, skip); !errors.Is(err, settlement.ErrRunConflict) {
		t.Errorf("version 3 after 1: %v, want ErrRunConflict", err)
	}
	r.Version, r.Status, r.Reason = 2, settlement.Failed, "no object x"
	if err := s.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, "2026-12-01")
	if err != nil {
		t.Fatal(err)
	}
	got.LeaseUntil = got.LeaseUntil.UTC()
	if !reflect.DeepEqual(got, r) {
		t.Errorf("run\n%+v\nwant\n%+v", got, r)
	}
	if _, err := s.Run(ctx, "2026-12-02"); !errors.Is(err, settlement.ErrNoRun) {
		t.Errorf("another date: %v", err)
	}
}

// statementPastPostings: a statement pages through a user's
// reconciliation postings as through any entry, whatever the page size.
func statementPastPostings(t *testing.T, s Settlement) {
	mustCommit(t, s, Rec("k1", "{}"), Move("u1", "fund", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 10_00))
	var ps []ledger.Posting
	for i := range 250 {
		p := Settle("u1", fmt.Sprintf("t%d", i), fmt.Sprintf("20261201.abc.%d.1", i), -1)
		p.Entry.CreatedAt = T0.Add(time.Duration(i) * time.Second)
		ps = append(ps, p)
	}
	mustSettle(t, s, ps...)
	for _, limit := range []int{50, 200} {
		seen := map[string]bool{}
		cursor := ""
		for range 10 {
			st, err := s.Statement(context.Background(), "u1", cursor, limit)
			if err != nil {
				t.Fatalf("limit %d, after %d entries: %v", limit, len(seen), err)
			}
			for _, e := range st.Entries {
				seen[e.Key()] = true
			}
			if cursor = st.Next; cursor == "" {
				break
			}
		}
		if len(seen) != 251 {
			t.Errorf("limit %d: %d distinct entries, want 251", limit, len(seen))
		}
	}
}

func runsOf(t *testing.T, s Settlement) {
	ctx := context.Background()
	for _, d := range []string{"2026-12-03", "2026-12-01", "2026-11-30"} {
		if err := s.SaveRun(ctx, settlement.Run{Date: d, Version: 1, Status: settlement.Completed, Anomalies: 2,
			Counts: settlement.Counts{Rows: 5, Matched: 5}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.RunsOf(ctx, []string{"2026-12-01", "2026-12-02", "2026-12-03", "2026-12-01x"})
	if err != nil || len(got) != 2 || got[0].Date != "2026-12-01" || got[1].Date != "2026-12-03" || got[1].Counts.Rows != 5 || got[1].Anomalies != 2 {
		t.Errorf("RunsOf = %+v, %v; want 12-01 and 12-03, in order", got, err)
	}
	var many []string
	for d := range settlement.MaxRange {
		many = append(many, fmt.Sprintf("2026-10-%02d", d%31+1))
	}
	if got, err := s.RunsOf(ctx, many); err != nil || len(got) != 0 {
		t.Errorf("RunsOf(%d dates of none) = %d, %v", len(many), len(got), err)
	}
}
