// Package apitest runs the authorize function as Lambda and the local stack
// serve it, behind an HTTP test server with Pomelo's simulator as its
// client, over whichever store a test hands it; the HTTP tests (over the
// embedded store) and the end-to-end tests (over DynamoDB Local) share it.
package apitest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/config/authorize"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// The key pair of Pomelo's documentation, also in testdata of core/signature.
const (
	APIKey    = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	APISecret = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
)

// The routes of Pomelo's calls.
const (
	AuthPath   = "/transactions/authorizations"
	CreditPath = "/transactions/adjustments/credit"
	DebitPath  = "/transactions/adjustments/debit"
)

// Settings returns the authorize function's settings for tests: the key pair
// above and deadline (the default when zero).
func Settings(deadline time.Duration) authorize.Config {
	if deadline == 0 {
		deadline = 1500 * time.Millisecond
	}
	return authorize.Config{
		Pomelo:   config.Pomelo{Credentials: APIKey + ":" + APISecret, Tolerance: time.Minute},
		Deadline: deadline, Retention: 24 * time.Hour,
	}
}

// Handler returns the authorize function over store, logging to log.
func Handler(t testing.TB, c authorize.Config, store authorize.Store, log io.Writer, now func() time.Time) http.Handler {
	t.Helper()
	fn, err := c.Function(context.Background(), authorize.Deps{Store: store, Log: slog.New(slog.NewJSONHandler(log, nil)), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return fn.HTTP
}

// Stack is the authorize function behind an HTTP server.
type Stack struct {
	URL    string
	Pomelo *pomelosim.Client
	Logs   *LogBuffer
}

// New starts the authorize function over store with the given deadline (the
// default when zero), closed when the test ends.
func New(t testing.TB, store authorize.Store, deadline time.Duration) *Stack {
	t.Helper()
	logs := &LogBuffer{}
	ts := httptest.NewServer(Handler(t, Settings(deadline), store, logs, time.Now))
	t.Cleanup(ts.Close)
	secret, _ := base64.StdEncoding.DecodeString(APISecret)
	return &Stack{
		URL:  ts.URL,
		Logs: logs,
		Pomelo: &pomelosim.Client{
			BaseURL: ts.URL, APIKey: APIKey, Secret: secret, HTTP: ts.Client(), Now: time.Now,
			Retries: 20, RetryDelay: 5 * time.Millisecond,
		},
	}
}

// Send sends a transaction to path under key and checks the answer is signed.
func (s *Stack) Send(t testing.TB, path string, tx pomelosim.Transaction, key string) pomelosim.Reply {
	t.Helper()
	r, err := s.Pomelo.Send(context.Background(), path, tx.JSON(), key)
	if err != nil {
		t.Fatalf("send %s: %v", path, err)
	}
	if r.Signed != nil {
		t.Fatalf("answer %d %s to %s: bad signature: %v", r.Status, r.Body, path, r.Signed)
	}
	return r
}

// Answer is an authorization's answer.
type Answer struct {
	Status       string `json:"status"`
	Message      string `json:"message"`
	StatusDetail string `json:"status_detail"`
}

// DecodeAnswer reads r's body as an authorization's answer.
func DecodeAnswer(t testing.TB, r pomelosim.Reply) Answer {
	t.Helper()
	var a Answer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("answer %d %q: %v", r.Status, r.Body, err)
	}
	return a
}

// Statement is the body of GET /ledger/accounts/{user_id}.
type Statement struct {
	UserID   string `json:"user_id"`
	Balances []struct {
		Currency  string `json:"currency"`
		Available string `json:"available"`
	} `json:"balances"`
	Entries []struct {
		TransactionID string `json:"transaction_id"`
		Kind          string `json:"kind"`
		Amount        string `json:"amount"`
		Currency      string `json:"currency"`
		Status        string `json:"status"`
		CreatedAt     string `json:"created_at"`
	} `json:"entries"`
	NextCursor string `json:"next_cursor"`
}

// Statement gets /ledger/accounts/ + query.
func (s *Stack) Statement(t testing.TB, query string) (int, Statement) {
	t.Helper()
	res, err := http.Get(s.URL + "/ledger/accounts/" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st Statement
	json.NewDecoder(res.Body).Decode(&st)
	return res.StatusCode, st
}

// Available returns user's ARS balance as the API writes it, "none" without
// an account.
func (s *Stack) Available(t testing.TB, user string) string {
	t.Helper()
	code, st := s.Statement(t, user)
	if code != 200 {
		t.Fatalf("statement of %s: %d", user, code)
	}
	for _, b := range st.Balances {
		if b.Currency == "ARS" {
			return b.Available
		}
	}
	return "none"
}

// LogBuffer collects the request log.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Lines returns the log lines so far, decoded.
func (l *LogBuffer) Lines(t testing.TB) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// Last returns the last log line.
func (l *LogBuffer) Last(t testing.TB) map[string]any {
	t.Helper()
	lines := l.Lines(t)
	if len(lines) == 0 {
		t.Fatal("no log line")
	}
	return lines[len(lines)-1]
}

// Do sends req and returns its answer, body read.
func Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// ErrorCode is the code of an error answer {"error":{"code"}}, "" for
// another body.
func ErrorCode(body []byte) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(body, &e)
	return e.Error.Code
}

// Invoke runs event through fn as Lambda would (marshalled, handed to the
// one dispatcher) and decodes what fn answered into out.
func Invoke(t testing.TB, fn serve.Function, event, out any) {
	t.Helper()
	raw, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	res, err := serve.Lambda(fn, slog.New(slog.DiscardHandler))(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}
