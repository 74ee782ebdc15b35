package authorizeapi_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/httpapi/authorizeapi"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

// TestRequestLog: every request gets exactly one log line with its route,
// status, outcome and error code, whatever route it took or failed to take,
// and the answer's error body carries the same code.
func TestRequestLog(t *testing.T) {
	s := newStack(t)
	body := pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-1", Total: "1"}.JSON()
	for _, tc := range []struct {
		name    string
		req     func() *http.Request
		status  int
		route   string
		outcome string
		code    string
	}{
		{"unknown route", func() *http.Request { return get(t, s.URL+"/nowhere") }, 404, "", "not_found", "NOT_FOUND"},
		{"wrong method", func() *http.Request { return get(t, s.URL+authPath) }, 405, "", "bad_request", "METHOD_NOT_ALLOWED"},
		{"wrong method on a pattern", func() *http.Request { return get(t, s.URL+"/transactions/adjustments/sideways") },
			405, "", "bad_request", "METHOD_NOT_ALLOWED"},
		{"repeated signature header", func() *http.Request {
			r := signed(t, s, authPath, body)
			r.Header.Add("X-Signature", r.Header.Get("X-Signature"))
			return r
		}, 400, "POST /transactions/authorizations", "bad_request", "REPEATED_HEADER"},
		{"unknown adjustment type", func() *http.Request { return signed(t, s, "/transactions/adjustments/sideways", body) },
			404, "POST /transactions/adjustments/{type}", "not_found", "UNKNOWN_ADJUSTMENT_TYPE"},
		{"body too large", func() *http.Request {
			return signed(t, s, authPath, append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), authorizeapi.MaxBodyBytes)...))
		}, 413, "POST /transactions/authorizations", "bad_request", "BODY_TOO_LARGE"},
		{"unsigned", func() *http.Request {
			r := signed(t, s, authPath, body)
			r.Header.Del("X-Signature")
			return r
		}, 401, "POST /transactions/authorizations", "unauthorized", "SIGNATURE_HEADER_MISSING"},
		{"malformed payload", func() *http.Request { return signed(t, s, authPath, []byte(`{"transaction":{}}`)) },
			400, "POST /transactions/authorizations", "bad_request", "MALFORMED_PAYLOAD"},
		{"statement", func() *http.Request { return get(t, s.URL+"/ledger/accounts/u-1") }, 200, "GET /ledger/accounts/{user_id}", "ok", ""},
		{"statement with a bad limit", func() *http.Request { return get(t, s.URL+"/ledger/accounts/u-1?limit=0") },
			400, "GET /ledger/accounts/{user_id}", "bad_request", "INVALID_LIMIT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Logs.Lines(t))
			res, err := http.DefaultClient.Do(tc.req())
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("status %d %s, want %d", res.StatusCode, b.String(), tc.status)
			}
			if tc.code != "" && !strings.Contains(b.String(), `{"error":{"code":"`+tc.code+`","message":"`) {
				t.Errorf("body %s, want the error code %s", b.String(), tc.code)
			}
			lines := s.Logs.Lines(t)
			if len(lines) != before+1 {
				t.Fatalf("%d log lines for one request", len(lines)-before)
			}
			line := lines[len(lines)-1]
			if line["route"] != tc.route || line["status"] != float64(tc.status) || line["outcome"] != tc.outcome {
				t.Errorf("log line %v, want route %q status %d outcome %s", line, tc.route, tc.status, tc.outcome)
			}
			if got, _ := line["error"].(string); got != tc.code {
				t.Errorf("log line error %q, want %q", got, tc.code)
			}
			for _, k := range []string{"latency_ms", "store_calls", "method"} {
				if _, ok := line[k]; !ok {
					t.Errorf("log line lacks %s: %v", k, line)
				}
			}
		})
	}
}

func get(t *testing.T, url string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// signed is a request Pomelo would send to path with body, signed for it.
func signed(t *testing.T, s *apitest.Stack, path string, body []byte) *http.Request {
	t.Helper()
	r, err := s.Pomelo.Request(context.Background(), path, body, "k-"+path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
