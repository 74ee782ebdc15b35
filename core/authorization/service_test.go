package authorization_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
)

const authPath = "/transactions/authorizations"

func TestAuthorizationDecisions(t *testing.T) {
	detail := func(amount string) string {
		return fmt.Sprintf(`{"type":"BASE","currency":"ARS","amount":%s,"name":"x"}`, amount)
	}
	for _, tc := range []struct {
		name        string
		funds       string // credited first, when set
		txn         txn
		wantStatus  pomelo.Status
		wantDetail  pomelo.StatusDetail
		wantBalance int64
	}{
		{"purchase covered", "1000.00", txn{typ: "PURCHASE", total: `"250.50"`}, pomelo.Approved, pomelo.DetailApproved, 749_50},
		{"purchase as JSON number", "1000", txn{typ: "PURCHASE", total: `999.9`}, pomelo.Approved, pomelo.DetailApproved, 10},
		{"purchase of the whole balance", "10.00", txn{typ: "PURCHASE", total: `"10"`}, pomelo.Approved, pomelo.DetailApproved, 0},
		{"purchase one cent short", "10.00", txn{typ: "PURCHASE", total: `"10.01"`}, pomelo.Rejected, pomelo.DetailInsufficientFunds, 10_00},
		{"withdrawal without account", "", txn{typ: "WITHDRAWAL", total: `"1.00"`}, pomelo.Rejected, pomelo.DetailInsufficientFunds, 0},
		{"extracash", "50", txn{typ: "EXTRACASH", total: `"20"`}, pomelo.Approved, pomelo.DetailApproved, 30_00},
		{"cashback", "50", txn{typ: "CASHBACK", total: `"20"`}, pomelo.Approved, pomelo.DetailApproved, 30_00},
		{"refund credits", "", txn{typ: "REFUND", total: `"12.34"`}, pomelo.Approved, pomelo.DetailApproved, 12_34},
		{"payment credits", "1", txn{typ: "PAYMENT", total: `"1060.74"`}, pomelo.Approved, pomelo.DetailApproved, 1061_74},
		{"balance inquiry moves nothing", "5", txn{typ: "BALANCE_INQUIRY", total: `0`}, pomelo.Approved, pomelo.DetailApproved, 5_00},
		{"zero purchase", "5", txn{typ: "PURCHASE", total: `"0.00"`}, pomelo.Rejected, pomelo.DetailInvalidAmount, 5_00},
		{"negative purchase", "5", txn{typ: "PURCHASE", total: `-1`}, pomelo.Rejected, pomelo.DetailInvalidAmount, 5_00},
		{"details add up exactly", "100", txn{typ: "PURCHASE", total: `"60.74"`, details: []string{detail(`"50.37"`), detail(`10.37`)}}, pomelo.Approved, pomelo.DetailApproved, 39_26},
		{"details one cent off", "100", txn{typ: "PURCHASE", total: `"60.74"`, details: []string{detail(`"50.37"`), detail(`"10.36"`)}}, pomelo.Rejected, pomelo.DetailInvalidAmount, 100_00},
		{"detail in another currency", "100", txn{typ: "PURCHASE", total: `"1"`, details: []string{`{"type":"BASE","currency":"USD","amount":"1","name":"x"}`}}, pomelo.Rejected, pomelo.DetailInvalidAmount, 100_00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 0)
			if tc.funds != "" {
				f.fund(t, `"`+tc.funds+`"`)
			}
			tc.txn.id = "ctx-1"
			res := f.send(t, authPath, tc.txn.JSON(), "k-1")
			if res.Status != 200 {
				t.Fatalf("status %d %s", res.Status, res.Body)
			}
			a := answerOf(t, res)
			if a.Status != tc.wantStatus || a.StatusDetail != tc.wantDetail || a.Message == "" {
				t.Errorf("answer %+v, want %s/%s with a message", a, tc.wantStatus, tc.wantDetail)
			}
			if got := f.store.balance("u-1"); got != tc.wantBalance {
				t.Errorf("balance = %d, want %d", got, tc.wantBalance)
			}
		})
	}
}

