package httpapi_test

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

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/httpapi"
	"github.com/tarjeta-dev/tarjeta/pomelosim"
)

var server *dynamotest.Server

func TestMain(m *testing.M) { dynamotest.Main(m, &server) }

const (
	apiKey    = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	apiSecret = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
)

// stack is the authorize function over DynamoDB Local behind an HTTP server,
// with Pomelo's simulator as its client.
type stack struct {
	url    string
	pomelo *pomelosim.Client
	logs   *logBuffer
}

type stackOptions struct {
	deadline time.Duration
	client   *dynamodb.Client
}

func newStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	keys, err := signature.ParseCredentials(apiKey + ":" + apiSecret)
	if err != nil {
		t.Fatal(err)
	}
	if o.client == nil {
		o.client = server.Client()
	}
	store := dynamo.New(o.client, server.Table(t))
	logs := &logBuffer{}
	svc := authorization.New(authorization.Config{
		Verifier: signature.Verifier{Keys: keys}, Store: store, Now: time.Now, Deadline: o.deadline,
	})
	ts := httptest.NewServer(httpapi.New(svc, store, slog.New(slog.NewJSONHandler(logs, nil)), time.Now))
	t.Cleanup(ts.Close)
	secret, _ := base64.StdEncoding.DecodeString(apiSecret)
	return &stack{
		url:  ts.URL,
		logs: logs,
		pomelo: &pomelosim.Client{
			BaseURL: ts.URL, APIKey: apiKey, Secret: secret, HTTP: ts.Client(), Now: time.Now,
			Retries: 20, RetryDelay: 5 * time.Millisecond,
		},
	}
}

// send sends a transaction to path under key and checks the answer is signed.
func (s *stack) send(t *testing.T, path string, tx pomelosim.Transaction, key string) pomelosim.Reply {
	t.Helper()
	r, err := s.pomelo.Send(context.Background(), path, tx.JSON(), key)
	if err != nil {
		t.Fatalf("send %s: %v", path, err)
	}
	if r.Signed != nil {
		t.Fatalf("answer %d %s to %s: bad signature: %v", r.Status, r.Body, path, r.Signed)
	}
	return r
}

type answer struct {
	Status       string `json:"status"`
	Message      string `json:"message"`
	StatusDetail string `json:"status_detail"`
}

func decodeAnswer(t *testing.T, r pomelosim.Reply) answer {
	t.Helper()
	var a answer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("answer %d %q: %v", r.Status, r.Body, err)
	}
	return a
}

type statement struct {
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

func (s *stack) statement(t *testing.T, query string) (int, statement) {
	t.Helper()
	res, err := http.Get(s.url + "/ledger/accounts/" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st statement
	json.NewDecoder(res.Body).Decode(&st)
	return res.StatusCode, st
}

func (s *stack) available(t *testing.T, user string) string {
	t.Helper()
	code, st := s.statement(t, user)
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

// logBuffer collects the request log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines returns the request log lines so far, decoded.
func (l *logBuffer) lines(t *testing.T) []map[string]any {
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

func (l *logBuffer) last(t *testing.T) map[string]any {
	t.Helper()
	lines := l.lines(t)
	if len(lines) == 0 {
		t.Fatal("no log line")
	}
	return lines[len(lines)-1]
}

func bodyOf(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
