// Package webhooks is the webhooks function as Lambda and the local stack
// both build it: its settings, their checks, the table of its routes, and
// Function.
package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature/diagnosis"
	"github.com/tarjeta-dev/tarjeta/core/td"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/httpapi/webhooksapi"
	"github.com/tarjeta-dev/tarjeta/metrics"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
	"github.com/tarjeta-dev/tarjeta/providers/pomeloapi"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// Config is the configuration of the webhooks function. A provider whose
// credential is unset has its route refuse every delivery with 401, except
// Palenca when PALENCA_UNSIGNED_HINTS accepts its unsigned notifications as
// hints.
type Config struct {
	// Pomelo's keys, as for the authorize function.
	config.Pomelo

	TDPartnerCode  string `env:"TD_PARTNER_CODE"`
	TDAccessKey    string `env:"TD_ACCESS_KEY"`
	TDAccessSecret string `env:"TD_ACCESS_SECRET"`
	// In AWS each secret comes from Secrets Manager: the *_ARN settings
	// name the secrets, and win over the plain ones.
	TDAccessSecretARN string        `env:"TD_ACCESS_SECRET_ARN"`
	TDTolerance       time.Duration `env:"TD_SIGNATURE_TOLERANCE, default=10m"`

	BelvoAuthorization    string `env:"BELVO_WEBHOOK_AUTHORIZATION"`
	BelvoAuthorizationARN string `env:"BELVO_WEBHOOK_AUTHORIZATION_ARN"`

	PalencaSecret    string `env:"PALENCA_WEBHOOK_SECRET"`
	PalencaSecretARN string `env:"PALENCA_WEBHOOK_SECRET_ARN"`
	PalencaHeader    string `env:"PALENCA_SIGNATURE_HEADER, default=X-Palenca-Signature"`
	// PalencaUnsignedHints accepts Palenca's notifications unsigned when no
	// secret is set: each is an unauthenticated hint, kept a day and
	// believed only through Palenca's API.
	PalencaUnsignedHints bool `env:"PALENCA_UNSIGNED_HINTS, default=false"`

	// Pomelo's API, for the shipments that shipping updates hint at.
	PomeloAPIBaseURL string `env:"POMELO_API_BASE_URL"`
	PomeloClientID   string `env:"POMELO_CLIENT_ID"`
	PomeloSecret     string `env:"POMELO_CLIENT_SECRET"`
	PomeloAudience   string `env:"POMELO_AUDIENCE"`
	// PomeloClientARN names a JSON secret with client_id, client_secret
	// and audience.
	PomeloClientARN string `env:"POMELO_CLIENT_CREDENTIALS_ARN"`
	PomeloTokenPath string `env:"POMELO_TOKEN_PATH, default=/oauth/token"`
	// How long each call to Pomelo's API may take, and how often a call
	// that is safe to repeat is retried.
	PomeloAPITimeout time.Duration `env:"POMELO_API_TIMEOUT, default=5s"`
	PomeloAPIRetries int           `env:"POMELO_API_RETRIES, default=2"`

	TableName string `env:"WEBHOOKS_TABLE_NAME, default=tarjeta-webhooks"`
	// Retention is how long events are kept: DynamoDB's TTL removes them
	// after, the embedded store compacts them away when it opens.
	Retention   time.Duration `env:"WEBHOOK_RETENTION, default=2160h"`
	MaxAttempts int           `env:"WEBHOOK_MAX_ATTEMPTS, default=5"`

	// The verify function's erasure key: a TD, Belvo or Palenca push
	// naming a reference of an erased person is dropped.
	config.Erasure
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	errs := []error{c.Pomelo.Validate()}
	if c.PomeloAPITimeout <= 0 || c.PomeloAPITimeout > 25*time.Second {
		errs = append(errs, errors.New("POMELO_API_TIMEOUT must be between 0 and 25s: the stream's batch has 30s"))
	}
	if c.PomeloAPIRetries < 0 || c.PomeloAPIRetries > 5 {
		errs = append(errs, errors.New("POMELO_API_RETRIES must be from 0 to 5"))
	}
	if c.TDTolerance <= 0 {
		errs = append(errs, errors.New("TD_SIGNATURE_TOLERANCE must be positive"))
	}
	if _, err := c.credentials(); err != nil {
		errs = append(errs, err)
	}
	if c.PalencaHeader == "" {
		errs = append(errs, errors.New("PALENCA_SIGNATURE_HEADER must not be empty"))
	}
	if c.TableName == "" {
		errs = append(errs, errors.New("WEBHOOKS_TABLE_NAME must not be empty"))
	}
	if c.Retention < 24*time.Hour {
		errs = append(errs, errors.New("WEBHOOK_RETENTION must be at least 24h: providers retry for hours, and a duplicate after it would be kept again"))
	}
	if c.MaxAttempts < 1 {
		errs = append(errs, errors.New("WEBHOOK_MAX_ATTEMPTS must be at least 1"))
	}
	errs = append(errs, c.Erasure.Validate())
	return errors.Join(errs...)
}

