package verify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/config/verify"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/filestore/verifyfile"
	"github.com/tarjeta-dev/tarjeta/providers/palencasim"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/tdsim"
	"github.com/tarjeta-dev/tarjeta/serve"
)

func load(t *testing.T, env map[string]string) verify.Config {
	t.Helper()
	var c verify.Config
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &c, Lookuper: envconfig.MapLookuper(env)}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSettings(t *testing.T) {
	c := load(t, map[string]string{})
	if c.ProviderOrder != "td,palenca,belvo" || c.PollAfter != 2*time.Minute || c.Retention != 720*time.Hour || c.TDQueryWindow != 24*time.Hour ||
		c.BelvoInstitution != "imss_mx_employment" || c.TableName != "tarjeta-verifications" || c.WebhooksTableName != "tarjeta-webhooks" {
		t.Errorf("defaults = %+v", c)
	}
	// Every provider of the default order lacks its credential: all are
	// left out, and the function starts (answering 503 NO_PROVIDER_CONFIGURED).
	if err := c.Validate(); err != nil || len(c.Enabled()) != 0 {
		t.Errorf("nothing set: Validate = %v, Enabled = %v; want nil, none", err, c.Enabled())
	}
	// A provider whose credential is set needs the rest of its settings.
	for _, tc := range []struct {
		credential string
		missing    []string
	}{
		{"TD_PARTNER_KEY", []string{"TD_API_URL", "TD_QUERY_URL", "TD_PARTNER_CODE"}},
		{"PALENCA_API_KEY", []string{"PALENCA_API_URL"}},
		{"BELVO_SECRET_ID", []string{"BELVO_API_URL", "BELVO_SECRET_PASSWORD"}},
	} {
		err := load(t, map[string]string{tc.credential: "k"}).Validate()
		for _, name := range tc.missing {
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s set: Validate = %v, want %s named", tc.credential, err, name)
			}
		}
	}
	partial := load(t, map[string]string{"PALENCA_API_KEY": "k", "PALENCA_API_URL": "https://palenca/v1"})
	if err := partial.Validate(); err != nil || !slices.Equal(partial.Enabled(), []string{"palenca"}) {
		t.Errorf("Palenca alone: Validate = %v, Enabled = %v; want nil, [palenca]", err, partial.Enabled())
	}
	td := load(t, map[string]string{"VERIFY_PROVIDER_ORDER": "td", "TD_API_URL": "https://td/req", "TD_QUERY_URL": "https://td/query",
		"TD_PARTNER_CODE": "p", "TD_PARTNER_KEY": "k"})
	if err := td.Validate(); err != nil {
		t.Errorf("TD alone: %v", err)
	}
	for setting, value := range map[string]string{
		"VERIFY_PROVIDER_ORDER": "td,equifax", "VERIFY_POLL_AFTER": "0s", "VERIFY_RETENTION": "1h", "TD_QUERY_WINDOW": "0s", "VERIFY_API_TIMEOUT": "30s",
		"ERASURE_KEY": "shorter than 32 bytes",
	} {
		bad := load(t, map[string]string{"VERIFY_PROVIDER_ORDER": "td", "TD_API_URL": "https://td/req", "TD_QUERY_URL": "https://td/query",
			"TD_PARTNER_CODE": "p", "TD_PARTNER_KEY": "k", setting: value})
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), setting) {
			t.Errorf("%s=%s: Validate = %v", setting, value, err)
		}
	}
	if err := load(t, map[string]string{"VERIFY_PROVIDER_ORDER": "td,td"}).Validate(); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("td twice: %v", err)
	}
}

// rig is the verify function over the embedded stores and TD's simulator,
// which pushes nothing: its notifications are put in the events store by
// hand, as the webhooks function would keep them.
type rig struct {
	fn     serve.Function
	store  *verifyfile.Store
	events *eventfile.Store
	// images are the events as the stream's records carry them: as kept
	// when inserted, whatever became of them since.
	images map[string]webhook.Event
}

// stores opens the embedded stores of verifications and events.
func stores(t *testing.T) (*verifyfile.Store, *eventfile.Store) {
	t.Helper()
	vs, err := verifyfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vs.Close() })
	es, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { es.Close() })
	return vs, es
}

