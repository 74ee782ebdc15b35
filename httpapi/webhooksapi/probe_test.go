package webhooksapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// The outside probe's findings on the webhooks routes, one test each.

func post(t *testing.T, target string, header http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, answer := apitest.Do(t, req)
	return res.StatusCode, string(answer)
}

// respell writes the sign of a TD push URL in another encoding of the
// same MAC.
func respell(t *testing.T, target string, spell func(mac []byte) string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	mac, err := hex.DecodeString(q.Get("sign"))
	if err != nil {
		t.Fatal(err)
	}
	q.Set("sign", spell(mac))
	u.RawQuery = q.Encode()
	return u.String()
}

// TestTDSignBindsOneBodyWhateverItsSpelling: a captured TD URL re-spelled
// (upper hex, base64, base64 with '+' as a space) carries no other body.
func TestTDSignBindsOneBodyWhateverItsSpelling(t *testing.T) {
	s := newWebhooks(t)
	first := webhooksim.Body(webhooksim.TD, "sp1", 1)
	req, err := s.Sender.Request(context.Background(), webhooksim.TD, first, webhooksim.Valid)
	if err != nil {
		t.Fatal(err)
	}
	captured := req.URL.String()
	if status, answer := post(t, captured, nil, first); status != 200 {
		t.Fatalf("delivery: %d %s", status, answer)
	}
	for name, spell := range map[string]func([]byte) string{
		"upper hex": func(m []byte) string { return strings.ToUpper(hex.EncodeToString(m)) },
		"base64":    base64.StdEncoding.EncodeToString,
	} {
		forged := webhooksim.Body(webhooksim.TD, "forged-"+strings.ReplaceAll(name, " ", ""), 1)
		if status, answer := post(t, respell(t, captured, spell), nil, forged); status != 409 {
			t.Errorf("%s: forged body answered %d %s, want 409", name, status, answer)
		}
	}
	if _, page := s.Events(t, ""); len(page.Events) != 1 {
		t.Errorf("events = %d, want the genuine one", len(page.Events))
	}
}

// TestTDRetrySignBound: TD's retry comes re-signed with a fresh timestamp;
// its sign is bound to the body too, so its URL takes no other body.
func TestTDRetrySignBound(t *testing.T) {
	s := newWebhooks(t)
	body := webhooksim.Body(webhooksim.TD, "rt1", 1)
	if status, answer := send(t, s, webhooksim.TD, body, nil); status != 200 {
		t.Fatalf("first: %d %s", status, answer)
	}
	s.Sender.Now = func() time.Time { return time.Now().Add(time.Second) }
	retry, err := s.Sender.Request(context.Background(), webhooksim.TD, body, webhooksim.Valid)
	if err != nil {
		t.Fatal(err)
	}
	if status, answer := post(t, retry.URL.String(), nil, body); status != 200 {
		t.Fatalf("retry: %d %s", status, answer)
	}
	if status, answer := post(t, retry.URL.String(), nil, webhooksim.Body(webhooksim.TD, "rt2", 1)); status != 409 {
		t.Errorf("the retry's URL with another body: %d %s, want 409", status, answer)
	}
	// The refusal is logged with its code and the refused push's key.
	last := s.Logs.Last(t)
	if last["error"] != "SIGN_REUSED" || !strings.HasSuffix(last["dedupe_key"].(string), ":OK") {
		t.Errorf("log line = %v, want SIGN_REUSED with the dedupe key", last)
	}
}

// TestDedupeNamespacePerRoute: an identity notice whose idempotency_key is
// an earlier activity's is a different event, and both are kept.
func TestDedupeNamespacePerRoute(t *testing.T) {
	s := newWebhooks(t)
	for _, tc := range []struct {
		kind webhooksim.Kind
		body string
	}{
		{webhooksim.PomeloActivity, `{"type":"ACTIVITY_CREATED","idempotency_key":"shared-key"}`},
		{webhooksim.PomeloIdentity, `{"event_id":"identity-session-completed","idempotency_key":"shared-key","session":{"id":"s1"}}`},
	} {
		if status, answer := send(t, s, tc.kind, []byte(tc.body), nil); status != 204 {
			t.Fatalf("%s: %d %s", tc.kind, status, answer)
		}
	}
	if _, page := s.Events(t, ""); len(page.Events) != 2 {
		t.Errorf("events = %+v, want both", page.Events)
	}
}