func TestDeclineWritesOnlyTheRecord(t *testing.T) {
	f := newFixture(t, 0)
	f.fund(t, `"5"`)
	before := len(f.store.entries("u-1"))
	body := txn{typ: "PURCHASE", id: "ctx-1", total: `"6"`}.JSON()
	f.send(t, authPath, body, "k-1")
	if got := len(f.store.entries("u-1")); got != before {
		t.Errorf("decline added %d ledger entries", got-before)
	}
	// The decline is final for its key...
	if a := answerOf(t, f.send(t, authPath, body, "k-1")); a.StatusDetail != pomelo.DetailInsufficientFunds {
		t.Errorf("replayed decline = %+v", a)
	}
	// ...but the transaction id moved nothing, so it may be retried under a new key.
	f.fund(t, `"5"`)
	if a := answerOf(t, f.send(t, authPath, body, "k-2")); a.Status != pomelo.Approved {
		t.Errorf("retry with funds = %+v, want APPROVED", a)
	}
}

func TestIdempotency(t *testing.T) {
	f := newFixture(t, 0)
	f.fund(t, `"100"`)
	body := txn{typ: "PURCHASE", id: "ctx-1", total: `"30"`}.JSON()
	first := f.send(t, authPath, body, "k-1")

	t.Run("finished duplicate replays re-signed", func(t *testing.T) {
		f.clock.advance(7 * time.Second)
		again := f.send(t, authPath, body, "k-1") // send checks the new signature and timestamp
		if again.Status != first.Status || string(again.Body) != string(first.Body) {
			t.Errorf("replay = %d %s, want %d %s", again.Status, again.Body, first.Status, first.Body)
		}
		if again.Timestamp == first.Timestamp {
			t.Error("replay kept the first answer's timestamp")
		}
		if f.store.balance("u-1") != 70_00 {
			t.Errorf("balance = %d after a replay, want 7000", f.store.balance("u-1"))
		}
	})
	t.Run("same key with another body", func(t *testing.T) {
		other := txn{typ: "PURCHASE", id: "ctx-2", total: `"30"`}.JSON()
		res := f.send(t, authPath, other, "k-1")
		if res.Status != 409 || errorCode(t, res) != "IDEMPOTENCY_KEY_REUSED" {
			t.Errorf("got %d %s, want 409 IDEMPOTENCY_KEY_REUSED", res.Status, res.Body)
		}
		if f.store.balance("u-1") != 70_00 {
			t.Errorf("balance = %d after a conflict, want 7000", f.store.balance("u-1"))
		}
	})
	t.Run("same transaction id under a new key moves nothing", func(t *testing.T) {
		res := f.send(t, authPath, body, "k-other")
		if a := answerOf(t, res); a.Status != pomelo.Approved {
			t.Errorf("answer %+v, want APPROVED", a)
		}
		if f.store.balance("u-1") != 70_00 {
			t.Errorf("balance = %d, want 7000", f.store.balance("u-1"))
		}
	})
	t.Run("missing key", func(t *testing.T) {
		res := f.send(t, authPath, body, "")
		if res.Status != 400 || errorCode(t, res) != "IDEMPOTENCY_KEY" {
			t.Errorf("got %d %s, want 400 IDEMPOTENCY_KEY", res.Status, res.Body)
		}
	})
}

// TestKeyBusy: while another request writes the same key, a duplicate is
// answered 425 in the endpoint's shape and changes nothing; once the key is
// free, the request runs.
func TestKeyBusy(t *testing.T) {
	for _, tc := range []struct {
		path     string
		wantBody bool
	}{{authPath, true}, {"/transactions/adjustments/credit", false}} {
		t.Run(tc.path, func(t *testing.T) {
			f := newFixture(t, 0)
			body := txn{typ: "REFUND", id: "ctx-1", total: `"1"`}.JSON()
			f.store.before = func(context.Context, idempotency.Record, *ledger.Posting) error { return idempotency.ErrBusy }
			res := f.send(t, tc.path, body, "k-1")
			if res.Status != 425 || res.Outcome.Result != outcome.TooEarly {
				t.Fatalf("status %d (%s), want 425 too_early", res.Status, res.Outcome.Result)
			}
			if tc.wantBody {
				if a := answerOf(t, res); a.Status != pomelo.Rejected {
					t.Errorf("425 answer %+v", a)
				}
			} else if len(res.Body) != 0 {
				t.Errorf("425 of an adjustment has body %q, want empty", res.Body)
			}
			if f.store.balance("u-1") != 0 {
				t.Errorf("balance = %d after a 425, want 0", f.store.balance("u-1"))
			}
			f.store.before = nil
			if res := f.send(t, tc.path, body, "k-1"); res.Status != 200 {
				t.Errorf("once the key is free: status %d %s", res.Status, res.Body)
			}
			if f.store.balance("u-1") != 1_00 {
				t.Errorf("balance = %d, want 100", f.store.balance("u-1"))
			}
		})
	}
}

