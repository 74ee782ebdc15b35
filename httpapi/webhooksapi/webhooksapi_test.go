package webhooksapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// newWebhooks is the webhooks function over a fresh embedded store.
func newWebhooks(t *testing.T) *apitest.WebhookStack {
	t.Helper()
	store, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return apitest.NewWebhooks(t, store, nil)
}

// acknowledgement is what each kind's provider is answered.
var acknowledgement = map[webhooksim.Kind]struct {
	status int
	body   string
}{
	webhooksim.TD:             {200, `{"code":200,"message":""}`},
	webhooksim.PomeloActivity: {204, ``},
	webhooksim.PomeloShipping: {204, ``},
	webhooksim.PomeloIdentity: {204, ``},
	webhooksim.Belvo:          {200, `{"received":true}`},
	webhooksim.Palenca:        {200, `{"received":true}`},
}

// TestDeliveries: every provider's notification is acknowledged in its
// provider's shape, a duplicate exactly alike and kept once, and a forged
// or stale one refused with nothing kept.
func TestDeliveries(t *testing.T) {
	for _, kind := range webhooksim.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			s := newWebhooks(t)
			xs, err := s.Sender.Send(context.Background(), kind, webhooksim.Duplicate)
			if err != nil {
				t.Fatal(err)
			}
			want := acknowledgement[kind]
			for i, x := range xs {
				if x.Status != want.status || string(x.Answer) != want.body {
					t.Errorf("delivery %d: %d %s, want %d %s", i+1, x.Status, x.Answer, want.status, want.body)
				}
			}
			if _, page := s.Events(t, ""); len(page.Events) != 1 || page.Events[0].Provider != kind.Provider() {
				t.Fatalf("events after a duplicate = %+v, want one", page.Events)
			}
			modes := []webhooksim.Mode{webhooksim.BadSignature}
			if kind.Provider() == pomelo.Provider || kind == webhooksim.TD {
				modes = append(modes, webhooksim.Stale)
			}
			for _, mode := range modes {
				xs, err := s.Sender.Send(context.Background(), kind, mode)
				if err != nil {
					t.Fatal(err)
				}
				if xs[0].Status != 401 {
					t.Errorf("%s: %d %s, want 401", mode, xs[0].Status, xs[0].Answer)
				}
				if kind == webhooksim.TD && !bytes.HasPrefix(xs[0].Answer, []byte(`{"code":401,"message":`)) {
					t.Errorf("%s: TD answer %s, want TD's shape", mode, xs[0].Answer)
				}
			}
			if _, page := s.Events(t, ""); len(page.Events) != 1 {
				t.Errorf("refused deliveries were kept: %+v", page.Events)
			}
		})
	}
}

// send posts body to the route of kind as the simulator signs it, after
// edit changes the request, and returns the answer.
func send(t *testing.T, s *apitest.WebhookStack, kind webhooksim.Kind, body []byte, edit func(r *http.Request)) (int, string) {
	t.Helper()
	req, err := s.Sender.Request(context.Background(), kind, body, webhooksim.Valid)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(req)
	}
	res, answer := apitest.Do(t, req)
	return res.StatusCode, string(answer)
}

