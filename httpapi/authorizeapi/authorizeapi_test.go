package authorizeapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

const (
	authPath   = apitest.AuthPath
	creditPath = apitest.CreditPath
	debitPath  = apitest.DebitPath
)

// newStack is the authorize function over a fresh embedded store.
func newStack(t *testing.T) *apitest.Stack {
	t.Helper()
	store, err := ledgerfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return apitest.New(t, store, 0)
}

func TestCardLifecycle(t *testing.T) {
	s := newStack(t)
	s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-1", Total: "1000.00"}, "k-fund")
	r := s.Send(t, authPath, pomelosim.Transaction{Type: "PURCHASE", ID: "buy", UserID: "u-1", Total: "250.5", AsNumber: true}, "k-buy")
	if a := apitest.DecodeAnswer(t, r); r.Status != 200 || a.Status != "APPROVED" {
		t.Fatalf("purchase: %d %+v", r.Status, a)
	}
	if got := s.Available(t, "u-1"); got != "749.50" {
		t.Errorf("available = %s, want 749.50", got)
	}
	r = s.Send(t, authPath, pomelosim.Transaction{Type: "PURCHASE", ID: "big", UserID: "u-1", Total: "749.51"}, "k-big")
	if a := apitest.DecodeAnswer(t, r); a.Status != "REJECTED" || a.StatusDetail != "INSUFFICIENT_FUNDS" {
		t.Errorf("purchase beyond balance: %+v", a)
	}
	s.Send(t, authPath, pomelosim.Transaction{Type: "REVERSAL_PURCHASE", ID: "rev", UserID: "u-1", Total: "0.50", OriginalID: "buy"}, "k-rev")
	r = s.Send(t, debitPath, pomelosim.Transaction{Type: "PURCHASE", ID: "adj", UserID: "u-1", Total: "800"}, "k-adj")
	if r.Status != 200 || len(r.Body) != 0 {
		t.Errorf("debit adjustment: %d %q, want 200 with an empty signed body", r.Status, r.Body)
	}
	if got := s.Available(t, "u-1"); got != "-50.00" {
		t.Errorf("available = %s, want -50.00 (debt)", got)
	}

	code, st := s.Statement(t, "u-1")
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
	s := newStack(t)
	for i := range 5 {
		s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: fmt.Sprint("c", i), UserID: "u-2", Total: "1"}, fmt.Sprint("k", i))
	}
	var ids []string
	cursor := ""
	for range 5 {
		code, st := s.Statement(t, "u-2?limit=2&cursor="+cursor)
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
		if code, _ := s.Statement(t, q); code != 400 {
			t.Errorf("GET %s: status %d, want 400", q, code)
		}
	}
	if code, st := s.Statement(t, "nobody"); code != 200 || len(st.Balances) != 0 || len(st.Entries) != 0 {
		t.Errorf("unknown user: %d %+v, want 200 and empty lists", code, st)
	}
}

func firstCursor(t *testing.T, s *apitest.Stack) string {
	_, st := s.Statement(t, "u-2?limit=1")
	return st.NextCursor
}

func TestBadRequestsChangeNothing(t *testing.T) {
	s := newStack(t)
	s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-5", Total: "100"}, "k-fund")
	body := pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-5", Total: "10"}.JSON()
	for _, tc := range []struct {
		name   string
		edit   func(r *http.Request)
		status int
	}{
		{"tampered body", func(r *http.Request) {
			b := bytes.Replace(body, []byte(`"10"`), []byte(`"1"`), 2)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}, 401},
		{"tampered api key", func(r *http.Request) { r.Header.Set("X-Api-Key", "x") }, 401},
		{"query added to the call", func(r *http.Request) { r.URL.RawQuery = "extra=1" }, 401},
		{"no idempotency key", func(r *http.Request) { r.Header.Del("X-Idempotency-Key") }, 400},
		{"unknown adjustment type", func(r *http.Request) { r.URL.Path = "/transactions/adjustments/sideways" }, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := s.Pomelo.Request(context.Background(), authPath, body, keyOf(tc.name))
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
	if got := s.Available(t, "u-5"); got != "100.00" {
		t.Errorf("available = %s, want 100.00", got)
	}
	// Every key above is still free: the same request, correctly signed, runs.
	r := s.Send(t, authPath, pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-5", Total: "10"}, keyOf("tampered body"))
	if a := apitest.DecodeAnswer(t, r); a.Status != "APPROVED" {
		t.Errorf("clean retry: %+v", a)
	}
}

func keyOf(name string) string { return "k-" + strings.ReplaceAll(name, " ", "-") }
