package authorization_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/envelope"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// The key pair of Pomelo's documentation, also in testdata of core/signature.
const (
	apiKey    = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	apiSecret = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
)

var t0 = time.Unix(1_800_000_000, 0)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	svc    *authorization.Service
	store  *memStore
	clock  *clock
	secret []byte
}

func newFixture(t *testing.T, deadline time.Duration) *fixture {
	t.Helper()
	keys, err := signature.ParseCredentials(apiKey + ":" + apiSecret)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := base64.StdEncoding.DecodeString(apiSecret)
	f := &fixture{store: newMemStore(), clock: &clock{t: t0}, secret: secret}
	f.svc = authorization.New(authorization.Config{
		Verifier: signature.Verifier{Keys: keys},
		Store:    f.store,
		Now:      f.clock.now,
		Deadline: deadline,
	})
	return f
}

var routes = map[string]authorization.Route{
	"/transactions/authorizations":     authorization.Authorize,
	"/transactions/adjustments/debit":  authorization.AdjustDebit,
	"/transactions/adjustments/credit": authorization.AdjustCredit,
}

// signed returns the headers Pomelo sends for body to path under key.
func (f *fixture) signed(path, body, key string) http.Header {
	ts := signature.Timestamp(f.clock.now())
	h := http.Header{}
	h.Set("x-api-key", apiKey)
	h.Set("x-timestamp", ts)
	h.Set("x-endpoint", path)
	h.Set("x-signature", signature.Sign(f.secret, ts, path, []byte(body)))
	h.Set("x-idempotency-key", key)
	return h
}

func (f *fixture) serve(path string, h http.Header, body string) envelope.Response {
	return f.svc.Serve(context.Background(), authorization.Request{Route: routes[path], Called: path, Header: h, Body: []byte(body)})
}

// send sends a correctly signed request.
func (f *fixture) send(t *testing.T, path, body, key string) envelope.Response {
	t.Helper()
	res := f.serve(path, f.signed(path, body, key), body)
	f.checkSigned(t, res, path)
	return res
}

// checkSigned verifies a response's signature the way Pomelo does.
func (f *fixture) checkSigned(t *testing.T, res envelope.Response, endpoint string) {
	t.Helper()
	if res.Endpoint != endpoint {
		t.Errorf("x-endpoint = %q, want %q", res.Endpoint, endpoint)
	}
	if res.Timestamp != signature.Timestamp(f.clock.now()) {
		t.Errorf("x-timestamp = %q, want our clock %q", res.Timestamp, signature.Timestamp(f.clock.now()))
	}
	if want := signature.Sign(f.secret, res.Timestamp, res.Endpoint, res.Body); res.Signature != want {
		t.Errorf("x-signature = %q, want %q", res.Signature, want)
	}
}

func answerOf(t *testing.T, res envelope.Response) pomelo.Answer {
	t.Helper()
	var a pomelo.Answer
	if err := json.Unmarshal(res.Body, &a); err != nil {
		t.Fatalf("answer %q: %v", res.Body, err)
	}
	return a
}

func errorCode(t *testing.T, res envelope.Response) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(res.Body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error body %q is not {\"error\":{\"code\",\"message\"}}", res.Body)
	}
	return e.Error.Code
}

// txn is a transaction body; total is raw JSON (a number or a string).
type txn struct {
	typ, id, user, total, currency, original string
	details                                  []string // raw JSON objects
}

func (x txn) JSON() string {
	if x.user == "" {
		x.user = "u-1"
	}
	if x.currency == "" {
		x.currency = "ARS"
	}
	orig := ""
	if x.original != "" {
		orig = fmt.Sprintf(`,"original_transaction_id":%q`, x.original)
	}
	return fmt.Sprintf(`{"transaction":{"id":%q,"type":%q,"point_type":"POS","entry_mode":"CHIP","country_code":"ARG","origin":"DOMESTIC"%s,"local_date_time":"2026-11-23T10:00:00"},`+
		`"merchant":{"id":"m-1","mcc":"5411","address":"Calle 1","name":"Almacen"},`+
		`"card":{"id":"c-1","product_type":"PREPAID","provider":"MASTERCARD","last_four":"1573"},`+
		`"user":{"id":%q},`+
		`"amount":{"local":{"total":%s,"currency":%q},"transaction":{"total":%s,"currency":%q},"settlement":{"total":"1.00","currency":"USD"},"details":[%s]}}`,
		x.id, x.typ, orig, x.user, x.total, x.currency, x.total, x.currency, strings.Join(x.details, ","))
}

// fund credits user u-1 with an adjustment.
func (f *fixture) fund(t *testing.T, total string) {
	t.Helper()
	id := fmt.Sprintf("fund-%d", len(f.store.entries("u-1")))
	res := f.send(t, "/transactions/adjustments/credit", txn{typ: "PAYMENT", id: id, total: total}.JSON(), "key-"+id)
	if res.Status != 200 {
		t.Fatalf("funding: status %d %s", res.Status, res.Body)
	}
}

func signatureFor(secret []byte, ts, endpoint, body string) string {
	return signature.Sign(secret, ts, endpoint, []byte(body))
}