// Secrets are the settings Secrets Manager fills in AWS.
func (c *Config) Secrets() []config.Secret {
	return []config.Secret{
		c.Pomelo.Secret(),
		{Name: "TD_ACCESS_SECRET", ARNName: "TD_ACCESS_SECRET_ARN", ARN: c.TDAccessSecretARN, Into: &c.TDAccessSecret},
		{Name: "BELVO_WEBHOOK_AUTHORIZATION", ARNName: "BELVO_WEBHOOK_AUTHORIZATION_ARN", ARN: c.BelvoAuthorizationARN, Into: &c.BelvoAuthorization},
		{Name: "PALENCA_WEBHOOK_SECRET", ARNName: "PALENCA_WEBHOOK_SECRET_ARN", ARN: c.PalencaSecretARN, Into: &c.PalencaSecret},
		{Name: "POMELO_CLIENT_ID", ARNName: "POMELO_CLIENT_CREDENTIALS_ARN", ARN: c.PomeloClientARN, Key: "client_id", Into: &c.PomeloClientID},
		{Name: "POMELO_CLIENT_SECRET", ARNName: "POMELO_CLIENT_CREDENTIALS_ARN", ARN: c.PomeloClientARN, Key: "client_secret", Into: &c.PomeloSecret},
		{Name: "POMELO_AUDIENCE", ARNName: "POMELO_CLIENT_CREDENTIALS_ARN", ARN: c.PomeloClientARN, Key: "audience", Into: &c.PomeloAudience},
		c.Erasure.Secret(),
	}
}

// keys are the providers' credentials, each setting split into the values
// it holds for rotation.
type keys struct {
	td             []td.Key
	belvo, palenca []string
}

// credentials splits the credential settings.
func (c Config) credentials() (keys, error) {
	var (
		k               keys
		tdKeys, secrets []string
		errs            []error
	)
	for _, s := range []struct {
		name, setting string
		dst           *[]string
	}{
		{"TD_ACCESS_KEY", c.TDAccessKey, &tdKeys},
		{"TD_ACCESS_SECRET", c.TDAccessSecret, &secrets},
		{"BELVO_WEBHOOK_AUTHORIZATION", c.BelvoAuthorization, &k.belvo},
		{"PALENCA_WEBHOOK_SECRET", c.PalencaSecret, &k.palenca},
	} {
		v, err := inbound.SplitCredentials(s.setting)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
		}
		*s.dst = v
	}
	if len(tdKeys) > 0 || len(secrets) > 0 {
		pairs, err := td.Keys(tdKeys, secrets)
		if err != nil {
			errs = append(errs, fmt.Errorf("TD_ACCESS_KEY and TD_ACCESS_SECRET: %w", err))
		}
		k.td = pairs
	}
	return k, errors.Join(errs...)
}

// erasureMarks are the marks of the references erased (the verify
// function's erasures).
type erasureMarks interface {
	Gone(ctx context.Context, keys []string) (bool, error)
}

