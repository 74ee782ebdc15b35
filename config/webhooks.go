package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/td"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/httpapi"
	"github.com/tarjeta-dev/tarjeta/pomeloapi"
)

// Webhooks is the configuration of the webhooks function. A provider whose
// credential is unset has its route refuse every delivery with 401, except
// Palenca, whose unsigned notifications are kept as hints.
type Webhooks struct {
	// Pomelo's keys, as for the authorize function.
	Credentials          string        `env:"POMELO_API_CREDENTIALS"`
	CredentialsSecretARN string        `env:"POMELO_CREDENTIALS_SECRET_ARN"`
	Tolerance            time.Duration `env:"POMELO_SIGNATURE_TOLERANCE, default=60s"`
	BasePath             string        `env:"POMELO_ENDPOINT_BASE_PATH"`

	TDPartnerCode  string        `env:"TD_PARTNER_CODE"`
	TDAccessKey    string        `env:"TD_ACCESS_KEY"`
	TDAccessSecret string        `env:"TD_ACCESS_SECRET"`
	TDTolerance    time.Duration `env:"TD_SIGNATURE_TOLERANCE, default=10m"`

	BelvoAuthorization string `env:"BELVO_WEBHOOK_AUTHORIZATION"`

	PalencaSecret string `env:"PALENCA_WEBHOOK_SECRET"`
	PalencaHeader string `env:"PALENCA_SIGNATURE_HEADER, default=X-Palenca-Signature"`

	// Pomelo's API, for the shipments that shipping updates hint at.
	PomeloAPIBaseURL string `env:"POMELO_API_BASE_URL"`
	PomeloClientID   string `env:"POMELO_CLIENT_ID"`
	PomeloSecret     string `env:"POMELO_CLIENT_SECRET"`
	PomeloAudience   string `env:"POMELO_AUDIENCE"`
	PomeloTokenPath  string `env:"POMELO_TOKEN_PATH, default=/oauth/token"`

	TableName   string `env:"WEBHOOKS_TABLE_NAME, default=tarjeta-webhooks"`
	MaxAttempts int    `env:"WEBHOOK_MAX_ATTEMPTS, default=5"`
}

// Validate reports settings that cannot work.
func (c Webhooks) Validate() error {
	var errs []error
	if c.Tolerance <= 0 {
		errs = append(errs, errors.New("POMELO_SIGNATURE_TOLERANCE must be positive"))
	}
	if c.TDTolerance <= 0 {
		errs = append(errs, errors.New("TD_SIGNATURE_TOLERANCE must be positive"))
	}
	if _, err := c.tdKeys(); err != nil {
		errs = append(errs, err)
	}
	if _, err := credentials("BELVO_WEBHOOK_AUTHORIZATION", c.BelvoAuthorization); err != nil {
		errs = append(errs, err)
	}
	if _, err := credentials("PALENCA_WEBHOOK_SECRET", c.PalencaSecret); err != nil {
		errs = append(errs, err)
	}
	if c.PalencaHeader == "" {
		errs = append(errs, errors.New("PALENCA_SIGNATURE_HEADER must not be empty"))
	}
	if c.TableName == "" {
		errs = append(errs, errors.New("WEBHOOKS_TABLE_NAME must not be empty"))
	}
	if c.MaxAttempts < 1 {
		errs = append(errs, errors.New("WEBHOOK_MAX_ATTEMPTS must be at least 1"))
	}
	return errors.Join(errs...)
}

