// Package storetest holds the conformance suites the stores pass, one per
// store interface: each embedded store and its DynamoDB twin must behave
// alike (and the ledger's both like ledger.Book).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// Ledger is what RunLedger exercises.
type Ledger interface {
	Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error
	Statement(ctx context.Context, userID, cursor string, limit int) (ledger.Statement, error)
}

// T0 is the suite's clock.
var T0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// RunLedger runs the ledger suite; open returns an empty store for each subtest.
func RunLedger(t *testing.T, open func(t *testing.T) Ledger) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s Ledger)
	}{
		{"credit then debit", creditThenDebit},
		{"debit without funds changes nothing", insufficientFunds},
		{"same key is held", heldKey},
		{"expired record frees the key", expiredRecord},
		{"another request's record holds the key", otherRequestsKey},
		{"transaction id posts once per class", postsOnce},
		{"reversals draw down the original", reversals},
		{"forced debit goes below zero", forcedDebit},
		{"identifiers beyond storable.MaxID are refused", longIdentifiers},
		{"balances stay within ledger.MaxBalance", balanceBound},
		{"statement pages newest first", paging},
		{"concurrent duplicates post once", concurrentDuplicates},
		{"concurrent debits never overdraw", concurrentDebits},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// Rec returns a finished record for key answering body.
func Rec(key, body string) idempotency.Record {
	return idempotency.Finish(key, idempotency.FingerprintOf("/t", []byte(key)), 200, []byte(body), T0, 24*time.Hour)
}

// Move returns a posting of amount minor units of ARS for user u.
func Move(u, txn string, class ledger.Class, kind string, amount int64) *ledger.Posting {
	e := ledger.Entry{UserID: u, Currency: "ARS", TransactionID: txn, Class: class, Kind: kind, Amount: amount, Status: ledger.Posted, CreatedAt: T0}
	p := &ledger.Posting{Entry: e}
	if class == ledger.ClassAuthorization {
		p.Entry.Reversible = abs(amount)
		p.RequireFunds = amount < 0
	}
	return p
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func commit(t *testing.T, s Ledger, rec idempotency.Record, p *ledger.Posting) error {
	t.Helper()
	return s.Commit(context.Background(), rec, p)
}

func mustCommit(t *testing.T, s Ledger, rec idempotency.Record, p *ledger.Posting) {
	t.Helper()
	if err := commit(t, s, rec, p); err != nil {
		t.Fatalf("Commit(%s): %v", rec.Key, err)
	}
}

// Balance returns user u's ARS balance.
func Balance(t *testing.T, s Ledger, u string) int64 {
	t.Helper()
	st, err := s.Statement(context.Background(), u, "", 200)
	if err != nil {
		t.Fatalf("Statement(%s): %v", u, err)
	}
	for _, b := range st.Balances {
		if b.Currency == "ARS" {
			return b.Available
		}
	}
	return 0
}

func wantBalance(t *testing.T, s Ledger, u string, want int64) {
	t.Helper()
	if got := Balance(t, s, u); got != want {
		t.Errorf("balance of %s = %d, want %d", u, got, want)
	}
}

func creditThenDebit(t *testing.T, s Ledger) {
	mustCommit(t, s, Rec("k1", "ok"), Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 100_00))
	mustCommit(t, s, Rec("k2", "ok"), Move("u1", "t2", ledger.ClassAuthorization, "PURCHASE", -40_50))
	wantBalance(t, s, "u1", 59_50)
	// Exactly the whole balance is still covered.
	mustCommit(t, s, Rec("k3", "ok"), Move("u1", "t3", ledger.ClassAuthorization, "PURCHASE", -59_50))
	wantBalance(t, s, "u1", 0)
}

func insufficientFunds(t *testing.T, s Ledger) {
	mustCommit(t, s, Rec("k1", "ok"), Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 10_00))
	err := commit(t, s, Rec("k2", "ok"), Move("u1", "t2", ledger.ClassAuthorization, "PURCHASE", -10_01))
	if !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("debit beyond balance: err = %v, want ErrInsufficientFunds", err)
	}
	// A user without an account has no funds either.
	err = commit(t, s, Rec("k3", "ok"), Move("nobody", "t3", ledger.ClassAuthorization, "WITHDRAWAL", -1))
	if !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("debit of unknown user: err = %v, want ErrInsufficientFunds", err)
	}
	wantBalance(t, s, "u1", 10_00)
	// Nothing was written under k2: the key is still free.
	mustCommit(t, s, Rec("k2", "declined"), nil)
}