func newRig(t *testing.T) *rig {
	sim := &tdsim.Server{PartnerCode: "p", PartnerKey: "k", Window: 24 * time.Hour, Now: time.Now}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	c := load(t, map[string]string{"VERIFY_PROVIDER_ORDER": "td", "TD_API_URL": srv.URL + tdsim.RequestPath, "TD_QUERY_URL": srv.URL + tdsim.QueryPath,
		"TD_PARTNER_CODE": "p", "TD_PARTNER_KEY": "k"})
	r := &rig{images: map[string]webhook.Event{}}
	r.store, r.events = stores(t)
	var err error
	r.fn, err = c.Function(context.Background(), verify.Deps{
		Store: r.store, Events: r.events, Now: time.Now,
		// The test's stream change names the event by its id.
		Stream: func(ch serve.Change) (webhook.Event, bool, error) {
			e, ok := r.images[ch.Sequence]
			return e, ok, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// start starts a verification of curp through the API and returns its id
// and TD's sequence_id for it.
func (r *rig) start(t *testing.T, curp string) (id, seq string) {
	t.Helper()
	rec := httptest.NewRecorder()
	r.fn.HTTP.ServeHTTP(rec, httptest.NewRequest("POST", "/verifications", strings.NewReader(`{"curp":"`+curp+`"}`)))
	var v struct{ ID string }
	if rec.Code != 202 || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
		t.Fatalf("POST = %d %s", rec.Code, rec.Body)
	}
	kept, err := r.store.Get(context.Background(), v.ID)
	if err != nil || len(kept.Attempts) != 1 {
		t.Fatalf("kept %+v, %v", kept, err)
	}
	return v.ID, kept.Attempts[0].Reference
}

// received keeps a TD push about seq, received at, as the webhooks
// function keeps one.
func (r *rig) received(t *testing.T, seq string, at time.Time) webhook.Event {
	t.Helper()
	body := []byte(`{"sequence_id":"` + seq + `","result":"OK","social_security_info":{"work_detail":[]}}`)
	e := webhook.Event{ID: webhook.IDOf("td", seq, "OK"), Provider: "td", Route: "td", Type: "OK", DedupeKey: seq + ":OK",
		Status: webhook.Received, ReceivedAt: at, ExpiresAt: at.Add(time.Hour), Auth: "test", Hint: true, Body: body}
	if _, err := r.events.Receive(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	r.images[e.ID] = e
	return e
}

func (r *rig) status(t *testing.T, id string) string {
	t.Helper()
	v, err := r.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return string(v.Status)
}

func (r *rig) event(t *testing.T, id string) webhook.Event {
	t.Helper()
	e, err := r.events.Event(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestStream: the stream offers a TD push; the verify function completes
// the verification and settles the event PROCESSED; offered again (a
// retried batch), it changes nothing. An event about no verification is
// settled with a note.
func TestStream(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	id, seq := r.start(t, people.Known[0].CURP)
	e := r.received(t, seq, time.Now())
	if err := r.fn.Stream(ctx, serve.Change{Name: "INSERT", Sequence: e.ID}); err != nil {
		t.Fatal(err)
	}
	if st, ev := r.status(t, id), r.event(t, e.ID); st != "COMPLETED" || ev.Status != webhook.Processed || ev.Attempts != 1 || ev.Note != "" {
		t.Fatalf("verification %s, event %+v", st, ev)
	}
	kept, _ := r.store.Get(ctx, id)
	if err := r.fn.Stream(ctx, serve.Change{Name: "INSERT", Sequence: e.ID}); err != nil {
		t.Fatal(err)
	}
	if again, _ := r.store.Get(ctx, id); again.Version != kept.Version || r.event(t, e.ID).Attempts != 1 {
		t.Errorf("offered twice: version %d → %d", kept.Version, again.Version)
	}
	stray := r.received(t, "1699272744735016I303341798930550", time.Now())
	if err := r.fn.Stream(ctx, serve.Change{Name: "INSERT", Sequence: stray.ID}); err != nil {
		t.Fatal(err)
	}
	if ev := r.event(t, stray.ID); ev.Status != webhook.Processed || !strings.Contains(ev.Note, "no verification") {
		t.Errorf("a stray push: %+v", ev)
	}
}

// TestStreamErased: an event erased (with its person) after the stream's
// record of it was written is settled as gone: the batch does not fail, so
// the stream does not offer it again.
func TestStreamErased(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	_, seq := r.start(t, people.Known[0].CURP)
	e := r.received(t, seq, time.Now())
	if n, err := r.events.Erase(ctx, []webhook.Event{e}); err != nil || n != 1 {
		t.Fatalf("Erase = %d, %v", n, err)
	}
	if err := r.fn.Stream(ctx, serve.Change{Name: "INSERT", Sequence: e.ID}); err != nil {
		t.Errorf("the erased event's record: %v", err)
	}
	if _, err := r.events.Event(ctx, e.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("the erased event is back: %v", err)
	}
}

// TestBackfill: events kept RECEIVED before the verify function was
// deployed, which the stream never offered, are taken by its schedule
// once they are older than the stream's turn; newer ones are left to the
// stream.
func TestBackfill(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	old, seqOld := r.start(t, people.Known[0].CURP)
	young, seqYoung := r.start(t, people.Known[1].CURP)
	before := r.received(t, seqOld, time.Now().Add(-time.Hour))
	recent := r.received(t, seqYoung, time.Now())
	if err := r.fn.Schedule(ctx, serve.Scheduled{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if st, ev := r.status(t, old), r.event(t, before.ID); st != "COMPLETED" || ev.Status != webhook.Processed {
		t.Errorf("the old event: verification %s, event %s", st, ev.Status)
	}
	if st, ev := r.status(t, young), r.event(t, recent.ID); st != "PENDING" || ev.Status != webhook.Received {
		t.Errorf("the recent event: verification %s, event %s", st, ev.Status)
	}
}

// TestEraseScheduled: a provider's deletion that fails is FAILED on the
// receipt, asked again by the schedule until it succeeds, and the receipt
// read again shows it; a deletion that ended is not asked again.
func TestEraseScheduled(t *testing.T) {
	sim := &palencasim.Server{APIKey: "k", Now: time.Now}
	srv := httptest.NewServer(http.StripPrefix("/v1", sim.Handler()))
	t.Cleanup(srv.Close)
	c := load(t, map[string]string{"VERIFY_PROVIDER_ORDER": "palenca", "PALENCA_API_URL": srv.URL + "/v1", "PALENCA_API_KEY": "k",
		"VERIFY_API_RETRIES": "0", "ERASURE_KEY": strings.Repeat("k", config.MinErasureKey)})
	store, events := stores(t)
	fn, err := c.Function(context.Background(), verify.Deps{Store: store, Events: events, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string) (int, string) {
		rec := httptest.NewRecorder()
		fn.HTTP.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec.Code, rec.Body.String()
	}
	curp := people.Known[0].CURP
	if status, b := do("POST", "/verifications", `{"curp":"`+curp+`"}`); status != 202 {
		t.Fatalf("POST = %d %s", status, b)
	}
	sim.FailDeletes.Store(1)
	status, b := do("DELETE", "/people/"+curp, "")
	var r struct {
		ID        string `json:"erasure_id"`
		Providers []struct{ Status string }
		Rounds    int `json:"provider_rounds"`
	}
	if status != 200 || json.Unmarshal([]byte(b), &r) != nil || len(r.Providers) != 2 || r.Providers[0].Status != "FAILED" ||
		r.Providers[1].Status != "DELETED" || r.Rounds != 1 {
		t.Fatalf("DELETE = %d %s", status, b)
	}
	for range 2 {
		if err := fn.Schedule(context.Background(), serve.Scheduled{Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	_, b = do("GET", "/erasures/"+r.ID, "")
	if !strings.Contains(b, `"providers":[{"provider":"palenca","reference":"`) || strings.Contains(b, "FAILED") || !strings.Contains(b, `"provider_rounds":2`) {
		t.Errorf("after the schedule: %s", b)
	}
}