// erased reports whether a notification's subjects name an erased
// reference: one read of marks, however many subjects.
func erased(marks erasureMarks, h erasure.Hasher) webhook.Erased {
	return func(ctx context.Context, subjects []string) (bool, error) {
		keys := make([]string, len(subjects))
		for i, s := range subjects {
			keys[i] = h.Gone(s)
		}
		return marks.Gone(ctx, keys)
	}
}

// Deps are what the webhooks function runs on besides its settings.
type Deps struct {
	Store   webhook.Store
	Secrets config.SecretReader // needed when a secret's ARN is set
	Log     *slog.Logger
	Now     func() time.Time
	HTTP    *http.Client // carries outbound calls; http.DefaultClient when nil
	// Handoff takes the events of the routes without a Keep (TD, Belvo,
	// Palenca); nil leaves them RECEIVED.
	Handoff webhook.Handoff
	// Stream reads the event of a change of the store's stream: ok is false
	// for a change that is not a new event. Nil in the local stack, which
	// has no stream.
	Stream func(c serve.Change) (e webhook.Event, ok bool, err error)
}

// Function builds the webhooks function over d.Store: its routes, their
// processing from the store's stream, and locally the processing loop's
// step (Tick).
func (c Config) Function(ctx context.Context, d Deps) (serve.Function, error) {
	if err := config.ReadSecrets(ctx, d.Secrets, c.Secrets()...); err != nil {
		return serve.Function{}, err
	}
	if err := c.Validate(); err != nil {
		return serve.Function{}, fmt.Errorf("config: %w", err)
	}
	if d.Store == nil || d.Now == nil {
		return serve.Function{}, errors.New("config: webhooks needs a store and a clock")
	}
	routes, err := c.Routes(ctx, d)
	if err != nil {
		return serve.Function{}, err
	}
	// Every processing attempt, whichever path takes it, logs its line.
	store := webhook.LogAttempts(d.Store, d.Log)
	p := &webhook.Processor{Store: store, Routes: routes, Handoff: d.Handoff}
	receiver := webhook.NewReceiver(d.Store, d.Now, c.Retention)
	if c.Erasure.Set() {
		marks, ok := d.Store.(erasureMarks)
		if !ok {
			return serve.Function{}, fmt.Errorf("config: the events store %T keeps no erasure", d.Store)
		}
		receiver.DropErased(erased(marks, erasure.Hasher{Key: []byte(c.Erasure.Key)}))
	}
	fn := serve.Function{
		HTTP:  webhooksapi.Handler(receiver, routes, d.Store, d.Log, d.Now),
		Paths: []string{"/webhooks/"},
		Tick: func(ctx context.Context) error {
			_, err := webhook.Drain(ctx, store, p.Providers(), c.MaxAttempts, time.Time{}, p.Process)
			return err
		},
	}
	if d.Stream != nil {
		// The stream offers each new event; what its retries left FAILED,
		// or it never offered, the schedule offers again, while the event
		// has fewer than WEBHOOK_MAX_ATTEMPTS attempts.
		fn.Schedule = func(ctx context.Context, _ serve.Scheduled) error {
			_, err := webhook.Drain(ctx, store, p.Providers(), c.MaxAttempts, d.Now().Add(-webhook.BackfillAge), p.Process)
			return err
		}
		fn.Stream = func(ctx context.Context, ch serve.Change) error {
			e, ok, err := d.Stream(ch)
			if err != nil || !ok {
				return err
			}
			return p.Process(ctx, e)
		}
	}
	return fn, nil
}

// Metrics are the figures of the webhooks function's log: events by
// provider and status, as kept (RECEIVED, DUPLICATE) and as processed
// (PROCESSED, FAILED).
var Metrics = []metrics.Rule{
	{Message: "request", When: map[string]string{"outcome": "received"}, Metric: "WebhookEvents",
		Dims: []metrics.Dim{{Name: "Provider", Attr: "provider"}, {Name: "Status", Value: "RECEIVED"}}},
	{Message: "request", When: map[string]string{"outcome": "replayed"}, Metric: "WebhookEvents",
		Dims: []metrics.Dim{{Name: "Provider", Attr: "provider"}, {Name: "Status", Value: "DUPLICATE"}}},
	{Message: webhook.AttemptMessage, Metric: "WebhookEvents", Dims: []metrics.Dim{{Name: "Provider", Attr: "provider"}, {Name: "Status", Attr: "status"}}},
}

