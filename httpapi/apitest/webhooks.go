package apitest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// The webhook credentials of the tests.
const (
	TDPartnerCode      = "demo_partner"
	TDAccessKey        = "ak_1234567890"
	TDAccessSecret     = "td-access-secret-demo"
	BelvoAuthorization = "Bearer belvo-test-value"
	PalencaSecret      = "palenca-test-secret"
)

// WebhookSettings returns the webhooks function's settings for tests: every
// provider configured, and Pomelo's API at apiURL.
func WebhookSettings(apiURL string) webhooks.Config {
	return webhooks.Config{
		Pomelo:        config.Pomelo{Credentials: APIKey + ":" + APISecret, Tolerance: time.Minute},
		TDPartnerCode: TDPartnerCode, TDAccessKey: TDAccessKey, TDAccessSecret: TDAccessSecret, TDTolerance: 10 * time.Minute,
		BelvoAuthorization: BelvoAuthorization, PalencaSecret: PalencaSecret, PalencaHeader: palenca.DefaultHeader,
		PomeloAPIBaseURL: apiURL, PomeloClientID: "client", PomeloSecret: "secret", PomeloAudience: "audience",
		PomeloAPITimeout: 5 * time.Second, PomeloAPIRetries: 2, TableName: "unused", Retention: 2160 * time.Hour, MaxAttempts: 3,
	}
}

// WebhookStack is the webhooks function behind an HTTP test server, with
// the providers' simulator as its client and Pomelo's API simulated.
type WebhookStack struct {
	URL       string
	Store     webhook.Store
	Sender    *webhooksim.Sender
	Function  serve.Function
	PomeloAPI *pomelosim.API
	Logs      *LogBuffer
}

// NewWebhooks starts the webhooks function over store with settings c
// (WebhookSettings when nil; its Pomelo API is the simulator's); edit
// changes its dependencies first.
func NewWebhooks(t testing.TB, store webhook.Store, c *webhooks.Config, edit ...func(*webhooks.Deps)) *WebhookStack {
	t.Helper()
	api := &pomelosim.API{ClientID: "client", ClientSecret: "secret", Audience: "audience"}
	apiServer := httptest.NewServer(api)
	t.Cleanup(apiServer.Close)
	settings := WebhookSettings(apiServer.URL)
	if c != nil {
		settings = *c
	}
	logs := &LogBuffer{}
	deps := webhooks.Deps{Store: store, Log: slog.New(slog.NewJSONHandler(logs, nil)), Now: time.Now}
	for _, e := range edit {
		e(&deps)
	}
	fn, err := settings.Function(context.Background(), deps)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(fn.HTTP)
	t.Cleanup(ts.Close)
	secret, _ := base64.StdEncoding.DecodeString(APISecret)
	return &WebhookStack{
		URL: ts.URL, Store: store, Function: fn, PomeloAPI: api, Logs: logs,
		Sender: &webhooksim.Sender{
			BaseURL: ts.URL, HTTP: ts.Client(), PomeloAPIKey: APIKey, PomeloSecret: secret,
			TDPartnerCode: settings.TDPartnerCode, TDAccessKey: settings.TDAccessKey, TDAccessSecret: settings.TDAccessSecret,
			BelvoAuthorization: settings.BelvoAuthorization, PalencaSecret: settings.PalencaSecret, PalencaHeader: settings.PalencaHeader,
		},
	}
}

// Drain processes every event with processing left, as the local stack's
// loop does.
func (s *WebhookStack) Drain(t testing.TB) {
	t.Helper()
	if err := s.Function.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// ListedEvent is an event as GET /webhooks/events lists it.
type ListedEvent struct {
	ID         string  `json:"id"`
	Provider   string  `json:"provider"`
	Type       string  `json:"type"`
	DedupeKey  string  `json:"dedupe_key"`
	Status     string  `json:"status"`
	ReceivedAt string  `json:"received_at"`
	Attempts   int     `json:"attempts"`
	LastError  *string `json:"last_error"`
	Note       *string `json:"note"`
}

// EventPage is the answer of GET /webhooks/events.
type EventPage struct {
	Events     []ListedEvent `json:"events"`
	NextCursor *string       `json:"next_cursor"`
}

// Events gets /webhooks/events with query.
func (s *WebhookStack) Events(t testing.TB, query string) (int, EventPage) {
	t.Helper()
	res, err := http.Get(s.URL + "/webhooks/events" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var page EventPage
	if res.StatusCode == 200 {
		if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode, page
}