// TestUnpairedSurrogates: two ids that differ only in lone surrogate
// escapes are refused, never read as one.
func TestUnpairedSurrogates(t *testing.T) {
	s := newWebhooks(t)
	for _, id := range []string{`\ud800`, `\udbff`} {
		body := `{"webhook_id":"w` + id + `","webhook_type":"EMPLOYMENT_RECORDS","webhook_code":"historical_update"}`
		if status, answer := send(t, s, webhooksim.Belvo, []byte(body), nil); status != 400 || apitest.ErrorCode([]byte(answer)) != "MALFORMED_PAYLOAD" {
			t.Errorf("%s: %d %s, want 400 MALFORMED_PAYLOAD", id, status, answer)
		}
	}
}

// TestLongKeptHeader: an authentic delivery with a kept header over the
// bound is kept, the header cut and marked.
func TestLongKeptHeader(t *testing.T) {
	s := newWebhooks(t)
	long := "application/json; " + strings.Repeat("x", 2<<10)
	status, answer := send(t, s, webhooksim.Belvo, webhooksim.Body(webhooksim.Belvo, "lh", 1), func(r *http.Request) { r.Header.Set("Content-Type", long) })
	if status != 200 {
		t.Fatalf("%d %s, want 200", status, answer)
	}
	_, page := s.Events(t, "")
	e, err := s.Store.Event(context.Background(), page.Events[0].ID)
	if ct := e.Headers["Content-Type"]; err != nil || len(ct) > webhook.MaxHeader || !strings.HasPrefix(ct, "application/json; x") || !strings.HasSuffix(ct, "[truncated]") {
		t.Errorf("kept Content-Type %d bytes, %v", len(ct), err)
	}
}

// TestImpossibleEventID: an id that cannot exist is a 404, not a store
// error.
func TestImpossibleEventID(t *testing.T) {
	s := newWebhooks(t)
	res, err := http.Get(s.URL + "/webhooks/events/" + strings.Repeat("e", 3000))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("status %d, want 404", res.StatusCode)
	}
}

// TestRepeatedAuthHeaders: a repeated Authorization (Belvo) or signature
// header (Palenca) is refused as API Gateway's comma-joined form would be.
func TestRepeatedAuthHeaders(t *testing.T) {
	s := newWebhooks(t)
	for _, tc := range []struct {
		kind   webhooksim.Kind
		header string
	}{
		{webhooksim.Belvo, "Authorization"},
		{webhooksim.Palenca, "X-Palenca-Signature"},
	} {
		status, answer := send(t, s, tc.kind, webhooksim.Body(tc.kind, "rh", 1), func(r *http.Request) {
			r.Header.Add(tc.header, "second value")
		})
		if status != 400 || apitest.ErrorCode([]byte(answer)) != "REPEATED_HEADER" {
			t.Errorf("%s: %d %s, want 400 REPEATED_HEADER", tc.kind, status, answer)
		}
	}
}

