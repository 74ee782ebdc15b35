package ledgertable_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
)

// TestImport: imported entries are read back as positions, in the day's
// listing and in the balances, as committed ones are; an entry Commit would
// refuse makes the import write nothing.
func TestImport(t *testing.T) {
	ctx := context.Background()
	s := ledgertable.New(server.Client(), server.Table(t))
	at := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	var entries []ledger.Entry
	for i := range 60 { // three batches, and a bit
		entries = append(entries, ledger.Entry{
			UserID: fmt.Sprintf("u%d", i%7), Currency: "ARS", TransactionID: fmt.Sprintf("t%d", i), Class: ledger.ClassAuthorization,
			Kind: "PURCHASE", Amount: -int64(100 + i), Status: ledger.Posted, CreatedAt: at.Add(time.Duration(i) * time.Minute),
		})
	}
	bad := append(entries[:1:1], ledger.Entry{UserID: "u1", Currency: "ARS", TransactionID: "", Class: ledger.ClassAuthorization})
	if err := s.Import(ctx, bad); err == nil {
		t.Fatal("an entry without a transaction id was imported")
	}
	if err := s.Import(ctx, entries); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, e := range entries {
		want[e.UserID] += e.Amount
	}
	for u, sum := range want {
		got, err := s.Balances(ctx, []ledger.Account{{UserID: u, Currency: "ARS"}})
		if err != nil || got[0] != sum {
			t.Errorf("%s: balance %v %v, want %d", u, got, err, sum)
		}
	}
	pos, err := s.Positions(ctx, []ledger.Transaction{{UserID: "u3", TransactionID: "t10"}, {UserID: "u3", TransactionID: "t11"}})
	if err != nil || len(pos[0].Entries) != 1 || pos[0].Entries[0].Amount != -110 || len(pos[1].Entries) != 0 {
		t.Errorf("positions %+v %v", pos, err)
	}
	n := 0
	err = s.CreatedBetween(ctx, at, at.Add(24*time.Hour), func(ledger.Entry) error { n++; return nil })
	if err != nil || n != len(entries) {
		t.Errorf("the day lists %d entries (%v), want %d", n, err, len(entries))
	}
	if err := s.Import(ctx, []ledger.Entry{{UserID: "u1", Currency: "ARS", TransactionID: "x", Class: ledger.ClassAuthorization, Kind: "PURCHASE",
		Amount: -ledger.MaxBalance, Status: ledger.Posted, CreatedAt: at}, {UserID: "u1", Currency: "ARS", TransactionID: "y",
		Class: ledger.ClassAuthorization, Kind: "PURCHASE", Amount: -1, Status: ledger.Posted, CreatedAt: at}}); !errors.Is(err, ledger.ErrBalanceLimit) {
		t.Errorf("a balance past the bound: %v", err)
	}
}