// credentials splits a setting that may hold several values, for rotation.
func credentials(name, setting string) ([]string, error) {
	v, err := inbound.SplitCredentials(setting)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

func (c Webhooks) tdKeys() ([]td.Key, error) {
	keys, err := credentials("TD_ACCESS_KEY", c.TDAccessKey)
	if err != nil {
		return nil, err
	}
	secrets, err := credentials("TD_ACCESS_SECRET", c.TDAccessSecret)
	if err != nil || len(keys) == 0 && len(secrets) == 0 {
		return nil, err
	}
	pairs, err := td.Keys(keys, secrets)
	if err != nil {
		return nil, fmt.Errorf("TD_ACCESS_KEY and TD_ACCESS_SECRET: %w", err)
	}
	return pairs, nil
}

// WebhooksDeps are what the webhooks function runs on besides its settings.
type WebhooksDeps struct {
	Store   webhook.Store
	Secrets SecretReader // needed when CredentialsSecretARN is set
	Log     *slog.Logger
	Now     func() time.Time // time.Now when nil
	HTTP    *http.Client     // for Pomelo's API; http.DefaultClient when nil
}

// WebhooksFunction is the webhooks function as both Lambda and the local stack run
// it: the handler of its routes and the processor of its events.
type WebhooksFunction struct {
	Handler   http.Handler
	Processor *webhook.Processor
}

// Function builds the webhooks function over d.Store.
func (c Webhooks) Function(ctx context.Context, d WebhooksDeps) (WebhooksFunction, error) {
	if err := c.Validate(); err != nil {
		return WebhooksFunction{}, fmt.Errorf("config: %w", err)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	routes, err := c.Routes(ctx, d)
	if err != nil {
		return WebhooksFunction{}, err
	}
	p := &webhook.Processor{Store: d.Store, Routes: routes}
	recv := webhook.NewReceiver(d.Store, d.Now)
	return WebhooksFunction{Handler: httpapi.Webhooks(recv, routes, d.Store, d.Log, d.Now), Processor: p}, nil
}

// Routes is the table of webhook routes these settings describe: one row
// per route, each provider's parts from its own package. A provider whose
// credential is unset keeps its row, refusing every delivery.
func (c Webhooks) Routes(ctx context.Context, d WebhooksDeps) (webhook.Routes, error) {
	tdKeys, _ := c.tdKeys()
	belvoValues, _ := credentials("BELVO_WEBHOOK_AUTHORIZATION", c.BelvoAuthorization)
	palencaSecrets, _ := credentials("PALENCA_WEBHOOK_SECRET", c.PalencaSecret)
	var pomeloScheme webhook.Scheme
	if c.Credentials != "" || c.CredentialsSecretARN != "" {
		keys, err := readKeyring(ctx, d.Secrets, c.Credentials, c.CredentialsSecretARN)
		if err != nil {
			return nil, err
		}
		pomeloScheme = pomelo.Scheme{Verifier: signature.Verifier{Keys: keys, Tolerance: c.Tolerance, BasePath: c.BasePath}}
	}
	shipments := pomelo.ShipmentKeeper{Now: d.Now}
	if c.PomeloAPIBaseURL != "" {
		shipments.API = &pomeloapi.Client{
			BaseURL: c.PomeloAPIBaseURL, ClientID: c.PomeloClientID, ClientSecret: c.PomeloSecret,
			Audience: c.PomeloAudience, TokenPath: c.PomeloTokenPath, HTTP: d.HTTP, Now: d.Now,
		}
	}
	palencaScheme := palenca.Scheme{Secrets: palencaSecrets, Header: c.PalencaHeader}
	return webhook.Routes{
		{Name: "pomelo/shipping/updates", Provider: pomelo.Provider, Scheme: pomeloScheme, Namer: pomelo.NameShipping,
			Replies: pomelo.Replies, Keep: shipments.Keep, Once: pomelo.SignedHeaders},
		{Name: "pomelo/activities", Provider: pomelo.Provider, Scheme: pomeloScheme, Namer: pomelo.NameActivity,
			Replies: pomelo.Replies, Keep: pomelo.KeepActivity, Once: pomelo.SignedHeaders},
		{Name: "pomelo/identity", Provider: pomelo.Provider, Scheme: pomeloScheme, Namer: pomelo.NameIdentity,
			Replies: pomelo.Replies, Keep: pomelo.KeepIdentity, Once: pomelo.SignedHeaders},
		{Name: "td", Provider: td.Provider, Scheme: td.Scheme{PartnerCode: c.TDPartnerCode, Keys: tdKeys, Tolerance: c.TDTolerance},
			Namer: td.Name, Replies: td.Replies{}},
		{Name: "belvo", Provider: belvo.Provider, Scheme: belvo.Scheme{Authorizations: belvoValues}, Namer: belvo.Name,
			Replies: belvo.Replies, Once: []string{belvo.HeaderAuthorization}},
		{Name: "palenca", Provider: palenca.Provider, Scheme: palencaScheme, Namer: palenca.Name,
			Replies: palenca.Replies, Once: []string{palencaScheme.HeaderName()}},
	}, nil
}
