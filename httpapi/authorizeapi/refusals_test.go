package authorizeapi_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

// TestUnstorableAndAmbiguousBodies: a body a store could not keep, or one
// two JSON readers would read differently, is a 400 that writes nothing,
// whatever the retry.
func TestUnstorableAndAmbiguousBodies(t *testing.T) {
	s := newStack(t)
	s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-1", Total: "100"}, "k-fund")
	purchase := pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-1", Total: "1.00"}.JSON()
	for _, tc := range []struct {
		name string
		path string
		body []byte
	}{
		{"3000-byte user id", creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "c1", UserID: strings.Repeat("u", 3000), Total: "1"}.JSON()},
		{"2000-byte transaction id", authPath, pomelosim.Transaction{Type: "PURCHASE", ID: strings.Repeat("t", 2000), UserID: "u-1", Total: "1"}.JSON()},
		{"original id one byte too long", authPath, pomelosim.Transaction{Type: "REVERSAL_PURCHASE", ID: "r1", UserID: "u-1", Total: "1",
			OriginalID: strings.Repeat("o", storable.MaxID+1)}.JSON()},
		{"repeated total", authPath, bytes.Replace(purchase, []byte(`"total":"1.00"`), []byte(`"total":"1.00","total":"999.00"`), 1)},
		{"repeated type", authPath, bytes.Replace(purchase, []byte(`"type":"PURCHASE"`), []byte(`"type":"PURCHASE","type":"REFUND"`), 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.Equal(tc.body, purchase) {
				t.Fatal("the edit did not apply")
			}
			for range 2 { // the retry is refused alike
				r, err := s.Pomelo.Send(context.Background(), tc.path, tc.body, keyOf(tc.name))
				if err != nil {
					t.Fatal(err)
				}
				if r.Status != 400 || apitest.ErrorCode(r.Body) != "MALFORMED_PAYLOAD" {
					t.Fatalf("answer %d %s, want 400 MALFORMED_PAYLOAD", r.Status, r.Body)
				}
			}
		})
	}
	if got := s.Available(t, "u-1"); got != "100.00" {
		t.Errorf("available = %s, want 100.00", got)
	}
	if code, _ := s.Statement(t, strings.Repeat("u", 3000)); code != 400 {
		t.Errorf("statement of a 3000-byte user id: status %d, want 400", code)
	}
}

// TestBalanceLimit: a posting that would take a balance beyond
// ledger.MaxBalance is declined (authorizations) or refused with nothing
// written (adjustments), and the balance still reads.
func TestBalanceLimit(t *testing.T) {
	s := newStack(t)
	const most = "10000000000000.00" // ledger.MaxBalance cents of ARS
	s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "c1", UserID: "u-1", Total: most}, "k-c1")
	for range 2 {
		r := s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "c2", UserID: "u-1", Total: "0.01"}, "k-c2")
		if r.Status != 422 || apitest.ErrorCode(r.Body) != "BALANCE_LIMIT" {
			t.Fatalf("credit beyond the limit: %d %s, want 422 BALANCE_LIMIT", r.Status, r.Body)
		}
	}
	r := s.Send(t, authPath, pomelosim.Transaction{Type: "REFUND", ID: "r1", UserID: "u-1", Total: "0.01"}, "k-r1")
	if a := apitest.DecodeAnswer(t, r); a.Status != "REJECTED" || a.StatusDetail != "INVALID_AMOUNT" {
		t.Errorf("refund beyond the limit: %+v, want REJECTED INVALID_AMOUNT", a)
	}
	if got := s.Available(t, "u-1"); got != most {
		t.Errorf("available = %s, want %s", got, most)
	}
	// The refused adjustment left its key free.
	r = s.Send(t, authPath, pomelosim.Transaction{Type: "PURCHASE", ID: "p1", UserID: "u-1", Total: "0.01"}, "k-p1")
	if a := apitest.DecodeAnswer(t, r); a.Status != "APPROVED" {
		t.Fatalf("purchase at the limit: %+v", a)
	}
	r = s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "c2", UserID: "u-1", Total: "0.01"}, "k-c2")
	if r.Status != 200 {
		t.Errorf("credit after a purchase made room: %d %s", r.Status, r.Body)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s := newStack(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"GET", authPath, "POST"},
		{"PUT", creditPath, "POST"},
		{"DELETE", "/transactions/adjustments/sideways", "POST"},
		{"POST", "/ledger/accounts/u-1", "GET, HEAD"},
	} {
		req, _ := http.NewRequest(tc.method, s.URL+tc.path, nil)
		res, body := apitest.Do(t, req)
		if res.StatusCode != 405 || res.Header.Get("Allow") != tc.allow || apitest.ErrorCode(body) != "METHOD_NOT_ALLOWED" {
			t.Errorf("%s %s: %d Allow %q %s, want 405 Allow %q METHOD_NOT_ALLOWED", tc.method, tc.path, res.StatusCode, res.Header.Get("Allow"), body, tc.allow)
		}
	}
}

// TestRepeatedHeaders: each header Pomelo sends once is refused when it comes
// twice or with a comma (API Gateway's join of a repeat), and nothing is
// written. e2e's TestLambdaRepeatedHeader sends the joined form through
// Lambda's adapter.
func TestRepeatedHeaders(t *testing.T) {
	s := newStack(t)
	body := pomelosim.Transaction{Type: "PAYMENT", ID: "c1", UserID: "u-1", Total: "1"}.JSON()
	for _, name := range []string{"X-Signature", "X-Timestamp", "X-Endpoint", "X-Api-Key", "X-Idempotency-Key"} {
		for form, edit := range map[string]func(h http.Header){
			"twice":      func(h http.Header) { h.Add(name, h.Get(name)) },
			"with comma": func(h http.Header) { h.Set(name, h.Get(name)+","+h.Get(name)) },
		} {
			req, err := s.Pomelo.Request(context.Background(), creditPath, body, "k-"+name)
			if err != nil {
				t.Fatal(err)
			}
			edit(req.Header)
			res, answer := apitest.Do(t, req)
			if res.StatusCode != 400 || apitest.ErrorCode(answer) != "REPEATED_HEADER" {
				t.Errorf("%s %s: %d %s, want 400 REPEATED_HEADER", name, form, res.StatusCode, answer)
			}
		}
	}
	if got := s.Available(t, "u-1"); got != "none" {
		t.Errorf("available = %q after refused requests, want no account", got)
	}
}

// TestReadErrors: a body shorter than its Content-Length, or one that
// arrives too slowly, is 400 BODY_UNREADABLE; 413 is only for a body over
// the limit.
func TestReadErrors(t *testing.T) {
	store, err := ledgerfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ts := httptest.NewUnstartedServer(apitest.Handler(t, apitest.Settings(0), store, &apitest.LogBuffer{}, time.Now))
	ts.Config.ReadTimeout = 300 * time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close)

	head := "POST " + authPath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
	for _, tc := range []struct {
		name string
		send func(c *net.TCPConn)
	}{
		{"body cut short", func(c *net.TCPConn) {
			c.Write([]byte(head + `{"transaction":`))
			c.CloseWrite()
		}},
		{"body too slow", func(c *net.TCPConn) {
			c.Write([]byte(head + `{"transaction":`))
			time.Sleep(600 * time.Millisecond)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			tc.send(conn.(*net.TCPConn))
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(res.Body)
			if res.StatusCode != 400 || apitest.ErrorCode(b.Bytes()) != "BODY_UNREADABLE" {
				t.Errorf("answer %d %s, want 400 BODY_UNREADABLE", res.StatusCode, b.String())
			}
		})
	}
}
