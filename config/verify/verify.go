// Package verify is the verify function as Lambda and the local stack both
// build it: its settings, their checks, its providers, and Function.
package verify

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/core/td"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/dynamo/verifytable"
	"github.com/tarjeta-dev/tarjeta/httpapi/verifyapi"
	"github.com/tarjeta-dev/tarjeta/metrics"
	"github.com/tarjeta-dev/tarjeta/providers/belvoapi"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
	"github.com/tarjeta-dev/tarjeta/providers/palencaapi"
	"github.com/tarjeta-dev/tarjeta/providers/tdapi"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// Config is the configuration of the verify function. A provider of
// VERIFY_PROVIDER_ORDER whose credential is unset (TD_PARTNER_KEY,
// PALENCA_API_KEY, BELVO_SECRET_ID) is left out of it; one whose credential
// is set needs its other settings too.
type Config struct {
	TDAPIURL      string `env:"TD_API_URL"`
	TDQueryURL    string `env:"TD_QUERY_URL"`
	TDPartnerCode string `env:"TD_PARTNER_CODE"`
	TDPartnerKey  string `env:"TD_PARTNER_KEY"`
	// In AWS each secret comes from Secrets Manager: the *_ARN settings
	// name the secrets, and win over the plain ones.
	TDPartnerKeyARN string        `env:"TD_PARTNER_KEY_ARN"`
	TDQueryWindow   time.Duration `env:"TD_QUERY_WINDOW, default=24h"`

	PalencaAPIURL    string `env:"PALENCA_API_URL"`
	PalencaAPIKey    string `env:"PALENCA_API_KEY"`
	PalencaAPIKeyARN string `env:"PALENCA_API_KEY_ARN"`
	PalencaWidgetID  string `env:"PALENCA_WIDGET_ID"`

	BelvoAPIURL         string `env:"BELVO_API_URL"`
	BelvoSecretID       string `env:"BELVO_SECRET_ID"`
	BelvoSecretPassword string `env:"BELVO_SECRET_PASSWORD"`
	// BelvoSecretARN names a JSON secret with secret_id and
	// secret_password.
	BelvoSecretARN   string `env:"BELVO_SECRET_ARN"`
	BelvoInstitution string `env:"BELVO_INSTITUTION, default=imss_mx_employment"`
	BelvoISSSTE      string `env:"BELVO_ISSSTE_INSTITUTION, default=issste_mx_employment"`

	ProviderOrder string        `env:"VERIFY_PROVIDER_ORDER, default=td,palenca,belvo"`
	PollAfter     time.Duration `env:"VERIFY_POLL_AFTER, default=2m"`
	Retention     time.Duration `env:"VERIFY_RETENTION, default=720h"`
	// How long each call to a provider may take, and how often one that is
	// safe to repeat (a query, a read) is retried.
	APITimeout time.Duration `env:"VERIFY_API_TIMEOUT, default=8s"`
	APIRetries int           `env:"VERIFY_API_RETRIES, default=2"`

	TableName string `env:"VERIFICATIONS_TABLE_NAME, default=tarjeta-verifications"`
	// The webhooks function's table, whose events this function settles.
	WebhooksTableName string `env:"WEBHOOKS_TABLE_NAME, default=tarjeta-webhooks"`
	MaxAttempts       int    `env:"WEBHOOK_MAX_ATTEMPTS, default=5"`

	config.Erasure
}

// Providers is every provider the function knows, in the default order.
var Providers = []string{td.Provider, palenca.Provider, belvo.Provider}

