package settlement

import (
	"fmt"
	"testing"
)

// TestTxnIndex looks up every row of a file of 20 000, some ids repeated
// (the last row wins), and ids the file does not hold.
func TestTxnIndex(t *testing.T) {
	x := newTxnIndex()
	x.reserve(100) // less than needed: the index grows past it
	const n = 20_000
	for i := range n {
		id := fmt.Sprintf("txn-%d", i)
		if i%7 == 0 && i > 0 {
			id = fmt.Sprintf("txn-%d", i-1) // a repeat, later in the file
		}
		x.add(Transaction{ID: id, TransactionAmount: int64(i), TransactionCurrency: "ARS", Status: []string{Approved, Held}[i%2]})
	}
	for i := range n {
		if i%7 == 0 && i > 0 {
			continue
		}
		m, ok := x.get(fmt.Sprintf("txn-%d", i))
		want := int64(i)
		if (i+1)%7 == 0 {
			want = int64(i + 1)
		}
		if !ok || m.minor != want || m.held != (want%2 == 1) || string(m.currency[:]) != "ARS" {
			t.Fatalf("txn-%d: %+v %v, want amount %d", i, m, ok, want)
		}
	}
	for _, id := range []string{"txn-20000", "", "TXN-1"} {
		if m, ok := x.get(id); ok {
			t.Errorf("%q found: %+v", id, m)
		}
	}
	// Rows added after lookups are found too.
	x.add(Transaction{ID: "late", TransactionAmount: 5})
	if m, ok := x.get("late"); !ok || m.minor != 5 {
		t.Errorf("late row: %+v %v", m, ok)
	}
}
