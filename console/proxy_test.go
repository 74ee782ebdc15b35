package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tarjeta-dev/tarjeta/console"
)

var operator = aws.Credentials{AccessKeyID: "AKIDOPERATOR", SecretAccessKey: "operator-secret-key", SessionToken: "operator-session"}

// stage is an API Gateway stage that checks each request's SigV4 the way
// AWS does, with the SDK's own signer: the request signed again over the
// headers it names, at the time it gives, must carry the same
// Authorization.
type stage struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD path?query body" of each request that verified
}

func newStage(t *testing.T) *stage {
	s := &stage{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := verify(r, body); err != nil {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
			return
		}
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.RequestURI()+" "+string(body))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-RequestId", "stage-request")
		w.Write([]byte(`{"events":[],"next_cursor":null}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stage) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func verify(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	_, signed, ok := strings.Cut(auth, "SignedHeaders=")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+operator.AccessKeyID+"/") || !strings.Contains(auth, "/us-east-1/execute-api/aws4_request") || !ok {
		return errors.New("not signed by the operator for execute-api in us-east-1: " + auth)
	}
	signed, _, _ = strings.Cut(signed, ",")
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return err
	}
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	for _, name := range strings.Split(signed, ";") {
		if name != "host" && name != "x-amz-date" {
			again.Header.Set(name, r.Header.Get(name))
		}
	}
	if r.Header.Get("X-Amz-Security-Token") != operator.SessionToken {
		return errors.New("no session token")
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), operator, again, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", at); err != nil {
		return err
	}
	if again.Header.Get("Authorization") != auth {
		return errors.New("the signature does not match")
	}
	return nil
}

func proxy(t *testing.T, st *stage, write bool, creds aws.Credentials) *httptest.Server {
	api, _ := url.Parse(st.URL)
	p := &console.Proxy{
		API: api, Region: "us-east-1", Write: write, Log: slog.New(slog.DiscardHandler), Now: time.Now,
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	// What a browser sends besides: none of it reaches the stage.
	req.Header.Set("Cookie", "session=browser")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestProxySigns: the page's reads and, with WRITE, its actions reach the
// stage signed with the operator's credentials, which the stage verifies;
// nothing of the signing comes back to the browser.
func TestProxySigns(t *testing.T) {
	st := newStage(t)
	srv := proxy(t, st, true, operator)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/webhooks/events?provider=td&since=2026-12-01T00%3A00%3A00Z&limit=2", ""},
		{"GET", "/reconciliations?from=2026-12-01&to=2026-12-07", ""},
		{"GET", "/verifications/ver_aaaaaaaaaaaaaaaaaaaaaaaaaa?mask=person", ""},
		{"GET", "/ledger/accounts/u-1?limit=50", ""},
		{"POST", "/reconciliations", `{"date":"2026-12-01"}`},
		{"POST", "/webhooks/events/evt_x/retry", ""},
	} {
		res, body := call(t, srv, tc.method, tc.path, tc.body)
		if res.StatusCode != 200 {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, body)
		}
		for name := range res.Header {
			if n := strings.ToLower(name); strings.HasPrefix(n, "x-amz") || n == "authorization" {
				t.Errorf("%s %s: the browser got %s", tc.method, tc.path, name)
			}
		}
	}
	// The signer writes the query in its canonical order.
	want := "GET /webhooks/events?limit=2&provider=td&since=2026-12-01T00%3A00%3A00Z |GET /reconciliations?from=2026-12-01&to=2026-12-07 |" +
		"GET /verifications/ver_aaaaaaaaaaaaaaaaaaaaaaaaaa?mask=person |GET /ledger/accounts/u-1?limit=50 |" +
		`POST /reconciliations {"date":"2026-12-01"}|POST /webhooks/events/evt_x/retry `
	if got := strings.Join(st.requests(), "|"); got != want {
		t.Errorf("the stage verified:\n%s\nwant\n%s", got, want)
	}
	// Another key: the stage refuses it, and the page sees the refusal.
	other := proxy(t, st, true, aws.Credentials{AccessKeyID: "AKIDOPERATOR", SecretAccessKey: "wrong", SessionToken: operator.SessionToken})
	if res, body := call(t, other, "GET", "/webhooks/events", ""); res.StatusCode != 403 || !strings.Contains(body, "does not match") {
		t.Errorf("a wrong secret: %d %s", res.StatusCode, body)
	}
}

// TestProxyReadOnly: without WRITE an action is refused with a clear
// message and never reaches the stage; routes the console does not call
// and other methods are never forwarded; the page is told the stage and
// the mode.
func TestProxyReadOnly(t *testing.T) {
	st := newStage(t)
	srv := proxy(t, st, false, operator)
	for _, tc := range []struct {
		method, path string
		status       int
		code, says   string
	}{
		{"POST", "/webhooks/events/evt_x/retry", 403, "READ_ONLY", "WRITE=1"},
		{"POST", "/reconciliations", 403, "READ_ONLY", "read-only"},
		{"POST", "/transactions/authorizations", 404, "NOT_FOUND", "forwards only the console's routes"},
		{"GET", "/webhooks/td", 404, "NOT_FOUND", ""},
		{"GET", "/ledger", 404, "NOT_FOUND", ""},
		{"DELETE", "/verifications/ver_aaaaaaaaaaaaaaaaaaaaaaaaaa", 405, "METHOD_NOT_ALLOWED", ""},
	} {
		res, body := call(t, srv, tc.method, tc.path, `{"date":"2026-12-01"}`)
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal([]byte(body), &e)
		if res.StatusCode != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.says) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, body)
		}
	}
	if got := st.requests(); len(got) != 0 {
		t.Errorf("the stage was called: %q", got)
	}
	res, body := call(t, srv, "GET", "/console/stage.json", "")
	if res.StatusCode != 200 || !strings.Contains(body, `"write":false`) || !strings.Contains(body, st.URL) || !strings.Contains(body, "read-only") {
		t.Errorf("stage.json: %d %s", res.StatusCode, body)
	}
	if res, body := call(t, srv, "GET", "/console/", ""); res.StatusCode != 200 || !strings.Contains(body, `src="app.js"`) ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "connect-src 'self'") {
		t.Errorf("the page: %d %v", res.StatusCode, res.Header)
	}
	if strings.Contains(body, operator.SecretAccessKey) || strings.Contains(body, operator.AccessKeyID) {
		t.Errorf("stage.json holds a credential: %s", body)
	}
}

// TestListen: the proxy serves loopback addresses only.
func TestListen(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true}, {"[::1]:0", true}, {"localhost:0", true},
		{"0.0.0.0:0", false}, {":0", false}, {"[::]:0", false}, {"192.168.1.10:0", false}, {"example.com:0", false}, {"127.0.0.1", false},
	} {
		ln, err := console.Listen(tc.addr)
		if ln != nil {
			ln.Close()
		}
		if tc.ok && err != nil && !strings.Contains(err.Error(), "cannot assign") && !strings.Contains(err.Error(), "address family") {
			t.Errorf("Listen(%q): %v", tc.addr, err)
		}
		if !tc.ok && (err == nil || tc.addr != "127.0.0.1" && !errors.Is(err, console.ErrNotLoopback)) {
			t.Errorf("Listen(%q): %v, want refused", tc.addr, err)
		}
	}
}

func TestRegionOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com":       "us-east-1",
		"https://a1b2c3d4e5.execute-api.sa-east-1.amazonaws.com/prod/": "sa-east-1",
		"https://api.example.com":                                      "",
	} {
		u, _ := url.Parse(in)
		if got := console.RegionOf(u); got != want {
			t.Errorf("RegionOf(%s) = %q, want %q", in, got, want)
		}
	}
}
