package ledgerfile

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
)

// TestAppendCommit checks the hand-written journal encoder against
// encoding/json's rendering of the journal structs, tricky strings included.
func TestAppendCommit(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.FixedZone("ART", -3*3600))
	odd := "quote\" back\\ nl\n tab\t nul\x00 ñ 😀 bad\xff end"
	rec := idempotency.Finish("k-1", idempotency.FingerprintOf("/x", []byte("y")), 200, []byte(`{"a":1}`), now, time.Hour)
	for _, tc := range []struct {
		name string
		rec  idempotency.Record
		p    *ledger.Posting
	}{
		{"record only", rec, nil},
		{"record without body", idempotency.Finish("k-2", rec.Fingerprint, 200, nil, now, time.Hour), nil},
		{"posting", rec, &ledger.Posting{RequireFunds: true, Entry: ledger.Entry{
			UserID: odd, Currency: "ARS", TransactionID: "ctx-1", Class: ledger.ClassAuthorization,
			Kind: "PURCHASE", Amount: -12345, Status: ledger.Posted, Reversible: 12345, CreatedAt: now,
		}}},
		{"reversal", rec, &ledger.Posting{
			Entry: ledger.Entry{UserID: "u", Currency: "CLP", TransactionID: odd, Class: ledger.ClassAuthorization,
				Kind: "REVERSAL_PURCHASE", Amount: 5, Status: ledger.Posted, Original: "o", CreatedAt: now},
			Reverses: &ledger.Reversal{OriginalID: "o", OriginalKind: "PURCHASE", Amount: 5},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := appendCommit(nil, tc.rec, tc.p)
			want, err := json.Marshal(encode(tc.rec, tc.p))
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("%s: %v", got, err)
			}
			json.Unmarshal(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("journal line\n%s\nwant the same as\n%s", got, want)
			}
		})
	}
}

// encode is the struct form of a journal line, which appendCommit must match.
func encode(rec idempotency.Record, p *ledger.Posting) commit {
	c := commit{Record: &record{
		Key:         rec.Key,
		Fingerprint: rec.Fingerprint[:],
		Status:      rec.Status,
		Body:        rec.Body,
		CreatedAt:   rec.CreatedAt,
		ExpiresAt:   rec.ExpiresAt,
	}}
	if p != nil {
		e := p.Entry
		c.Posting = &posting{
			Entry: entry{
				UserID: e.UserID, Currency: e.Currency, TransactionID: e.TransactionID,
				Class: string(e.Class), Kind: e.Kind, Amount: e.Amount, Status: string(e.Status),
				Original: e.Original, Reversible: e.Reversible, CreatedAt: e.CreatedAt,
			},
			RequireFunds: p.RequireFunds,
		}
		if r := p.Reverses; r != nil {
			c.Posting.Reverses = &reversal{r.OriginalID, r.OriginalKind, r.Amount}
		}
	}
	return c
}

// TestJournalBeforeStates reads a line as journals written before records
// lost their state: the field is ignored.
func TestJournalBeforeStates(t *testing.T) {
	line := `{"record":{"key":"k","fingerprint":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","state":"finished","status":200,"body":null,"created_at":"2026-11-23T12:00:00Z","expires_at":"2026-11-24T12:00:00Z"}}`
	var c commit
	if err := json.Unmarshal([]byte(line), &c); err != nil {
		t.Fatal(err)
	}
	rec, p, err := c.decode()
	if err != nil || p != nil || rec.Key != "k" || rec.Status != 200 || !rec.ExpiresAt.Equal(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("decode = %+v, %v, %v", rec, p, err)
	}
}
