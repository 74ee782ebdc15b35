package verifyapi_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/filestore/verifyfile"
	"github.com/tarjeta-dev/tarjeta/httpapi/verifyapi"
)

// waiting starts every request and never has a result.
type waiting struct{}

func (waiting) Start(context.Context, string, verification.Input) (string, error) { return "ref", nil }
func (waiting) Find(context.Context, string, verification.Input, time.Time) (string, error) {
	return "ref", nil
}
func (waiting) Check(context.Context, string, employment.Person, employment.Source, employment.Date) (verification.Result, error) {
	return verification.Result{}, nil
}
func (waiting) Notice(string, []byte) (verification.Notice, error) { return verification.Notice{}, nil }
func (waiting) Window() time.Duration                              { return time.Hour }
func (waiting) Serves(verification.Institution) bool               { return true }

func handler(t testing.TB) *httptest.Server {
	return handlerOf(t, []string{"td"})
}

// handlerOf is the API over a service whose providers are order.
func handlerOf(t testing.TB, order []string) *httptest.Server {
	return stackOf(t, order, io.Discard).srv
}

// stack is the API with its stores, its log written to log.
type stack struct {
	srv    *httptest.Server
	events *eventfile.Store
}

func stackOf(t testing.TB, order []string, log io.Writer) stack {
	store, err := verifyfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	events, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	providers := make(map[string]verification.Provider)
	for _, p := range order {
		providers[p] = waiting{}
	}
	svc := &verification.Service{Store: store, Providers: providers, Order: order,
		PollAfter: time.Minute, Retention: 24 * time.Hour, Now: time.Now, Random: rand.Reader}
	people := privacy.People{Verifications: store, Events: events}
	eraser := &privacy.Service{People: people, Records: events, Erasers: map[string]erasure.Eraser{"td": deleting{}},
		Hasher: erasure.Hasher{Key: []byte(testKey)}, Now: time.Now, Random: rand.Reader}
	srv := httptest.NewServer(verifyapi.Handler(svc, people, eraser, slog.New(slog.NewJSONHandler(log, nil)), time.Now))
	t.Cleanup(srv.Close)
	return stack{srv: srv, events: events}
}

const testKey = "a test erasure key of 32 bytes.."

// deleting deletes every reference at its provider.
type deleting struct{}

func (deleting) Erase(_ context.Context, m erasure.Made) []erasure.Deletion {
	return []erasure.Deletion{{Provider: "td", Reference: m.Reference, Status: erasure.Deleted}}
}

func post(t testing.TB, url, body string) (int, map[string]any) {
	t.Helper()
	res, err := httptestClient.Post(url+"/verifications", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s: the answer is not JSON: %v", body, err)
	}
	return res.StatusCode, out
}

var httptestClient = http.DefaultClient

func TestStart(t *testing.T) {
	srv := handler(t)
	status, v := post(t, srv.URL, `{"curp":"HEGG560427MVZRRL04","external_id":"e-1"}`)
	if status != 202 || v["status"] != "PENDING" || v["provider"] != "td" || v["id"] == "" || v["created_at"] == "" {
		t.Fatalf("POST = %d %v", status, v)
	}
	if status, again := post(t, srv.URL, `{"curp":"HEGG560427MVZRRL04","external_id":"e-1"}`); status != 200 || again["id"] != v["id"] {
		t.Errorf("a repeat = %d %v", status, again)
	}
	for _, tc := range []struct {
		body   string
		status int
		code   string
		field  string
	}{
		{`{"curp":"HEGG560427MVZRRL04","nss":"12345678903","external_id":"e-1"}`, 409, "EXTERNAL_ID_REUSED", "external_id"},
		{`{"curp":"HEGG560427MVZRRL05"}`, 400, "INVALID_CURP", "curp"},
		{`{"curp":null}`, 400, "INVALID_CURP", "curp"},
		{`{"curp":["HEGG560427MVZRRL04"]}`, 400, "INVALID_CURP", "curp"},
		{`{"curp":"HEGG560427MVZRRL04","nss":12345678903}`, 400, "INVALID_NSS", "nss"},
		{`{"curp":"HEGG560427MVZRRL04","provider":"belvo"}`, 400, "INVALID_PROVIDER", "provider"},
		{`[]`, 400, "MALFORMED_PAYLOAD", ""},
		{`{"curp":"HEGG560427MVZRRL04"`, 400, "MALFORMED_PAYLOAD", ""},
		{`{"curp":"` + strings.Repeat("x", 17<<10) + `"}`, 413, "BODY_TOO_LARGE", ""},
	} {
		status, out := post(t, srv.URL, tc.body)
		e, _ := out["error"].(map[string]any)
		if status != tc.status || e["code"] != tc.code || tc.field != "" && e["field"] != tc.field || e["message"] == "" {
			t.Errorf("%.60s: %d %v; want %d %s on %q", tc.body, status, out, tc.status, tc.code, tc.field)
		}
	}
	// Two more of the same CURP, then the guard.
	post(t, srv.URL, `{"curp":"HEGG560427MVZRRL04"}`)
	post(t, srv.URL, `{"curp":"HEGG560427MVZRRL04"}`)
	if status, out := post(t, srv.URL, `{"curp":"HEGG560427MVZRRL04"}`); status != 429 || out["error"].(map[string]any)["code"] != "DAILY_LIMIT_EXCEEDED" {
		t.Errorf("a fourth: %d %v", status, out)
	}
}

