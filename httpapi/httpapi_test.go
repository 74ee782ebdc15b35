package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tarjeta-dev/tarjeta/pomelosim"
)

const (
	authPath   = "/transactions/authorizations"
	creditPath = "/transactions/adjustments/credit"
	debitPath  = "/transactions/adjustments/debit"
)

func TestCardLifecycle(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-1", Total: "1000.00"}, "k-fund")
	r := s.send(t, authPath, pomelosim.Transaction{Type: "PURCHASE", ID: "buy", UserID: "u-1", Total: "250.5", AsNumber: true}, "k-buy")
	if a := decodeAnswer(t, r); r.Status != 200 || a.Status != "APPROVED" {
		t.Fatalf("purchase: %d %+v", r.Status, a)
	}
	if got := s.available(t, "u-1"); got != "749.50" {
		t.Errorf("available = %s, want 749.50", got)
	}
	r = s.send(t, authPath, pomelosim.Transaction{Type: "PURCHASE", ID: "big", UserID: "u-1", Total: "749.51"}, "k-big")
	if a := decodeAnswer(t, r); a.Status != "REJECTED" || a.StatusDetail != "INSUFFICIENT_FUNDS" {
		t.Errorf("purchase beyond balance: %+v", a)
	}
	s.send(t, authPath, pomelosim.Transaction{Type: "REVERSAL_PURCHASE", ID: "rev", UserID: "u-1", Total: "0.50", OriginalID: "buy"}, "k-rev")
	r = s.send(t, debitPath, pomelosim.Transaction{Type: "PURCHASE", ID: "adj", UserID: "u-1", Total: "800"}, "k-adj")
	if r.Status != 200 || len(r.Body) != 0 {
		t.Errorf("debit adjustment: %d %q, want 200 with an empty signed body", r.Status, r.Body)
	}
	if got := s.available(t, "u-1"); got != "-50.00" {
		t.Errorf("available = %s, want -50.00 (debt)", got)
	}

	code, st := s.statement(t, "u-1")
	if code != 200 || st.UserID != "u-1" || len(st.Entries) != 4 {
		t.Fatalf("statement: %d %+v", code, st)
	}
	var got []string
	for _, e := range st.Entries {
		got = append(got, e.TransactionID+" "+e.Kind+" "+e.Amount+" "+e.Currency+" "+e.Status)
	}
	want := []string{
		"adj ADJUSTMENT_DEBIT -800.00 ARS POSTED",
		"rev REVERSAL_PURCHASE 0.50 ARS POSTED",
		"buy PURCHASE -250.50 ARS POSTED",
		"fund ADJUSTMENT_CREDIT 1000.00 ARS POSTED",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries, newest first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStatementPaging(t *testing.T) {
	s := newStack(t, stackOptions{})
	for i := range 5 {
		s.send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: fmt.Sprint("c", i), UserID: "u-2", Total: "1"}, fmt.Sprint("k", i))
	}
	var ids []string
	cursor := ""
	for range 5 {
		code, st := s.statement(t, "u-2?limit=2&cursor="+cursor)
		if code != 200 || len(st.Entries) > 2 {
			t.Fatalf("page: %d %+v", code, st)
		}
		for _, e := range st.Entries {
			ids = append(ids, e.TransactionID)
		}
		if cursor = st.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(ids, ",") != "c4,c3,c2,c1,c0" {
		t.Errorf("paged entries = %v", ids)
	}
	for _, q := range []string{"u-2?limit=0", "u-2?limit=201", "u-2?limit=x", "u-2?cursor=bogus", "u-other?cursor=" + firstCursor(t, s)} {
		if code, _ := s.statement(t, q); code != 400 {
			t.Errorf("GET %s: status %d, want 400", q, code)
		}
	}
	if code, st := s.statement(t, "nobody"); code != 200 || len(st.Balances) != 0 || len(st.Entries) != 0 {
		t.Errorf("unknown user: %d %+v, want 200 and empty lists", code, st)
	}
}

func firstCursor(t *testing.T, s *stack) string {
	_, st := s.statement(t, "u-2?limit=1")
	return st.NextCursor
}

// TestStoreCallsPerRequest reads the request log: every request logs one
// line with its outcome, latency and DynamoDB calls.
func TestStoreCallsPerRequest(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-3", Total: "10"}, "k-fund")
	for _, tc := range []struct {
		name    string
		tx      pomelosim.Transaction
		key     string
		outcome string
		calls   float64
	}{
		{"approved", pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-3", Total: "1"}, "k1", "approved", 1},
		{"finished duplicate", pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-3", Total: "1"}, "k1", "replayed", 1},
		{"invalid amount", pomelosim.Transaction{Type: "PURCHASE", ID: "t2", UserID: "u-3", Total: "0"}, "k2", "rejected", 1},
		{"insufficient funds", pomelosim.Transaction{Type: "PURCHASE", ID: "t3", UserID: "u-3", Total: "100"}, "k3", "rejected", 2},
		{"balance inquiry", pomelosim.Transaction{Type: "BALANCE_INQUIRY", ID: "t4", UserID: "u-3", Total: "0"}, "k4", "approved", 1},
		{"reversal", pomelosim.Transaction{Type: "REVERSAL_PURCHASE", ID: "t5", UserID: "u-3", Total: "1", OriginalID: "t1"}, "k5", "approved", 1},
		{"reversal of unknown original", pomelosim.Transaction{Type: "REVERSAL_PURCHASE", ID: "t6", UserID: "u-3", Total: "1", OriginalID: "zz"}, "k6", "approved", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.send(t, authPath, tc.tx, tc.key)
			line := s.logs.last(t)
			if line["outcome"] != tc.outcome || line["store_calls"] != tc.calls {
				t.Errorf("log line %v: want outcome %s and %v store calls", line, tc.outcome, tc.calls)
			}
			for _, k := range []string{"latency_ms", "status", "route", "transaction_id", "transaction_type"} {
				if _, ok := line[k]; !ok {
					t.Errorf("log line lacks %s: %v", k, line)
				}
			}
		})
	}
	// Nothing personal or secret in the log.
	for _, line := range s.logs.lines(t) {
		text := fmt.Sprint(line)
		for _, secret := range []string{apiSecret, apiKey, "u-3", "1573", "Almacen"} {
			if strings.Contains(text, secret) {
				t.Errorf("log line holds %q: %s", secret, text)
			}
		}
	}
}

func TestConcurrentDuplicatesOverHTTP(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-4", Total: "100"}, "k-fund")
	tx := pomelosim.Transaction{Type: "PURCHASE", ID: "dup", UserID: "u-4", Total: "1.25"}
	const n = 50
	var wg sync.WaitGroup
	replies := make([]pomelosim.Reply, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.pomelo.Send(context.Background(), authPath, tx.JSON(), "same-key")
			if err != nil {
				t.Error(err)
			}
			replies[i] = r
		}()
	}
	wg.Wait()
	for _, r := range replies {
		if r.Status != 200 || r.Signed != nil || !bytes.Equal(r.Body, replies[0].Body) {
			t.Errorf("duplicate answered %d %s (signature: %v)", r.Status, r.Body, r.Signed)
		}
	}
	if got := s.available(t, "u-4"); got != "98.75" {
		t.Errorf("available = %s after 50 concurrent duplicates, want 98.75 (one debit)", got)
	}
}

func TestBadRequestsChangeNothing(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-5", Total: "100"}, "k-fund")
	body := pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-5", Total: "10"}.JSON()
	for _, tc := range []struct {
		name   string
		edit   func(r *http.Request)
		status int
	}{
		{"tampered body", func(r *http.Request) {
			b := bytes.Replace(body, []byte(`"10"`), []byte(`"1"`), 2)
			r.Body, r.ContentLength = bodyOf(b), int64(len(b))
		}, 401},
		{"tampered api key", func(r *http.Request) { r.Header.Set("X-Api-Key", "x") }, 401},
		{"query added to the call", func(r *http.Request) { r.URL.RawQuery = "extra=1" }, 401},
		{"no idempotency key", func(r *http.Request) { r.Header.Del("X-Idempotency-Key") }, 400},
		{"unknown adjustment type", func(r *http.Request) { r.URL.Path = "/transactions/adjustments/sideways" }, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := s.pomelo.Request(context.Background(), authPath, body, keyOf(tc.name))
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(req)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("status %d, want %d", res.StatusCode, tc.status)
			}
			if res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("error answer is %q, want JSON", res.Header.Get("Content-Type"))
			}
		})
	}
	if got := s.available(t, "u-5"); got != "100.00" {
		t.Errorf("available = %s, want 100.00", got)
	}
	// Every key above is still free: the same request, correctly signed, runs.
	r := s.send(t, authPath, pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-5", Total: "10"}, keyOf("tampered body"))
	if a := decodeAnswer(t, r); a.Status != "APPROVED" {
		t.Errorf("clean retry: %+v", a)
	}
}

func keyOf(name string) string { return "k-" + strings.ReplaceAll(name, " ", "-") }