func TestReversals(t *testing.T) {
	f := newFixture(t, 0)
	f.fund(t, `"100"`)
	f.send(t, authPath, txn{typ: "PURCHASE", id: "buy", total: `"60"`}.JSON(), "k-buy")
	f.send(t, authPath, txn{typ: "REFUND", id: "ref", total: `"10"`}.JSON(), "k-ref")
	for _, tc := range []struct {
		name        string
		txn         txn
		want        pomelo.StatusDetail
		wantBalance int64
	}{
		{"partial reversal", txn{typ: "REVERSAL_PURCHASE", id: "r1", original: "buy", total: `"15.50"`}, pomelo.DetailApproved, 65_50},
		{"more than remains", txn{typ: "REVERSAL_PURCHASE", id: "r2", original: "buy", total: `"44.51"`}, pomelo.DetailInvalidAmount, 65_50},
		{"the rest", txn{typ: "REVERSAL_PURCHASE", id: "r3", original: "buy", total: `"44.50"`}, pomelo.DetailApproved, 110_00},
		{"once fully reversed", txn{typ: "REVERSAL_PURCHASE", id: "r4", original: "buy", total: `"0.01"`}, pomelo.DetailInvalidAmount, 110_00},
		{"currency not the original's", txn{typ: "REVERSAL_REFUND", id: "r5", original: "ref", total: `"1"`, currency: "USD"}, pomelo.DetailInvalidAmount, 110_00},
		{"reversal of a refund takes it back", txn{typ: "REVERSAL_REFUND", id: "r6", original: "ref", total: `"10"`}, pomelo.DetailApproved, 100_00},
		{"unknown original is approved and moves nothing", txn{typ: "REVERSAL_PURCHASE", id: "r7", original: "nope", total: `"5"`}, pomelo.DetailApproved, 100_00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := answerOf(t, f.send(t, authPath, tc.txn.JSON(), "k-"+tc.txn.id))
			if a.StatusDetail != tc.want {
				t.Errorf("answer %+v, want %s", a, tc.want)
			}
			if got := f.store.balance("u-1"); got != tc.wantBalance {
				t.Errorf("balance = %d, want %d", got, tc.wantBalance)
			}
		})
	}
	entries := f.store.entries("u-1")
	if e := entries[0]; e.TransactionID != "r7" || e.Status != ledger.UnmatchedReversal || e.Amount != 0 || e.Original != "nope" {
		t.Errorf("unmatched reversal recorded as %+v", e)
	}
}

func TestAdjustments(t *testing.T) {
	f := newFixture(t, 0)
	f.fund(t, `"3.00"`)
	debit := txn{typ: "PURCHASE", id: "ctx-1", total: `"10.25"`}.JSON()
	res := f.send(t, "/transactions/adjustments/debit", debit, "k-1")
	if res.Status != 200 || len(res.Body) != 0 {
		t.Fatalf("debit adjustment: %d %q, want 200 and an empty signed body", res.Status, res.Body)
	}
	if got := f.store.balance("u-1"); got != -7_25 {
		t.Errorf("balance = %d, want -725 (debt)", got)
	}
	// A retry under a new key moves nothing more; a credit of the same
	// transaction is another movement.
	f.send(t, "/transactions/adjustments/debit", debit, "k-2")
	f.send(t, "/transactions/adjustments/credit", debit, "k-3")
	if got := f.store.balance("u-1"); got != 3_00 {
		t.Errorf("balance = %d, want 300", got)
	}
	neg := txn{typ: "PURCHASE", id: "ctx-2", total: `"-1"`}.JSON()
	if res := f.send(t, "/transactions/adjustments/credit", neg, "k-4"); res.Status != 400 {
		t.Errorf("negative adjustment: status %d, want 400", res.Status)
	}
}