// TestTampering: changing any signed part of a Pomelo or TD delivery, or
// its clock, is refused with 401 and keeps nothing.
func TestTampering(t *testing.T) {
	s := newWebhooks(t)
	activity := webhooksim.Body(webhooksim.PomeloActivity, "t1", 1)
	td := webhooksim.Body(webhooksim.TD, "t1", 1)
	setQuery := func(name, value string) func(r *http.Request) {
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Set(name, value)
			r.URL.RawQuery = q.Encode()
		}
	}
	future := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name string
		kind webhooksim.Kind
		body []byte
		edit func(r *http.Request)
	}{
		{"pomelo body", webhooksim.PomeloActivity, activity, func(r *http.Request) {
			b := bytes.Replace(activity, []byte("1200.15"), []byte("9200.15"), 1)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}},
		{"pomelo timestamp", webhooksim.PomeloActivity, activity, func(r *http.Request) { r.Header.Set("X-Timestamp", "1") }},
		{"pomelo future timestamp", webhooksim.PomeloActivity, activity, func(r *http.Request) {
			r.Header.Set("X-Timestamp", strconv.FormatInt(future.Unix(), 10))
		}},
		{"pomelo endpoint", webhooksim.PomeloActivity, activity, func(r *http.Request) { r.Header.Set("X-Endpoint", "/webhooks/pomelo/identity") }},
		{"pomelo api key", webhooksim.PomeloActivity, activity, func(r *http.Request) { r.Header.Set("X-Api-Key", "other") }},
		{"pomelo signature", webhooksim.PomeloActivity, activity, func(r *http.Request) {
			r.Header.Set("X-Signature", "hmac-sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
		}},
		{"pomelo signed for another route", webhooksim.PomeloActivity, activity, func(r *http.Request) { r.URL.Path = "/webhooks/pomelo/identity" }},
		{"td partner code", webhooksim.TD, td, setQuery("partner_code", "other")},
		{"td access key", webhooksim.TD, td, setQuery("access_key", "other")},
		{"td timestamp", webhooksim.TD, td, setQuery("timestamp", "1699272744735")},
		{"td future timestamp", webhooksim.TD, td, setQuery("timestamp", strconv.FormatInt(future.UnixMilli(), 10))},
		{"td sign", webhooksim.TD, td, setQuery("sign", "83f8b722d28844a4050f75f7a2c3019ca92288eb")},
		{"belvo authorization", webhooksim.Belvo, webhooksim.Body(webhooksim.Belvo, "t1", 1), func(r *http.Request) {
			r.Header.Set("Authorization", apitest.BelvoAuthorization+"x")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, answer := send(t, s, tc.kind, tc.body, tc.edit); status != 401 {
				t.Errorf("%d %s, want 401", status, answer)
			}
		})
	}
	if _, page := s.Events(t, ""); len(page.Events) != 0 {
		t.Errorf("tampered deliveries were kept: %+v", page.Events)
	}
}