func heldKey(t *testing.T, s Ledger) {
	first := Rec("k1", "first answer")
	mustCommit(t, s, first, Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 5_00))
	err := commit(t, s, Rec("k1", "second answer"), Move("u1", "t2", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 7_00))
	var held *idempotency.HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second commit under k1: err = %v, want *HeldError", err)
	}
	if string(held.Record.Body) != "first answer" ||
		held.Record.Fingerprint != first.Fingerprint || held.Record.Status != 200 ||
		!held.Record.ExpiresAt.Equal(first.ExpiresAt) {
		t.Errorf("held record = %+v, want %+v", held.Record, first)
	}
	wantBalance(t, s, "u1", 5_00)
}

func expiredRecord(t *testing.T, s Ledger) {
	old := idempotency.Finish("k1", idempotency.FingerprintOf("/t", nil), 200, nil, T0.Add(-25*time.Hour), 24*time.Hour)
	mustCommit(t, s, old, nil)
	// Its retention ended an hour ago: the key is free for any request.
	mustCommit(t, s, Rec("k1", "ok"), Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1_00))
	wantBalance(t, s, "u1", 1_00)
}

func otherRequestsKey(t *testing.T, s Ledger) {
	first := idempotency.Finish("k1", idempotency.FingerprintOf("/t", []byte("another request")), 200, nil, T0.Add(-time.Minute), 24*time.Hour)
	mustCommit(t, s, first, nil)
	rec := Rec("k1", "ok")
	err := commit(t, s, rec, Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1_00))
	var held *idempotency.HeldError
	if !errors.As(err, &held) {
		t.Fatalf("commit under another request's key: err = %v, want *HeldError", err)
	}
	if v := idempotency.Evaluate(&held.Record, rec.Fingerprint, T0); v != idempotency.Conflict {
		t.Errorf("verdict = %v, want conflict", v)
	}
	wantBalance(t, s, "u1", 0)
}

func postsOnce(t *testing.T, s Ledger) {
	mustCommit(t, s, Rec("k1", "ok"), Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 100_00))
	mustCommit(t, s, Rec("k2", "ok"), Move("u1", "t2", ledger.ClassAuthorization, "PURCHASE", -10_00))
	// The same transaction id under a new idempotency key moves nothing...
	err := commit(t, s, Rec("k3", "ok"), Move("u1", "t2", ledger.ClassAuthorization, "PURCHASE", -10_00))
	if !errors.Is(err, ledger.ErrAlreadyPosted) {
		t.Fatalf("repeated transaction id: err = %v, want ErrAlreadyPosted", err)
	}
	// ...but an adjustment of that transaction is another movement.
	mustCommit(t, s, Rec("k4", "ok"), Move("u1", "t2", ledger.ClassAdjustmentDebit, "ADJUSTMENT_DEBIT", -1_00))
	wantBalance(t, s, "u1", 89_00)
}