func TestSignatureFailures(t *testing.T) {
	body := txn{typ: "REFUND", id: "ctx-1", total: `"1"`}.JSON()
	for _, tc := range []struct {
		name   string
		tamper func(h http.Header, body *string)
		code   string
	}{
		{"tampered body", func(h http.Header, b *string) { *b = *b + " " }, "SIGNATURE_MISMATCH"},
		{"tampered amount", func(h http.Header, b *string) { *b = txn{typ: "REFUND", id: "ctx-1", total: `"100"`}.JSON() }, "SIGNATURE_MISMATCH"},
		{"signed for another endpoint", func(h http.Header, b *string) { h.Set("x-endpoint", "/transactions/adjustments/credit") }, "ENDPOINT_MISMATCH"},
		{"unknown api key", func(h http.Header, b *string) { h.Set("x-api-key", "someone-else") }, "UNKNOWN_API_KEY"},
		{"missing signature", func(h http.Header, b *string) { h.Del("x-signature") }, "SIGNATURE_HEADER_MISSING"},
		{"scheme missing", func(h http.Header, b *string) { h.Set("x-signature", h.Get("x-signature")[len("hmac-sha256 "):]) }, "SIGNATURE_HEADER_MALFORMED"},
		{"not base64", func(h http.Header, b *string) { h.Set("x-signature", "hmac-sha256 !!!") }, "SIGNATURE_NOT_BASE64"},
		{"stale timestamp", func(h http.Header, b *string) { h.Set("x-timestamp", fmt.Sprint(t0.Unix()-61)) }, "TIMESTAMP_TOO_OLD"},
		{"future timestamp", func(h http.Header, b *string) { h.Set("x-timestamp", fmt.Sprint(t0.Unix()+61)) }, "TIMESTAMP_TOO_NEW"},
		{"timestamp in milliseconds", func(h http.Header, b *string) { h.Set("x-timestamp", fmt.Sprint(t0.UnixMilli())) }, "SIGNATURE_HEADER_MALFORMED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 0)
			h := f.signed(authPath, body, "k-1")
			b := body
			tc.tamper(h, &b)
			res := f.serve(authPath, h, b)
			if res.Status != 401 || errorCode(t, res) != tc.code {
				t.Errorf("got %d %s, want 401 %s", res.Status, res.Body, tc.code)
			}
			if res.Signature != "" {
				t.Error("answer to an unverified request is signed")
			}
			if f.store.commits != 0 {
				t.Errorf("%d store writes for a rejected signature", f.store.commits)
			}
		})
	}
	t.Run("within tolerance both ways", func(t *testing.T) {
		for _, skew := range []int64{-60, 60} {
			f := newFixture(t, 0)
			h := f.signed(authPath, body, fmt.Sprint("k", skew))
			ts := fmt.Sprint(t0.Unix() + skew)
			h.Set("x-timestamp", ts)
			h.Set("x-signature", signatureFor(f.secret, ts, authPath, body))
			if res := f.serve(authPath, h, body); res.Status != 200 {
				t.Errorf("skew %ds: status %d %s", skew, res.Status, res.Body)
			}
		}
	})
}

func TestMalformedPayload(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"not json", `{"transaction":`},
		{"trailing data", txn{typ: "REFUND", id: "x", total: `1`}.JSON() + `{}`},
		{"no transaction id", txn{typ: "REFUND", total: `1`}.JSON()},
		{"unknown type", txn{typ: "TELEPORT", id: "x", total: `1`}.JSON()},
		{"reversal without original", txn{typ: "REVERSAL_PURCHASE", id: "x", total: `1`}.JSON()},
		{"garbage amount", txn{typ: "REFUND", id: "x", total: `"1,00"`}.JSON()},
		{"sub-cent amount", txn{typ: "REFUND", id: "x", total: `"1.005"`}.JSON()},
		{"unknown currency", txn{typ: "REFUND", id: "x", total: `1`, currency: "XXX"}.JSON()},
		{"overflowing amount", txn{typ: "REFUND", id: "x", total: `92233720368547758.08`}.JSON()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 0)
			res := f.send(t, authPath, tc.body, "k-1")
			if res.Status != 400 || errorCode(t, res) != "MALFORMED_PAYLOAD" {
				t.Errorf("got %d %s, want 400 MALFORMED_PAYLOAD", res.Status, res.Body)
			}
			if f.store.commits != 0 {
				t.Errorf("%d store writes for bad input", f.store.commits)
			}
		})
	}
}

