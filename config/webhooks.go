package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
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
	schemes := map[webhook.Route]webhook.Scheme{
		webhook.PalencaRoute: webhook.PalencaScheme{Secret: c.PalencaSecret, Header: c.PalencaHeader},
		webhook.TDPush: webhook.TDScheme{
			PartnerCode: c.TDPartnerCode, AccessKey: c.TDAccessKey, AccessSecret: c.TDAccessSecret, Tolerance: c.TDTolerance,
		},
		webhook.BelvoRoute: webhook.BelvoScheme{Authorization: c.BelvoAuthorization},
	}
	if c.Credentials != "" || c.CredentialsSecretARN != "" {
		keys, err := readKeyring(ctx, d.Secrets, c.Credentials, c.CredentialsSecretARN)
		if err != nil {
			return WebhooksFunction{}, err
		}
		pomelo := webhook.PomeloScheme{Verifier: signature.Verifier{Keys: keys, Tolerance: c.Tolerance, BasePath: c.BasePath}}
		for _, r := range []webhook.Route{webhook.PomeloShipping, webhook.PomeloActivities, webhook.PomeloIdentity} {
			schemes[r] = pomelo
		}
	}
	p := &webhook.Processor{Store: d.Store, Now: d.Now}
	if c.PomeloAPIBaseURL != "" {
		p.Shipments = &pomeloapi.Client{
			BaseURL: c.PomeloAPIBaseURL, ClientID: c.PomeloClientID, ClientSecret: c.PomeloSecret,
			Audience: c.PomeloAudience, TokenPath: c.PomeloTokenPath, HTTP: d.HTTP, Now: d.Now,
		}
	}
	recv := webhook.NewReceiver(schemes, d.Store, d.Now)
	return WebhooksFunction{Handler: httpapi.Webhooks(recv, d.Store, d.Log, d.Now), Processor: p}, nil
}