func reversals(t *testing.T, s Ledger) {
	mustCommit(t, s, Rec("k1", "ok"), Move("u1", "fund", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 100_00))
	mustCommit(t, s, Rec("k2", "ok"), Move("u1", "buy", ledger.ClassAuthorization, "PURCHASE", -60_00))
	rev := func(key, txn, origKind, currency string, amount int64) error {
		p := Move("u1", txn, ledger.ClassAuthorization, "REVERSAL_"+origKind, amount)
		p.Entry.Currency, p.Entry.Original, p.Entry.Reversible, p.RequireFunds = currency, "buy", 0, false
		p.Reverses = &ledger.Reversal{OriginalID: "buy", OriginalKind: origKind, Amount: amount}
		return commit(t, s, Rec(key, "ok"), p)
	}
	if err := rev("k3", "r1", "PURCHASE", "ARS", 20_00); err != nil {
		t.Fatalf("partial reversal: %v", err)
	}
	wantBalance(t, s, "u1", 60_00)
	for _, tc := range []struct {
		name, kind, currency string
		amount               int64
		want                 error
	}{
		{"beyond what remains", "PURCHASE", "ARS", 40_01, ledger.ErrReversalExceeds},
		{"other currency", "PURCHASE", "USD", 1_00, ledger.ErrCurrencyMismatch},
		{"other kind", "WITHDRAWAL", "ARS", 1_00, ledger.ErrOriginalNotFound},
	} {
		if err := rev("k-"+tc.name, "r-"+tc.name, tc.kind, tc.currency, tc.amount); !errors.Is(err, tc.want) {
			t.Errorf("reversal %s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := rev("k4", "r2", "PURCHASE", "ARS", 40_00); err != nil {
		t.Fatalf("reversal of the rest: %v", err)
	}
	if err := rev("k5", "r3", "PURCHASE", "ARS", 1); !errors.Is(err, ledger.ErrReversalExceeds) {
		t.Errorf("reversal of a fully reversed original: err = %v, want ErrReversalExceeds", err)
	}
	wantBalance(t, s, "u1", 100_00)
	p := Move("u1", "r4", ledger.ClassAuthorization, "REVERSAL_PURCHASE", 5_00)
	p.Reverses = &ledger.Reversal{OriginalID: "never-seen", OriginalKind: "PURCHASE", Amount: 5_00}
	if err := commit(t, s, Rec("k6", "ok"), p); !errors.Is(err, ledger.ErrOriginalNotFound) {
		t.Errorf("reversal of unknown original: err = %v, want ErrOriginalNotFound", err)
	}
}

func forcedDebit(t *testing.T, s Ledger) {
	mustCommit(t, s, Rec("k1", "ok"), Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 3_00))
	mustCommit(t, s, Rec("k2", "ok"), Move("u1", "t2", ledger.ClassAdjustmentDebit, "ADJUSTMENT_DEBIT", -10_25))
	wantBalance(t, s, "u1", -7_25)
}

func longIdentifiers(t *testing.T, s Ledger) {
	longest := func(c byte) string { return strings.Repeat(string(c), storable.MaxID) }
	user, txn, key := longest('u'), longest('t'), longest('k')
	// The longest identifiers fit, in every key they become part of.
	mustCommit(t, s, Rec(key, "ok"), Move(user, txn, ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 5_00))
	mustCommit(t, s, Rec("k2", "ok"), Move(user, txn, ledger.ClassAuthorization, "PURCHASE", -2_00))
	undo := Move(user, "t3", ledger.ClassAuthorization, "REVERSAL_PURCHASE", 1_00)
	undo.Entry.Original = txn
	undo.Reverses = &ledger.Reversal{OriginalID: txn, OriginalKind: "PURCHASE", Amount: 1_00}
	mustCommit(t, s, Rec("k3", "ok"), undo)
	wantBalance(t, s, user, 4_00)

	tooLong := longest('x') + "x"
	overOriginal := Move(user, "t4", ledger.ClassAuthorization, "REVERSAL_PURCHASE", 1_00)
	overOriginal.Entry.Original = tooLong
	overOriginal.Reverses = &ledger.Reversal{OriginalID: tooLong, OriginalKind: "PURCHASE", Amount: 1_00}
	for _, tc := range []struct {
		name string
		rec  idempotency.Record
		p    *ledger.Posting
	}{
		{"key", Rec(tooLong, "ok"), Move(user, "t5", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1)},
		{"key without posting", Rec(tooLong, "ok"), nil},
		{"user id", Rec("k6", "ok"), Move(tooLong, "t6", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1)},
		{"transaction id", Rec("k7", "ok"), Move(user, tooLong, ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1)},
		{"original transaction id", Rec("k8", "ok"), overOriginal},
		{"3000-byte user id", Rec("k9", "ok"), Move(strings.Repeat("u", 3000), "t9", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1)},
	} {
		if err := commit(t, s, tc.rec, tc.p); !errors.Is(err, storable.ErrInvalid) {
			t.Errorf("%s too long: err = %v, want storable.ErrInvalid", tc.name, err)
		}
	}
	// Nothing was written: the keys are free and the balance unchanged.
	wantBalance(t, s, user, 4_00)
	for _, key := range []string{"k6", "k7", "k8", "k9"} {
		mustCommit(t, s, Rec(key, "free"), nil)
	}
	if _, err := s.Statement(context.Background(), tooLong, "", 10); !errors.Is(err, storable.ErrInvalid) {
		t.Errorf("statement of a too long user id: err = %v, want storable.ErrInvalid", err)
	}
}

func balanceBound(t *testing.T, s Ledger) {
	credit := func(txn string, amount int64) *ledger.Posting {
		return Move("u1", txn, ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", amount)
	}
	mustCommit(t, s, Rec("k1", "ok"), credit("t1", ledger.MaxBalance-1))
	mustCommit(t, s, Rec("k2", "ok"), credit("t2", 1))
	wantBalance(t, s, "u1", ledger.MaxBalance)
	for _, tc := range []struct {
		name string
		p    *ledger.Posting
	}{
		{"credit beyond the bound", credit("t3", 1)},
		{"refund beyond the bound", Move("u1", "t3", ledger.ClassAuthorization, "REFUND", 1)},
		{"largest amount beyond the bound", credit("t3", ledger.MaxBalance)},
	} {
		if err := commit(t, s, Rec("k3", "ok"), tc.p); !errors.Is(err, ledger.ErrBalanceLimit) {
			t.Errorf("%s: err = %v, want ErrBalanceLimit", tc.name, err)
		}
	}
	wantBalance(t, s, "u1", ledger.MaxBalance)

	// Forced debits stop at the bound below zero.
	debit := func(txn string, amount int64) *ledger.Posting {
		return Move("u2", txn, ledger.ClassAdjustmentDebit, "ADJUSTMENT_DEBIT", -amount)
	}
	mustCommit(t, s, Rec("k4", "ok"), debit("t4", ledger.MaxBalance))
	if err := commit(t, s, Rec("k5", "ok"), debit("t5", 1)); !errors.Is(err, ledger.ErrBalanceLimit) {
		t.Errorf("debit beyond the bound: err = %v, want ErrBalanceLimit", err)
	}
	wantBalance(t, s, "u2", -ledger.MaxBalance)
	// Nothing was written under the refused keys, and money still moves
	// back toward zero.
	mustCommit(t, s, Rec("k3", "ok"), Move("u1", "t6", ledger.ClassAuthorization, "PURCHASE", -ledger.MaxBalance))
	mustCommit(t, s, Rec("k5", "ok"), Move("u2", "t7", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1))
	wantBalance(t, s, "u1", 0)
	wantBalance(t, s, "u2", -ledger.MaxBalance+1)
}

func paging(t *testing.T, s Ledger) {
	const n = 7
	for i := range n {
		p := Move("u1", fmt.Sprintf("t%d", i), ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", int64(i+1))
		p.Entry.CreatedAt = T0.Add(time.Duration(i) * time.Second)
		mustCommit(t, s, Rec(fmt.Sprintf("k%d", i), "ok"), p)
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > n {
			t.Fatal("paging does not end")
		}
		st, err := s.Statement(context.Background(), "u1", cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Entries) > 3 {
			t.Fatalf("page of %d entries, limit 3", len(st.Entries))
		}
		for _, e := range st.Entries {
			got = append(got, e.TransactionID)
		}
		if st.Next == "" {
			break
		}
		cursor = st.Next
	}
	want := []string{"t6", "t5", "t4", "t3", "t2", "t1", "t0"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("entries = %v, want %v", got, want)
	}
	if _, err := s.Statement(context.Background(), "u1", "not-a-cursor", 3); !errors.Is(err, ledger.ErrCursor) {
		t.Errorf("bad cursor: err = %v, want ErrCursor", err)
	}
	// A cursor continues the listing of the user it was issued for only.
	first, err := s.Statement(context.Background(), "u1", "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Statement(context.Background(), "u2", first.Next, 3); !errors.Is(err, ledger.ErrCursor) {
		t.Errorf("another user's cursor: err = %v, want ErrCursor", err)
	}
}

func concurrentDuplicates(t *testing.T, s Ledger) {
	mustCommit(t, s, Rec("fund", "ok"), Move("u1", "t0", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1000_00))
	const n = 50
	errs := concurrently(n, func(int) error {
		return s.Commit(context.Background(), Rec("dup", "ok"), Move("u1", "t1", ledger.ClassAuthorization, "PURCHASE", -1_00))
	})
	wins := 0
	for _, err := range errs {
		var held *idempotency.HeldError
		switch {
		case err == nil:
			wins++
		case errors.As(err, &held), errors.Is(err, idempotency.ErrBusy):
		default:
			t.Errorf("duplicate: unexpected error %v", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d duplicates committed, want 1", wins, n)
	}
	wantBalance(t, s, "u1", 999_00)
}

func concurrentDebits(t *testing.T, s Ledger) {
	mustCommit(t, s, Rec("fund", "ok"), Move("u1", "t0", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 6_00))
	errs := concurrently(10, func(i int) error {
		return s.Commit(context.Background(), Rec(fmt.Sprint("k", i), "ok"), Move("u1", fmt.Sprint("t", i+1), ledger.ClassAuthorization, "PURCHASE", -1_00))
	})
	posted := 0
	for _, err := range errs {
		if err == nil {
			posted++
		}
	}
	// Contention may refuse some debits for other reasons than funds; what
	// matters is that the money adds up and never goes below zero.
	if posted > 6 {
		t.Errorf("%d debits of 1.00 posted against 6.00", posted)
	}
	wantBalance(t, s, "u1", int64(6-posted)*1_00)
}

// concurrently runs commit n times at once and returns each run's error.
func concurrently(n int, commit func(i int) error) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = commit(i)
		}()
	}
	wg.Wait()
	return errs
}