// Lambda builds the function in AWS: settings from the environment, the
// events on DynamoDB (its stream feeding the processor), the Pomelo keys
// from Secrets Manager.
func Lambda(ctx context.Context, env serve.Env) (serve.Function, error) {
	if err := config.Required("WEBHOOKS_TABLE_NAME"); err != nil {
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
	return c.Function(ctx, Deps{
		Store:   eventtable.New(db, c.TableName),
		Stream:  eventtable.Inserted,
		Secrets: secretsmanager.NewFromConfig(env.AWS),
		Log:     metrics.Logger(env.Log, env.Name, Metrics),
		Now:     time.Now,
	})
}

// Routes is the table of webhook routes these settings describe: one row
// per route, each provider's parts from its own package. A provider whose
// credential is unset keeps its row, refusing every delivery.
func (c Config) Routes(ctx context.Context, d Deps) (webhook.Routes, error) {
	k, err := c.credentials()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var pomeloScheme webhook.Scheme
	if c.Pomelo.Set() {
		keys, err := c.Keyring()
		if err != nil {
			return nil, err
		}
		pomeloScheme = explained{pomelo.Scheme{Verifier: c.Verifier(keys)}, diagnosis.ParsePairs(c.Credentials)}
	}
	shipments := pomelo.ShipmentKeeper{Now: d.Now}
	if c.PomeloAPIBaseURL != "" {
		shipments.API = &pomeloapi.Client{
			BaseURL: c.PomeloAPIBaseURL, ClientID: c.PomeloClientID, ClientSecret: c.PomeloSecret,
			Audience: c.PomeloAudience, TokenPath: c.PomeloTokenPath, Now: d.Now,
			Out: &outbound.Client{HTTP: d.HTTP, Timeout: c.PomeloAPITimeout, Retries: retries(c.PomeloAPIRetries), Log: d.Log},
		}
	}
	palencaScheme := palenca.Scheme{Secrets: k.palenca, Header: c.PalencaHeader, Unsigned: c.PalencaUnsignedHints}
	sources := c.Sources(d.Log)
	return webhook.Routes{
		{Name: "pomelo/shipping/updates", Provider: pomelo.Provider, Scheme: pomeloScheme, Namer: pomelo.NameShipping,
			Replies: pomelo.Replies, Keep: shipments.Keep, Once: pomelo.SignedHeaders, Sources: sources},
		{Name: "pomelo/activities", Provider: pomelo.Provider, Scheme: pomeloScheme, Namer: pomelo.NameActivity,
			Replies: pomelo.Replies, Keep: pomelo.KeepActivity, Once: pomelo.SignedHeaders, Sources: sources},
		{Name: "pomelo/identity", Provider: pomelo.Provider, Scheme: pomeloScheme, Namer: pomelo.NameIdentity,
			Replies: pomelo.Replies, Keep: pomelo.KeepIdentity, Once: pomelo.SignedHeaders, Sources: sources},
		{Name: "td", Provider: td.Provider, Scheme: td.Scheme{PartnerCode: c.TDPartnerCode, Keys: k.td, Tolerance: c.TDTolerance},
			Namer: td.Name, Replies: td.Replies{}},
		{Name: "belvo", Provider: belvo.Provider, Scheme: belvo.Scheme{Authorizations: k.belvo}, Namer: belvo.Name,
			Replies: belvo.Replies, Once: []string{belvo.HeaderAuthorization}, Secret: belvo.HeaderAuthorization},
		{Name: "palenca", Provider: palenca.Provider, Scheme: palencaScheme, Namer: palenca.Name,
			Replies: palenca.Replies, Once: []string{palencaScheme.HeaderName()}},
	}, nil
}

// retries is a retries setting as outbound.Client takes it, where zero is
// the default.
func retries(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