// TestTDReplayedSign: TD's sign covers the query only. The same URL with the
// same body is TD retrying and is acknowledged; with another body it is a
// replay and is refused with 409, in TD's shape.
func TestTDReplayedSign(t *testing.T) {
	s := newWebhooks(t)
	first := webhooksim.Body(webhooksim.TD, "r1", 1)
	req, err := s.Sender.Request(context.Background(), webhooksim.TD, first, webhooksim.Valid)
	if err != nil {
		t.Fatal(err)
	}
	url := req.URL.String()
	post := func(body []byte) (int, string) {
		res, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	for range 2 {
		if status, answer := post(first); status != 200 || answer != `{"code":200,"message":""}` {
			t.Fatalf("delivery: %d %s", status, answer)
		}
	}
	other := webhooksim.Body(webhooksim.TD, "r2", 1)
	if status, answer := post(other); status != 409 || !strings.HasPrefix(answer, `{"code":409,"message":`) {
		t.Errorf("replayed sign: %d %s, want 409 in TD's shape", status, answer)
	}
	if _, page := s.Events(t, ""); len(page.Events) != 1 {
		t.Errorf("events = %+v, want the first delivery only", page.Events)
	}
}

// TestBadDeliveries: malformed JSON, a missing required field, a repeated
// key, a body too large and a missing TD parameter are refused and keep
// nothing; an unknown type is acknowledged and kept UNHANDLED.
func TestBadDeliveries(t *testing.T) {
	s := newWebhooks(t)
	for _, tc := range []struct {
		name   string
		kind   webhooksim.Kind
		body   string
		edit   func(r *http.Request)
		status int
		code   string
	}{
		{"malformed JSON", webhooksim.PomeloActivity, `{"type":`, nil, 400, "MALFORMED_PAYLOAD"},
		{"array", webhooksim.Belvo, `[]`, nil, 400, "MALFORMED_PAYLOAD"},
		{"activity without idempotency key", webhooksim.PomeloActivity, `{"type":"ACTIVITY_CREATED"}`, nil, 400, "MALFORMED_PAYLOAD"},
		{"activity without type", webhooksim.PomeloActivity, `{"idempotency_key":"k"}`, nil, 400, "MALFORMED_PAYLOAD"},
		{"identity without event id", webhooksim.PomeloIdentity, `{"idempotency_key":"k"}`, nil, 400, "MALFORMED_PAYLOAD"},
		{"shipping without shipment id", webhooksim.PomeloShipping, `{"meta":{}}`, nil, 400, "MALFORMED_PAYLOAD"},
		{"td without sequence id", webhooksim.TD, `{"result":"OK"}`, nil, 400, ""},
		{"td without result", webhooksim.TD, `{"sequence_id":"1"}`, nil, 400, ""},
		{"belvo without webhook code", webhooksim.Belvo, `{"webhook_id":"w","webhook_type":"EMPLOYMENT_RECORDS"}`, nil, 400, "MALFORMED_PAYLOAD"},
		{"palenca without action", webhooksim.Palenca, `{"data":{}}`, nil, 400, "MALFORMED_PAYLOAD"},
		{"repeated key", webhooksim.Belvo, `{"webhook_id":"w","webhook_id":"x","webhook_type":"T","webhook_code":"c"}`, nil, 400, "MALFORMED_PAYLOAD"},
		{"identifier too long", webhooksim.Belvo, `{"webhook_id":"` + strings.Repeat("w", 481) + `","webhook_type":"T","webhook_code":"c"}`, nil, 400, "MALFORMED_PAYLOAD"},
		{"2 MiB body", webhooksim.Palenca, `{"webhook_action":"login.success","pad":"` + strings.Repeat("x", 2<<20) + `"}`, nil, 413, "BODY_TOO_LARGE"},
		{"td missing sign", webhooksim.TD, string(webhooksim.Body(webhooksim.TD, "m", 1)), func(r *http.Request) {
			q := r.URL.Query()
			q.Del("sign")
			r.URL.RawQuery = q.Encode()
		}, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, answer := send(t, s, tc.kind, []byte(tc.body), tc.edit)
			if status != tc.status || tc.code != "" && apitest.ErrorCode([]byte(answer)) != tc.code {
				t.Errorf("%d %s, want %d %s", status, answer, tc.status, tc.code)
			}
			if tc.kind == webhooksim.TD && !strings.HasPrefix(answer, `{"code":`+strconv.Itoa(tc.status)+`,"message":`) {
				t.Errorf("TD answer %s, want TD's shape", answer)
			}
		})
	}
	if _, page := s.Events(t, ""); len(page.Events) != 0 {
		t.Fatalf("bad deliveries were kept: %+v", page.Events)
	}
	for _, tc := range []struct {
		kind webhooksim.Kind
		body string
	}{
		{webhooksim.PomeloActivity, `{"type":"ACTIVITY_ARCHIVED","idempotency_key":"k-1"}`},
		{webhooksim.Belvo, `{"webhook_id":"w-1","webhook_type":"LINKS","webhook_code":"new_accounts_available"}`},
		{webhooksim.Palenca, `{"webhook_action":"profile.updated","webhook_id":"p-1"}`},
		{webhooksim.TD, `{"sequence_id":"s-1","result":"PARTIAL"}`},
	} {
		want := acknowledgement[tc.kind]
		if status, answer := send(t, s, tc.kind, []byte(tc.body), nil); status != want.status || answer != want.body {
			t.Errorf("unknown %s type: %d %s, want %d %s", tc.kind, status, answer, want.status, want.body)
		}
	}
	s.Drain(t)
	if _, page := s.Events(t, "?status=UNHANDLED"); len(page.Events) != 4 {
		t.Errorf("UNHANDLED events = %+v, want 4", page.Events)
	}
}

