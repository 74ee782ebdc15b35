package ledger_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

func move(user, txn string, class ledger.Class, amount int64) ledger.Posting {
	return ledger.Posting{Entry: ledger.Entry{UserID: user, Currency: "ARS", TransactionID: txn, Class: class,
		Kind: "K", Amount: amount, Status: ledger.Posted, CreatedAt: time.Unix(0, 0)}}
}

// TestBookBounds: the book refuses what would leave a balance beyond
// ±MaxBalance and what no store can take, and changes nothing when it does.
func TestBookBounds(t *testing.T) {
	b := ledger.NewBook()
	if err := b.Apply(move("u", "t1", ledger.ClassAdjustmentCredit, ledger.MaxBalance)); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(move("v", "t1", ledger.ClassAdjustmentDebit, -ledger.MaxBalance)); err != nil {
		t.Fatal(err)
	}
	tooLong := strings.Repeat("x", storable.MaxID+1)
	reversal := move("u", "t9", ledger.ClassAuthorization, 1)
	reversal.Reverses = &ledger.Reversal{OriginalID: "t1", OriginalKind: "K", Amount: 0}
	for _, tc := range []struct {
		name string
		p    ledger.Posting
		want error
	}{
		{"credit past the bound", move("u", "t2", ledger.ClassAdjustmentCredit, 1), ledger.ErrBalanceLimit},
		{"debit past the bound", move("v", "t2", ledger.ClassAdjustmentDebit, -1), ledger.ErrBalanceLimit},
		{"amount beyond any amount", move("w", "t2", ledger.ClassAdjustmentCredit, money.MaxMinor+1), storable.ErrInvalid},
		{"user id too long", move(tooLong, "t2", ledger.ClassAdjustmentCredit, 1), storable.ErrInvalid},
		{"transaction id too long", move("w", tooLong, ledger.ClassAdjustmentCredit, 1), storable.ErrInvalid},
		{"reversal of nothing", reversal, storable.ErrInvalid},
	} {
		if err := b.Apply(tc.p); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	for user, want := range map[string]int64{"u": ledger.MaxBalance, "v": -ledger.MaxBalance, "w": 0} {
		var got int64
		for _, bal := range b.Balances(user) {
			got += bal.Available
		}
		if got != want {
			t.Errorf("balance of %s = %d, want %d", user, got, want)
		}
	}
}