func TestConcurrentDuplicates(t *testing.T) {
	f := newFixture(t, 0)
	f.fund(t, `"100"`)
	body := txn{typ: "PURCHASE", id: "ctx-1", total: `"1"`}.JSON()
	const n = 50
	var wg sync.WaitGroup
	results := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := f.serve(authPath, f.signed(authPath, body, "same-key"), body)
			results[i] = res.Status
		}()
	}
	wg.Wait()
	for _, s := range results {
		if s != 200 && s != 425 {
			t.Errorf("duplicate answered %d", s)
		}
	}
	if got := f.store.balance("u-1"); got != 99_00 {
		t.Errorf("balance = %d after 50 duplicates, want 9900 (one debit)", got)
	}
}

func TestDeadline(t *testing.T) {
	const deadline = 20 * time.Millisecond
	body := txn{typ: "PURCHASE", id: "ctx-1", total: `"1"`}.JSON()

	t.Run("late write lands after the answer", func(t *testing.T) {
		f := newFixture(t, deadline)
		f.fund(t, `"10"`)
		answered := make(chan struct{})
		late := make(chan error, 1)
		f.store.before = func(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error {
			if p == nil {
				return nil // the fence
			}
			<-ctx.Done() // the write is on the wire when the deadline passes...
			go func() {
				<-answered // ...and lands after we answered
				f.store.before = nil
				late <- f.store.Commit(context.Background(), rec, p)
			}()
			return ctx.Err()
		}
		res := f.send(t, authPath, body, "k-1")
		close(answered)
		if a := answerOf(t, res); a.Status != pomelo.Rejected || a.StatusDetail != pomelo.DetailSystemError {
			t.Errorf("answer past the deadline = %+v, want REJECTED/SYSTEM_ERROR", a)
		}
		var held *idempotency.HeldError
		if err := <-late; !errors.As(err, &held) {
			t.Errorf("late write: err = %v, want it refused by the fence", err)
		}
		if got := f.store.balance("u-1"); got != 10_00 {
			t.Errorf("balance = %d: a debit landed behind a rejection", got)
		}
		if a := answerOf(t, f.send(t, authPath, body, "k-1")); a.StatusDetail != pomelo.DetailSystemError {
			t.Errorf("Pomelo's retry got %+v, want the same rejection", a)
		}
	})
	t.Run("late write lands before the fence", func(t *testing.T) {
		f := newFixture(t, deadline)
		f.fund(t, `"10"`)
		f.store.before = func(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error {
			if p == nil {
				return nil
			}
			<-ctx.Done()
			f.store.before = nil
			if err := f.store.Commit(context.Background(), rec, p); err != nil {
				t.Errorf("late write: %v", err)
			}
			return ctx.Err() // the client gave up, but the write went through
		}
		res := f.send(t, authPath, body, "k-1")
		if a := answerOf(t, res); a.Status != pomelo.Approved {
			t.Errorf("answer = %+v, want APPROVED: the debit happened, the answer must say so", a)
		}
		if got := f.store.balance("u-1"); got != 9_00 {
			t.Errorf("balance = %d, want 900", got)
		}
	})
	t.Run("store failure on an adjustment asks for a retry", func(t *testing.T) {
		f := newFixture(t, deadline)
		f.store.before = func(context.Context, idempotency.Record, *ledger.Posting) error {
			return errors.New("connection reset")
		}
		res := f.send(t, "/transactions/adjustments/credit", body, "k-1")
		if res.Status != 503 || errorCode(t, res) != "STORE_UNAVAILABLE" {
			t.Errorf("got %d %s, want 503 STORE_UNAVAILABLE", res.Status, res.Body)
		}
	})
}