// TestNoProvider: a deployment without any provider's credential starts,
// and refuses every verification as unavailable, keeping nothing.
func TestNoProvider(t *testing.T) {
	srv := handlerOf(t, nil)
	status, out := post(t, srv.URL, `{"curp":"HEGG560427MVZRRL04","external_id":"e-1"}`)
	if e, _ := out["error"].(map[string]any); status != 503 || e["code"] != "NO_PROVIDER_CONFIGURED" {
		t.Errorf("POST = %d %v, want 503 NO_PROVIDER_CONFIGURED", status, out)
	}
	res, err := http.Get(srv.URL + "/verifications?external_id=e-1")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var listed struct{ Verifications []any }
	if err := json.NewDecoder(res.Body).Decode(&listed); err != nil || res.StatusCode != 200 || len(listed.Verifications) != 0 {
		t.Errorf("the refused start kept something: GET by external_id = %d %v (%v)", res.StatusCode, listed, err)
	}
}

func TestReads(t *testing.T) {
	srv := handler(t)
	_, v := post(t, srv.URL, `{"curp":"HEGG560427MVZRRL04","nss":"12345678903","external_id":"e-1"}`)
	res, err := httptestClient.Get(srv.URL + "/verifications/" + v["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	attempts, _ := got["attempts"].([]any)
	if res.StatusCode != 200 || got["status"] != "PENDING" || len(attempts) != 1 || got["report"] != nil || got["error"] != nil || got["updated_at"] == nil {
		t.Errorf("GET = %d %v", res.StatusCode, got)
	}
	res, _ = httptestClient.Get(srv.URL + "/verifications?external_id=e-1")
	var list struct {
		Verifications []map[string]any
	}
	json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if len(list.Verifications) != 1 || list.Verifications[0]["curp"] != "HEGG5604****ZRRL04" || list.Verifications[0]["nss"] != "1234****903" {
		t.Errorf("the listing: %+v", list)
	}
	for path, code := range map[string]string{
		"/verifications/ver_aaaaaaaaaaaaaaaaaaaaaaaaaa":                   "VERIFICATION_NOT_FOUND",
		"/verifications/../etc":                                           "",
		"/verifications":                                                  "INVALID_EXTERNAL_ID",
		"/verifications/" + v["id"].(string) + "?mask=all":                "INVALID_INPUT",
		"/verifications/" + v["id"].(string) + "?mask=person&mask=person": "INVALID_INPUT",
		"/verifications/" + v["id"].(string) + "?view=full":               "INVALID_INPUT",
	} {
		res, err := httptestClient.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Error struct{ Code string } }
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 || code != "" && out.Error.Code != code {
			t.Errorf("GET %s = %d %s, want %s", path, res.StatusCode, out.Error.Code, code)
		}
	}
}

// FuzzStart: whatever the body, the answer is JSON, never a 5xx.
func FuzzStart(f *testing.F) {
	for _, s := range []string{`{"curp":"HEGG560427MVZRRL04"}`, `{"curp":"hegg560427mvzrrl04","nss":"12345678903","external_id":"x"}`, `{}`, `{"curp":1}`} {
		f.Add(s)
	}
	srv := handler(f)
	f.Fuzz(func(t *testing.T, body string) {
		status, _ := post(t, srv.URL, body)
		if status >= 500 {
			t.Fatalf("%q: %d", body, status)
		}
	})
}