// TestRefusalsSayWhy: each provider's refusal carries its own code, in the
// provider's reply shape and in the request log.
func TestRefusalsSayWhy(t *testing.T) {
	s := newWebhooks(t)
	setQuery := func(name, value string) func(r *http.Request) {
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Set(name, value)
			r.URL.RawQuery = q.Encode()
		}
	}
	for _, tc := range []struct {
		name string
		kind webhooksim.Kind
		edit func(r *http.Request)
		code string
	}{
		{"td access key", webhooksim.TD, setQuery("access_key", "other"), "UNKNOWN_CREDENTIAL"},
		{"td timestamp", webhooksim.TD, setQuery("timestamp", "soon"), "TIMESTAMP_MALFORMED"},
		{"td stale", webhooksim.TD, setQuery("timestamp", "1699272744735"), "TIMESTAMP_TOO_OLD"},
		{"td sign encoding", webhooksim.TD, setQuery("sign", "!!"), "SIGNATURE_ENCODING"},
		{"td sign", webhooksim.TD, setQuery("sign", strings.Repeat("0", 40)), "SIGNATURE_MISMATCH"},
		{"belvo value", webhooksim.Belvo, func(r *http.Request) { r.Header.Set("Authorization", "Bearer other") }, "UNKNOWN_CREDENTIAL"},
		{"belvo missing", webhooksim.Belvo, func(r *http.Request) { r.Header.Del("Authorization") }, "SIGNATURE_HEADER_MISSING"},
		{"palenca missing", webhooksim.Palenca, func(r *http.Request) { r.Header.Del("X-Palenca-Signature") }, "SIGNATURE_HEADER_MISSING"},
		{"palenca malformed", webhooksim.Palenca, func(r *http.Request) { r.Header.Set("X-Palenca-Signature", "zz") }, "SIGNATURE_HEADER_MALFORMED"},
		{"palenca mismatch", webhooksim.Palenca, func(r *http.Request) { r.Header.Set("X-Palenca-Signature", strings.Repeat("0", 64)) }, "SIGNATURE_MISMATCH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, answer := send(t, s, tc.kind, webhooksim.Body(tc.kind, "why", 1), tc.edit)
			if status != 401 {
				t.Errorf("%d %s, want 401", status, answer)
			}
			if tc.kind == webhooksim.TD {
				if !strings.HasPrefix(answer, `{"code":401,"message":`) {
					t.Errorf("TD answer %s, want TD's shape", answer)
				}
			} else if apitest.ErrorCode([]byte(answer)) != tc.code {
				t.Errorf("answer %s, want code %s", answer, tc.code)
			}
			if got := s.Logs.Last(t)["error"]; got != tc.code {
				t.Errorf("logged error %v, want %s", got, tc.code)
			}
		})
	}
}

// TestCredentialRotation: with two values configured for each provider,
// deliveries signed with either are kept; the function refuses a value
// with spaces around it at start.
func TestCredentialRotation(t *testing.T) {
	store, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c := apitest.WebhookSettings("")
	c.TDAccessKey = "ak_new," + apitest.TDAccessKey
	c.TDAccessSecret = "td-new-secret," + apitest.TDAccessSecret
	c.BelvoAuthorization = "Bearer new-value," + apitest.BelvoAuthorization
	c.PalencaSecret = "palenca-new-secret," + apitest.PalencaSecret
	s := apitest.NewWebhooks(t, store, &c)
	for _, old := range []bool{true, false} {
		s.Sender.TDAccessKey, s.Sender.TDAccessSecret = "ak_new", "td-new-secret"
		s.Sender.BelvoAuthorization, s.Sender.PalencaSecret = "Bearer new-value", "palenca-new-secret"
		if old {
			s.Sender.TDAccessKey, s.Sender.TDAccessSecret = apitest.TDAccessKey, apitest.TDAccessSecret
			s.Sender.BelvoAuthorization, s.Sender.PalencaSecret = apitest.BelvoAuthorization, apitest.PalencaSecret
		}
		for _, kind := range []webhooksim.Kind{webhooksim.TD, webhooksim.Belvo, webhooksim.Palenca} {
			xs, err := s.Sender.Send(context.Background(), kind, webhooksim.Valid)
			if err != nil || xs[0].Status != 200 {
				t.Errorf("%s (old %v): %v %d %s", kind, old, err, xs[0].Status, xs[0].Answer)
			}
		}
	}
	c.BelvoAuthorization = "Bearer new-value, Bearer old"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "BELVO_WEBHOOK_AUTHORIZATION") {
		t.Errorf("Validate = %v, want BELVO_WEBHOOK_AUTHORIZATION refused", err)
	}
}