// Order is VERIFY_PROVIDER_ORDER, split.
func (c Config) Order() []string {
	var out []string
	for _, p := range strings.Split(c.ProviderOrder, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	order := c.Order()
	if len(order) == 0 {
		errs = append(errs, errors.New("VERIFY_PROVIDER_ORDER must name at least one of td, palenca, belvo"))
	}
	for i, p := range order {
		switch {
		case !slices.Contains(Providers, p):
			errs = append(errs, fmt.Errorf("VERIFY_PROVIDER_ORDER: %q is not one of td, palenca, belvo", p))
		case slices.Contains(order[:i], p):
			errs = append(errs, fmt.Errorf("VERIFY_PROVIDER_ORDER names %s twice", p))
		default:
			settings := c.settings(p)
			if settings[0].value == "" {
				continue // left out
			}
			for _, s := range settings[1:] {
				if s.value == "" {
					errs = append(errs, fmt.Errorf("%s is in VERIFY_PROVIDER_ORDER and %s is set: %s must be set too", p, settings[0].name, s.name))
				}
			}
		}
	}
	if c.TDQueryWindow <= 0 {
		errs = append(errs, errors.New("TD_QUERY_WINDOW must be positive"))
	}
	if c.PollAfter <= 0 {
		errs = append(errs, errors.New("VERIFY_POLL_AFTER must be positive"))
	}
	if c.Retention < 24*time.Hour {
		errs = append(errs, errors.New("VERIFY_RETENTION must be at least 24h: the daily guard counts a day of verifications"))
	}
	if c.APITimeout <= 0 || c.APITimeout > 10*time.Second {
		errs = append(errs, errors.New("VERIFY_API_TIMEOUT must be between 0 and 10s: a POST /verifications may try three providers within API Gateway's 29s"))
	}
	if c.APIRetries < 0 || c.APIRetries > 5 {
		errs = append(errs, errors.New("VERIFY_API_RETRIES must be from 0 to 5"))
	}
	if c.TableName == "" || c.WebhooksTableName == "" {
		errs = append(errs, errors.New("VERIFICATIONS_TABLE_NAME and WEBHOOKS_TABLE_NAME must not be empty"))
	}
	if c.MaxAttempts < 1 {
		errs = append(errs, errors.New("WEBHOOK_MAX_ATTEMPTS must be at least 1"))
	}
	errs = append(errs, c.Erasure.Validate())
	return errors.Join(errs...)
}

type setting struct{ name, value string }

// settings are what provider p needs set, its credential first: with the
// credential unset the provider is left out.
func (c Config) settings(p string) []setting {
	switch p {
	case td.Provider:
		return []setting{{"TD_PARTNER_KEY", c.TDPartnerKey}, {"TD_API_URL", c.TDAPIURL}, {"TD_QUERY_URL", c.TDQueryURL}, {"TD_PARTNER_CODE", c.TDPartnerCode}}
	case palenca.Provider:
		return []setting{{"PALENCA_API_KEY", c.PalencaAPIKey}, {"PALENCA_API_URL", c.PalencaAPIURL}}
	}
	return []setting{{"BELVO_SECRET_ID", c.BelvoSecretID}, {"BELVO_API_URL", c.BelvoAPIURL}, {"BELVO_SECRET_PASSWORD", c.BelvoSecretPassword}}
}

// Enabled is the failover order of the providers configured: those of
// VERIFY_PROVIDER_ORDER whose credential is set.
func (c Config) Enabled() []string {
	var out []string
	for _, p := range c.Order() {
		if slices.Contains(Providers, p) && c.settings(p)[0].value != "" {
			out = append(out, p)
		}
	}
	return out
}

// Secrets are the settings Secrets Manager fills in AWS.
func (c *Config) Secrets() []config.Secret {
	return []config.Secret{
		{Name: "TD_PARTNER_KEY", ARNName: "TD_PARTNER_KEY_ARN", ARN: c.TDPartnerKeyARN, Into: &c.TDPartnerKey},
		{Name: "PALENCA_API_KEY", ARNName: "PALENCA_API_KEY_ARN", ARN: c.PalencaAPIKeyARN, Into: &c.PalencaAPIKey},
		{Name: "BELVO_SECRET_ID", ARNName: "BELVO_SECRET_ARN", ARN: c.BelvoSecretARN, Key: "secret_id", Into: &c.BelvoSecretID},
		{Name: "BELVO_SECRET_PASSWORD", ARNName: "BELVO_SECRET_ARN", ARN: c.BelvoSecretARN, Key: "secret_password", Into: &c.BelvoSecretPassword},
		c.Erasure.Secret(),
	}
}

// Deps are what the verify function runs on besides its settings.
type Deps struct {
	Store verification.Store
	// Events are the webhooks function's events: those the stream offers
	// are settled in them, and the schedule backfills the ones the stream
	// never offered. Nil in the local stack, where the webhooks function
	// hands its events over itself.
	Events webhook.Store
	// People are the events a person's request reads (GET /people/{curp}):
	// Events when nil.
	People privacy.Events
	// Erasures keep the erasures' receipts and tombstones: Events when
	// nil.
	Erasures erasure.Records
	// Stream reads the event of a change of the webhooks table's stream.
	Stream func(c serve.Change) (e webhook.Event, ok bool, err error)
	// Backlog, when set, is measured by the follow-up: the age of the
	// oldest event still RECEIVED, of any provider, goes to the log (and
	// from it to the metric WebhookOldestReceivedAge).
	Backlog webhook.Backlog
	Log     *slog.Logger // nil logs nothing
	Now     func() time.Time
	// Secrets reads the secrets whose ARN is set (Function only).
	Secrets config.SecretReader
	HTTP    *http.Client // carries the provider calls; http.DefaultClient when nil
}

func (d Deps) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

// Service builds the verification service these settings describe.
func (c Config) Service(d Deps) (*verification.Service, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if d.Store == nil || d.Now == nil {
		return nil, errors.New("config: verify needs a store and a clock")
	}
	retries := c.APIRetries
	if retries == 0 {
		retries = -1
	}
	out := &outbound.Client{HTTP: d.HTTP, Timeout: c.APITimeout, Retries: retries, Log: d.log()}
	enabled := c.Enabled()
	if left := len(c.Order()) - len(enabled); left > 0 {
		d.log().Warn("startup: providers of VERIFY_PROVIDER_ORDER left out, their credential unset", "order", strings.Join(enabled, ","), "left_out", left)
	}
	if len(enabled) == 0 {
		d.log().Warn("startup: no verification provider is configured: POST /verifications answers 503 NO_PROVIDER_CONFIGURED")
	}
	providers := make(map[string]verification.Provider)
	for _, p := range enabled {
		switch p {
		case td.Provider:
			providers[p] = &tdapi.Client{RequestURL: c.TDAPIURL, QueryURL: c.TDQueryURL, PartnerCode: c.TDPartnerCode, PartnerKey: c.TDPartnerKey,
				QueryWindow: c.TDQueryWindow, Out: out}
		case palenca.Provider:
			providers[p] = &palencaapi.Client{BaseURL: strings.TrimRight(c.PalencaAPIURL, "/"), APIKey: c.PalencaAPIKey, WidgetID: c.PalencaWidgetID, Out: out}
		case belvo.Provider:
			providers[p] = &belvoapi.Client{BaseURL: strings.TrimRight(c.BelvoAPIURL, "/"), SecretID: c.BelvoSecretID, SecretPassword: c.BelvoSecretPassword,
				Institution: c.BelvoInstitution, ISSSTEInstitution: c.BelvoISSSTE, Out: out}
		}
	}
	return &verification.Service{
		Store: d.Store, Providers: providers, Order: enabled, PollAfter: c.PollAfter, Retention: c.Retention,
		Now: d.Now, Random: rand.Reader, Log: d.log(),
	}, nil
}

// Function builds the verify function: its API, the settling of the
// webhooks table's stream, and the follow-up schedule (the local stack's
// Tick).
func (c Config) Function(ctx context.Context, d Deps) (serve.Function, error) {
	if err := config.ReadSecrets(ctx, d.Secrets, c.Secrets()...); err != nil {
		return serve.Function{}, err
	}
	svc, err := c.Service(d)
	if err != nil {
		return serve.Function{}, err
	}
	return c.Serve(svc, d), nil
}

// Serve is Function over a service already built: the local stack hands
// the same service to the webhooks function, which gives it its events.
func (c Config) Serve(svc *verification.Service, d Deps) serve.Function {
	var events webhook.Store
	if d.Events != nil {
		// Every settling attempt, stream's or schedule's, logs its line.
		events = webhook.LogAttempts(d.Events, d.log())
	}
	pp, ok := people(d)
	var eraser *privacy.Service
	if ok {
		eraser = c.eraser(svc, d, pp)
	}
	followUp := func(ctx context.Context) error {
		if _, err := svc.FollowUp(ctx); err != nil {
			return err
		}
		if eraser != nil {
			n, err := eraser.Retry(ctx, retriedErasures)
			if err != nil {
				return err
			}
			if n > 0 {
				d.log().Info("erasures retried", "erasures", n)
			}
		}
		if events != nil {
			_, err := webhook.Drain(ctx, events, Providers, c.MaxAttempts, d.Now().Add(-webhook.BackfillAge), func(ctx context.Context, e webhook.Event) error {
				return webhook.Hand(ctx, events, svc, e)
			})
			if err != nil {
				return err
			}
		}
		return measureBacklog(ctx, d)
	}
	var erasures verifyapi.Erasures
	if eraser != nil {
		erasures = eraser
	}
	var access verifyapi.People
	if ok {
		access = pp
	}
	fn := serve.Function{
		HTTP:     verifyapi.Handler(svc, access, erasures, d.log(), d.Now),
		Paths:    []string{"/verifications", "/verifications/", "/people/", "/erasures/"},
		Schedule: func(ctx context.Context, _ serve.Scheduled) error { return followUp(ctx) },
		Tick:     followUp,
	}
	if d.Stream != nil && events != nil {
		fn.Stream = func(ctx context.Context, ch serve.Change) error {
			e, ok, err := d.Stream(ch)
			if err != nil || !ok || !slices.Contains(Providers, e.Provider) {
				return err
			}
			return webhook.Hand(ctx, events, svc, e)
		}
	}
	return fn
}

// retriedErasures bounds the receipts a follow-up asks the providers again
// for: each may wait on a provider's timeout.
const retriedErasures = 10

// people answers a person's requests over d's stores; ok is false when
// they cannot (a store that lists no person's data: never a real one).
func people(d Deps) (pp privacy.People, ok bool) {
	events := d.People
	if events == nil {
		events, _ = d.Events.(privacy.Events)
	}
	vs, ok := d.Store.(privacy.Verifications)
	if !ok || events == nil {
		return privacy.People{}, false
	}
	return privacy.People{Verifications: vs, Events: events}, true
}

// eraser erases people over pp, with the providers of svc that delete what
// we made there, or is nil when it cannot: no ERASURE_KEY, or stores that
// keep no erasure.
func (c Config) eraser(svc *verification.Service, d Deps, pp privacy.People) *privacy.Service {
	records := d.Erasures
	if records == nil {
		records, _ = d.Events.(erasure.Records)
	}
	if !c.Erasure.Set() || records == nil {
		return nil
	}
	erasers := make(map[string]erasure.Eraser)
	for name, p := range svc.Providers {
		if e, ok := p.(erasure.Eraser); ok {
			erasers[name] = e
		}
	}
	return &privacy.Service{
		People: pp, Records: records, Erasers: erasers, Hasher: erasure.Hasher{Key: []byte(c.Erasure.Key)},
		Now: d.Now, Random: rand.Reader,
	}
}

// Metrics are the figures of the verify function's log: verifications by
// provider and final status (and the FAILED ones alone), the notifications
// it settles by provider and status, and the age of the oldest event still
// RECEIVED.
var Metrics = []metrics.Rule{
	{Message: "verification finished", Metric: "Verifications", Dims: []metrics.Dim{{Name: "Provider", Attr: "provider"}, {Name: "Status", Attr: "status"}}},
	{Message: "verification finished", When: map[string]string{"status": "FAILED"}, Metric: "VerificationsFailed"},
	{Message: webhook.AttemptMessage, Metric: "WebhookEvents", Dims: []metrics.Dim{{Name: "Provider", Attr: "provider"}, {Name: "Status", Attr: "status"}}},
	{Message: "webhook backlog", Metric: "WebhookOldestReceivedAge", Value: "oldest_received_age_s", Unit: "Seconds"},
}

// measureBacklog logs how long the oldest event still RECEIVED has waited
// (0 when none has): silence would read as a stuck follow-up.
func measureBacklog(ctx context.Context, d Deps) error {
	if d.Backlog == nil {
		return nil
	}
	e, found, err := d.Backlog.Oldest(ctx, webhook.Filter{Status: webhook.Received})
	if err != nil {
		return fmt.Errorf("verify: webhook backlog: %w", err)
	}
	var age time.Duration
	attrs := []slog.Attr{}
	if found {
		age = max(d.Now().Sub(e.ReceivedAt), 0)
		attrs = append(attrs, slog.String("provider", e.Provider), slog.String("event_id", e.ID))
	}
	attrs = append(attrs, slog.Float64("oldest_received_age_s", age.Seconds()))
	d.log().LogAttrs(ctx, slog.LevelInfo, "webhook backlog", attrs...)
	return nil
}

// Lambda builds the function in AWS: settings from the environment,
// verifications and the webhooks' events on DynamoDB.
func Lambda(ctx context.Context, env serve.Env) (serve.Function, error) {
	if err := config.Required("VERIFICATIONS_TABLE_NAME", "WEBHOOKS_TABLE_NAME"); err != nil {
		return serve.Function{}, err
	}
	var c Config
	if err := config.Process(ctx, &c); err != nil {
		return serve.Function{}, err
	}
	db := dynamo.NewClient(env.AWS, "")
	// The table's connection opens while the function is built.
	wait := dynamo.Warm(ctx, db, c.TableName, dynamo.WarmLimit)
	defer wait()
	events := eventtable.New(db, c.WebhooksTableName)
	return c.Function(ctx, Deps{
		Store:   verifytable.New(db, c.TableName),
		Events:  events,
		Backlog: events,
		Stream:  eventtable.Inserted,
		Log:     metrics.Logger(env.Log, env.Name, Metrics),
		Now:     time.Now,
		Secrets: secretsmanager.NewFromConfig(env.AWS),
	})
}