// TestUnconfiguredRoutes: a route whose credential is unset refuses every
// delivery with 401, Palenca's too unless PALENCA_UNSIGNED_HINTS takes its
// unsigned bodies as hints, which are kept a day, not WEBHOOK_RETENTION.
func TestUnconfiguredRoutes(t *testing.T) {
	for _, hints := range []bool{false, true} {
		store, err := eventfile.Open(t.TempDir(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		c := apitest.WebhookSettings("")
		c.Credentials, c.TDAccessSecret, c.BelvoAuthorization, c.PalencaSecret = "", "", "", ""
		c.PalencaUnsignedHints = hints
		s := apitest.NewWebhooks(t, store, &c)
		for _, kind := range webhooksim.Kinds {
			xs, err := s.Sender.Send(context.Background(), kind, webhooksim.Valid)
			if err != nil {
				t.Fatal(err)
			}
			want := 401
			if kind == webhooksim.Palenca && hints {
				want = 200
			}
			if xs[0].Status != want {
				t.Errorf("hints %t: %s: %d %s, want %d", hints, kind, xs[0].Status, xs[0].Answer, want)
			}
		}
		_, page := s.Events(t, "")
		if !hints {
			if len(page.Events) != 0 {
				t.Errorf("without a Palenca secret or hints, kept %+v", page.Events)
			}
			continue
		}
		if len(page.Events) != 1 {
			t.Fatalf("events = %+v, want Palenca's only", page.Events)
		}
		e, err := store.Event(context.Background(), page.Events[0].ID)
		if err != nil || !e.Hint || !e.Unauthenticated() || !e.ExpiresAt.Equal(e.ReceivedAt.Add(webhook.UnauthenticatedRetention)) {
			t.Errorf("unsigned Palenca event = %+v, %v; want a hint kept a day", e, err)
		}
	}
}

// TestConcurrentDeliveries: 20 deliveries of one event at once are all
// acknowledged; it is kept once and processed once.
func TestConcurrentDeliveries(t *testing.T) {
	s := newWebhooks(t)
	body := webhooksim.Body(webhooksim.PomeloActivity, "c1", 1)
	var wg sync.WaitGroup
	statuses := make(chan int, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := s.Sender.Request(context.Background(), webhooksim.PomeloActivity, body, webhooksim.Valid)
			if err != nil {
				t.Error(err)
				return
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	var drains sync.WaitGroup
	for range 3 { // processors racing each other
		drains.Add(1)
		go func() { defer drains.Done(); s.Drain(t) }()
	}
	wg.Wait()
	drains.Wait()
	s.Drain(t)
	close(statuses)
	for st := range statuses {
		if st != 204 {
			t.Errorf("a delivery got %d, want 204", st)
		}
	}
	_, page := s.Events(t, "")
	if len(page.Events) != 1 || page.Events[0].Status != "PROCESSED" || page.Events[0].Attempts != 1 {
		t.Errorf("events = %+v, want one PROCESSED after one attempt", page.Events)
	}
}

// failingStore refuses every write, as a store that is down.
type failingStore struct{ webhook.Store }

func (failingStore) Receive(context.Context, webhook.Event, *webhook.SignUse) (bool, error) {
	return false, errors.New("store down")
}

// TestStoreDown: a delivery that cannot be kept is not acknowledged (503,
// the provider retries) and nothing is half-written.
func TestStoreDown(t *testing.T) {
	store, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s := apitest.NewWebhooks(t, failingStore{store}, nil)
	for _, kind := range webhooksim.Kinds {
		xs, err := s.Sender.Send(context.Background(), kind, webhooksim.Valid)
		if err != nil {
			t.Fatal(err)
		}
		if xs[0].Status != 503 {
			t.Errorf("%s: %d %s, want 503", kind, xs[0].Status, xs[0].Answer)
		}
	}
	if page, _, _ := store.Events(context.Background(), webhook.Filter{}, "", 10); len(page) != 0 {
		t.Errorf("events kept although not acknowledged: %+v", page)
	}
}

// TestProcessingRetried: a shipping update whose shipment cannot be fetched
// is FAILED with its error, retried, then PROCESSED with the shipment kept;
// the token is fetched once and refreshed once when Pomelo's API forgets it.
func TestProcessingRetried(t *testing.T) {
	s := newWebhooks(t)
	s.PomeloAPI.Fail.Store(outbound.DefaultRetries + 1) // every call of one attempt
	if _, err := s.Sender.Send(context.Background(), webhooksim.PomeloShipping, webhooksim.Valid); err != nil {
		t.Fatal(err)
	}
	s.Drain(t)
	_, page := s.Events(t, "")
	if e := page.Events[0]; e.Status != "FAILED" || e.Attempts != 1 || e.LastError == nil || !strings.Contains(*e.LastError, "502") {
		t.Fatalf("after a failed fetch: %+v", e)
	}
	s.PomeloAPI.Revoke()
	s.Drain(t)
	_, page = s.Events(t, "")
	if e := page.Events[0]; e.Status != "PROCESSED" || e.Attempts != 2 || e.LastError != nil {
		t.Fatalf("after the retry: %+v", e)
	}
	if n := s.PomeloAPI.Tokens.Load(); n != 2 {
		t.Errorf("%d tokens asked for, want 2 (the first, and one refresh after a 401)", n)
	}
	ev, _ := s.Store.Event(context.Background(), page.Events[0].ID)
	u, _ := pomelo.DecodeShipping(ev.Body)
	rec, err := s.Store.Record(context.Background(), pomelo.KindShipment, u.ShipmentID)
	if err != nil || !strings.Contains(string(rec.Data), `"IN_TRANSIT"`) {
		t.Errorf("shipment record = %s, %v", rec.Data, err)
	}
	// Processing happens once: another pass changes nothing.
	s.Drain(t)
	if _, page = s.Events(t, ""); page.Events[0].Attempts != 2 {
		t.Errorf("attempts = %d after another pass, want 2", page.Events[0].Attempts)
	}
}

// TestOutOfOrderActivities: the latest updated_at wins, whatever order the
// notices arrive in.
func TestOutOfOrderActivities(t *testing.T) {
	s := newWebhooks(t)
	xs, err := s.Sender.Send(context.Background(), webhooksim.PomeloActivity, webhooksim.OutOfOrder)
	if err != nil {
		t.Fatal(err)
	}
	s.Drain(t)
	later, err := pomelo.DecodeActivity(xs[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.Store.Record(context.Background(), pomelo.KindActivity, later.Activity.ID)
	if err != nil || !strings.Contains(string(rec.Data), `"APPROVED"`) {
		t.Errorf("activity record = %s, %v; want the later APPROVED", rec.Data, err)
	}
	if _, page := s.Events(t, "?status=PROCESSED"); len(page.Events) != 2 {
		t.Errorf("processed events = %+v, want both", page.Events)
	}
}

// TestEventsAPI: filters, paging, the detail view and their errors.
func TestEventsAPI(t *testing.T) {
	s := newWebhooks(t)
	for _, kind := range webhooksim.Kinds {
		if _, err := s.Sender.Send(context.Background(), kind, webhooksim.Valid); err != nil {
			t.Fatal(err)
		}
	}
	s.Drain(t)
	_, all := s.Events(t, "?limit=100")
	if len(all.Events) != 6 || all.NextCursor != nil || all.Events[0].Provider != "palenca" || all.Events[5].Provider != "td" {
		t.Fatalf("all events, newest first: %+v", all)
	}
	for _, e := range all.Events {
		if e.ID == "" || e.Type == "" || e.DedupeKey == "" || e.Status == "" || e.ReceivedAt == "" {
			t.Errorf("event with a field missing: %+v", e)
		}
	}
	_, pomelo := s.Events(t, "?provider=pomelo&status=PROCESSED")
	if len(pomelo.Events) != 3 {
		t.Errorf("processed pomelo events = %+v", pomelo.Events)
	}
	if _, td := s.Events(t, "?provider=td&type=OK"); len(td.Events) != 1 || td.Events[0].Status != "RECEIVED" {
		t.Errorf("td events = %+v, want one RECEIVED (for the verify function)", td.Events)
	}
	_, first := s.Events(t, "?limit=4")
	if len(first.Events) != 4 || first.NextCursor == nil {
		t.Fatalf("first page = %+v", first)
	}
	_, second := s.Events(t, "?limit=4&cursor="+*first.NextCursor)
	if len(second.Events) != 2 || second.NextCursor != nil {
		t.Errorf("second page = %+v, want the last two and no cursor", second)
	}
	// A time range: from the third event's receipt on, before the fifth's.
	third, fifth := all.Events[3].ReceivedAt, all.Events[1].ReceivedAt
	if _, r := s.Events(t, "?since="+third+"&until="+fifth); len(r.Events) != 2 || r.Events[0].ID != all.Events[2].ID || r.Events[1].ID != all.Events[3].ID {
		t.Errorf("since %s until %s: %+v", third, fifth, r.Events)
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?provider=visa", "?status=DONE", "?cursor=bogus",
		"?since=yesterday", "?until=2026-12-01", "?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "?since=10000-01-01T00:00:00Z"} {
		if status, _ := s.Events(t, q); status != 400 {
			t.Errorf("GET /webhooks/events%s: %d, want 400", q, status)
		}
	}
	req, _ := http.NewRequest("GET", s.URL+"/webhooks/events/"+all.Events[5].ID, nil)
	res, body := apitest.Do(t, req)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"body":"{\"sequence_id\"`) ||
		!strings.Contains(string(body), `"query":"partner_code=`) || !strings.Contains(string(body), `"auth":"td-hmac-sha1 hex-lower"`) ||
		!strings.Contains(string(body), `"hint":true`) {
		t.Errorf("event detail: %d %s", res.StatusCode, body)
	}
	req, _ = http.NewRequest("GET", s.URL+"/webhooks/events/evt_nope", nil)
	if res, _ := apitest.Do(t, req); res.StatusCode != 404 {
		t.Errorf("unknown event: %d, want 404", res.StatusCode)
	}
}

// TestHourly: GET /webhooks/events/hourly counts the last 24 hours' events
// per hour, provider and status by default, a range on demand.
func TestHourly(t *testing.T) {
	s := newWebhooks(t)
	for _, kind := range webhooksim.Kinds {
		if _, err := s.Sender.Send(context.Background(), kind, webhooksim.Valid); err != nil {
			t.Fatal(err)
		}
	}
	s.Drain(t)
	type hours struct {
		Since, Until string
		Counts       []struct {
			Hour, Provider, Status string
			Count                  int
		}
		Complete bool
	}
	get := func(query string) (int, hours) {
		t.Helper()
		res, body := apitest.Do(t, must(http.NewRequest("GET", s.URL+"/webhooks/events/hourly"+query, nil)))
		var h hours
		if res.StatusCode == 200 {
			if err := json.Unmarshal(body, &h); err != nil {
				t.Fatal(err)
			}
		}
		return res.StatusCode, h
	}
	status, h := get("")
	byProvider := map[string]int{}
	for _, c := range h.Counts {
		byProvider[c.Provider+" "+c.Status] += c.Count
	}
	since, _ := time.Parse(time.RFC3339, h.Since)
	until, _ := time.Parse(time.RFC3339, h.Until)
	if status != 200 || !h.Complete || until.Sub(since) != 25*time.Hour && until.Sub(since) != 24*time.Hour ||
		fmt.Sprint(byProvider) != "map[belvo RECEIVED:1 palenca RECEIVED:1 pomelo PROCESSED:3 td RECEIVED:1]" {
		t.Errorf("the last 24 hours: %d %+v (%v)", status, h, byProvider)
	}
	if status, h := get("?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z"); status != 200 || len(h.Counts) != 0 || h.Since != "2020-01-01T00:00:00Z" {
		t.Errorf("a day long past: %d %+v", status, h)
	}
	for _, q := range []string{"?since=yesterday", "?from=2020-01-01T00:00:00Z", "?since=2020-01-01T00:00:00Z&until=2020-01-09T00:00:00Z",
		"?since=2020-01-02T00:00:00Z&until=2020-01-01T00:00:00Z", "?until=2020-01-01T00:00:00Z&until=2020-01-01T00:00:00Z"} {
		if status, _ := get(q); status != 400 {
			t.Errorf("GET /webhooks/events/hourly%s: %d, want 400", q, status)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCheckDiagnosis: a kept Pomelo delivery that does not verify is
// explained as the signature debugger explains it: the usual mistake that
// reproduces its signature and the part it is about, another configured
// key that would have matched, or, when nothing reproduces it, that what
// was kept is not what was signed.
func TestCheckDiagnosis(t *testing.T) {
	store, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	const otherKey, otherSecret = "rotated-key", "c2Vjb25kLXBvbWVsby1zZWNyZXQtb2YtMzItYnl0ZXMh"
	settings := apitest.WebhookSettings("http://127.0.0.1:1")
	settings.Pomelo.Credentials += "," + otherKey + ":" + otherSecret
	s := apitest.NewWebhooks(t, store, &settings)
	ctx := context.Background()
	secret, _ := base64.StdEncoding.DecodeString(apitest.APISecret)
	other, _ := base64.StdEncoding.DecodeString(otherSecret)
	compact := []byte(`{"type":"ACTIVITY_CREATED","idempotency_key":"act-1-1","activity":{"id":"act-1","total_amount":"1200.15"}}`)
	pretty, _ := json.MarshalIndent(json.RawMessage(compact), "", "  ")
	received := time.Now().Truncate(time.Second)
	ts := strconv.FormatInt(received.Unix()-2, 10)
	const endpoint = "/webhooks/pomelo/activities"
	for i, tc := range []struct {
		name       string
		signedWith []byte
		signed     []byte
		kept       []byte
		valid      bool
		part, says string
	}{
		{"genuine", secret, compact, compact, true, "timestamp", "signed 2s before it arrived"},
		{"pretty-printed after signing", secret, compact, pretty, false, "body", "signed compacted"},
		{"signed with the other key pair", other, compact, compact, false, "key", "another configured api key"},
		{"an amount changed", secret, compact, []byte(strings.Replace(string(compact), "1200.15", "9200.15", 1)), false, "body", "what was signed is not what was kept"},
	} {
		e := webhook.Event{
			ID: webhook.IDOf("pomelo/activities", tc.name), Provider: "pomelo", Route: "pomelo/activities", Type: "ACTIVITY_CREATED",
			DedupeKey: fmt.Sprint("act-", i), Status: webhook.Processed, ReceivedAt: received, ExpiresAt: received.Add(time.Hour),
			Auth: "pomelo-hmac-sha256", Body: tc.kept, Headers: map[string]string{
				"x-api-key": apitest.APIKey, "x-timestamp": ts, "x-endpoint": endpoint,
				"x-signature": signature.Sign(tc.signedWith, ts, endpoint, tc.signed),
			},
		}
		if _, err := store.Receive(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
		res, err := http.Post(s.URL+"/webhooks/events/"+e.ID+"/check", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		var v webhook.Verdict
		json.NewDecoder(res.Body).Decode(&v)
		res.Body.Close()
		found := false
		for _, f := range v.Findings {
			found = found || f.Part == tc.part && strings.Contains(f.Message, tc.says)
		}
		if res.StatusCode != 200 || v.Valid != tc.valid || !found {
			t.Errorf("%s: %d %+v, want valid %t and a %s finding saying %q", tc.name, res.StatusCode, v, tc.valid, tc.part, tc.says)
		}
	}
}

// TestRetry: POST /webhooks/events/{id}/retry makes a FAILED event
// RECEIVED again (202); any other status is 409 EVENT_NOT_FAILED, an
// unknown id 404, and neither changes anything.
func TestRetry(t *testing.T) {
	s := newWebhooks(t)
	ctx := context.Background()
	if _, err := s.Sender.Send(ctx, webhooksim.Belvo, webhooksim.Valid); err != nil {
		t.Fatal(err)
	}
	_, page := s.Events(t, "")
	id := page.Events[0].ID
	retry := func() (int, string) {
		res, err := http.Post(s.URL+"/webhooks/events/"+id+"/retry", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if status, body := retry(); status != 409 || !strings.Contains(body, "EVENT_NOT_FAILED") {
		t.Errorf("a RECEIVED event: %d %s", status, body)
	}
	e, _ := s.Store.Event(ctx, id)
	if err := s.Store.Attempted(ctx, e, webhook.Attempt{Status: webhook.Failed, Error: "the verify function was down"}); err != nil {
		t.Fatal(err)
	}
	if status, body := retry(); status != 202 || body != `{"id":"`+id+`","status":"RECEIVED"}` {
		t.Errorf("a FAILED event: %d %s", status, body)
	}
	if got, _ := s.Store.Event(ctx, id); got.Status != webhook.Received || got.Attempts != 1 {
		t.Errorf("after the retry: %+v", got)
	}
	res, err := http.Post(s.URL+"/webhooks/events/evt_nope/retry", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("an unknown id: %d", res.StatusCode)
	}
}

// TestCheck: POST /webhooks/events/{id}/check runs each kept delivery's
// scheme again: a genuine one is valid (Belvo's cannot be checked, its
// Authorization being a secret never kept), one whose body was changed
// since names the signature; no answer holds the body, a signature or a
// secret.
func TestCheck(t *testing.T) {
	s := newWebhooks(t)
	ctx := context.Background()
	check := func(id string) (int, string, webhook.Verdict) {
		res, err := http.Post(s.URL+"/webhooks/events/"+id+"/check", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var v webhook.Verdict
		json.Unmarshal(b, &v)
		return res.StatusCode, string(b), v
	}
	for _, kind := range webhooksim.Kinds {
		if _, err := s.Sender.Send(ctx, kind, webhooksim.Valid); err != nil {
			t.Fatal(err)
		}
		_, page := s.Events(t, "?provider="+kind.Provider()) // newest first: the one just sent
		id := page.Events[0].ID
		status, body, v := check(id)
		wantValid := kind != webhooksim.Belvo
		if status != 200 || v.Valid != wantValid || v.Scheme == "" || kind == webhooksim.TD && !strings.Contains(body, "before it arrived") {
			t.Errorf("%s: %d %s, want valid %t", kind, status, body, wantValid)
		}
		kept, _ := s.Store.Event(ctx, id)
		for _, secret := range []string{string(kept.Body), kept.Headers["x-signature"], kept.Headers["X-Palenca-Signature"], apitest.PalencaSecret, apitest.BelvoAuthorization} {
			if secret != "" && strings.Contains(body, secret) {
				t.Errorf("%s: the verdict shows %q", kind, secret)
			}
		}
	}
	// A kept Palenca event whose body changed since it was signed.
	_, page := s.Events(t, "?provider=palenca")
	kept, _ := s.Store.Event(ctx, page.Events[0].ID)
	forged := kept
	forged.ID, forged.DedupeKey, forged.Body = kept.ID+"x", "forged", append([]byte(nil), kept.Body[:len(kept.Body)-1]...)
	forged.Body = append(forged.Body, ' ', '}')
	if _, err := s.Store.Receive(ctx, forged, nil); err != nil {
		t.Fatal(err)
	}
	if status, body, v := check(forged.ID); status != 200 || v.Valid || len(v.Findings) == 0 || v.Findings[0].Part != "signature" {
		t.Errorf("a changed body: %d %s", status, body)
	}
	if status, _, _ := check("evt_nope"); status != 404 {
		t.Errorf("an unknown id: %d", status)
	}
}