// TestEventsAPIShowsNoPersonalData: the detail of a TD event masks the
// name, CURP and NSS of its body, the employers, registrations, salaries
// and dates of its jobs, and redacts the sign of its query, and says so;
// the kept event stays whole for processing.
func TestEventsAPIShowsNoPersonalData(t *testing.T) {
	s := newWebhooks(t)
	body := `{"sequence_id":"pd1","result":"OK","curp":"HEGG560427MVZRRL04","nss_number":"12345678901",` +
		`"social_security_info":{"name":"David HE","work_detail":[{"start_date":"21/12/2022","end_date":"Vigente","daily_salary":"$334.26",` +
		`"state_workpalce":"MÉXICO","name_workpalce":"CAPITAL ARRECIFE","imss_code_workpalce":"C417993210"}]}}`
	if status, answer := send(t, s, webhooksim.TD, []byte(body), nil); status != 200 {
		t.Fatalf("%d %s", status, answer)
	}
	_, page := s.Events(t, "")
	res, err := http.Get(s.URL + "/webhooks/events/" + page.Events[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var detail struct {
		Body    string            `json:"body"`
		Masked  bool              `json:"masked"`
		Headers map[string]string `json:"headers"`
	}
	if err := json.NewDecoder(res.Body).Decode(&detail); err != nil {
		t.Fatal(err)
	}
	// The query's timestamp is left out of the check: its digits may spell
	// "5678" by chance.
	var query []string
	for _, p := range strings.Split(detail.Headers["query"], "&") {
		if !strings.HasPrefix(p, "timestamp=") {
			query = append(query, p)
		}
	}
	for _, secret := range []string{"David", "560427MV", "5678", apitest.TDAccessKey, "CAPITAL", "ARRECIFE", "334", "993210", "21/12/2022"} {
		if strings.Contains(detail.Body, secret) || strings.Contains(strings.Join(query, "&"), secret) {
			t.Errorf("the detail shows %q: %s %v", secret, detail.Body, detail.Headers)
		}
	}
	if !detail.Masked || !strings.Contains(detail.Body, `"D. H."`) || !strings.Contains(detail.Headers["query"], "sign=[redacted]") {
		t.Errorf("detail = %+v", detail)
	}
	kept, err := s.Store.Event(context.Background(), page.Events[0].ID)
	if err != nil || string(kept.Body) != body {
		t.Errorf("the kept body changed: %s, %v", kept.Body, err)
	}
}

// countingStore counts the events a store hands out.
type countingStore struct {
	webhook.Store
	listed, read atomic.Int64
}

func (c *countingStore) Events(ctx context.Context, f webhook.Filter, cursor string, limit int) ([]webhook.Event, string, error) {
	page, next, err := c.Store.Events(ctx, f, cursor, limit)
	c.listed.Add(int64(len(page)))
	return page, next, err
}

func (c *countingStore) Event(ctx context.Context, id string) (webhook.Event, error) {
	c.read.Add(1)
	return c.Store.Event(ctx, id)
}

// TestProcessingReadsOnlyWork: the local processing loop reads no event it
// has nothing to do with: TD events waiting for the verify function are
// not read again on every tick.
func TestProcessingReadsOnlyWork(t *testing.T) {
	kept, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	store := &countingStore{Store: kept}
	s := apitest.NewWebhooks(t, store, nil)
	start := time.Now()
	for i := range 5 {
		// A millisecond apart: pushes signed in the same one share a sign.
		s.Sender.Now = func() time.Time { return start.Add(time.Duration(i) * time.Millisecond) }
		if status, answer := send(t, s, webhooksim.TD, webhooksim.Body(webhooksim.TD, "w"+strconv.Itoa(i), 1), nil); status != 200 {
			t.Fatalf("%d %s", status, answer)
		}
	}
	if status, _ := send(t, s, webhooksim.PomeloActivity, webhooksim.Body(webhooksim.PomeloActivity, "a1", 1), nil); status != 204 {
		t.Fatal("activity refused")
	}
	for range 3 {
		s.Drain(t)
	}
	if listed, read := store.listed.Load(), store.read.Load(); listed != 1 || read != 1 {
		t.Errorf("three ticks listed %d events and read %d, want the activity once", listed, read)
	}
}
