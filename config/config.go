// Package config holds the settings of the functions and the local stack, read
// from the environment, and turns them into the pieces they configure.
package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// Authorize is the configuration of the authorize function.
type Authorize struct {
	// Credentials is "apikey:apisecret[,...]"; CredentialsSecretARN names a
	// Secrets Manager secret holding the same text. One of them is required.
	Credentials          string        `env:"POMELO_API_CREDENTIALS"`
	CredentialsSecretARN string        `env:"POMELO_CREDENTIALS_SECRET_ARN"`
	Tolerance            time.Duration `env:"POMELO_SIGNATURE_TOLERANCE, default=60s"`
	BasePath             string        `env:"POMELO_ENDPOINT_BASE_PATH"`
	Deadline             time.Duration `env:"AUTHORIZATION_DEADLINE, default=1500ms"`
	Retention            time.Duration `env:"IDEMPOTENCY_RETENTION, default=24h"`
	TableName            string        `env:"TABLE_NAME, default=tarjeta-ledger"`
}

// Validate reports settings that cannot work.
func (c Authorize) Validate() error {
	var errs []error
	if c.Tolerance <= 0 {
		errs = append(errs, errors.New("POMELO_SIGNATURE_TOLERANCE must be positive"))
	}
	if c.Deadline <= 0 || c.Deadline > 25*time.Second {
		errs = append(errs, errors.New("AUTHORIZATION_DEADLINE must be between 0 and 25s"))
	}
	if c.Retention < idempotency.DefaultRetention {
		errs = append(errs, fmt.Errorf("IDEMPOTENCY_RETENTION must be at least %s: Pomelo may retry for that long", idempotency.DefaultRetention))
	}
	if c.TableName == "" {
		errs = append(errs, errors.New("TABLE_NAME must not be empty"))
	}
	return errors.Join(errs...)
}

// SecretReader reads a secret from Secrets Manager.
type SecretReader interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Keyring returns the Pomelo keys: from Secrets Manager when
// CredentialsSecretARN is set (sm is then required), else from Credentials.
func (c Authorize) Keyring(ctx context.Context, sm SecretReader) (*signature.Keyring, error) {
	return readKeyring(ctx, sm, c.Credentials, c.CredentialsSecretARN)
}

func readKeyring(ctx context.Context, sm SecretReader, credentials, arn string) (*signature.Keyring, error) {
	text := credentials
	if arn != "" {
		if sm == nil {
			return nil, errors.New("config: POMELO_CREDENTIALS_SECRET_ARN is set but Secrets Manager is not available")
		}
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
		if err != nil {
			return nil, fmt.Errorf("config: read POMELO_CREDENTIALS_SECRET_ARN: %w", err)
		}
		if out.SecretString == nil {
			return nil, errors.New("config: POMELO_CREDENTIALS_SECRET_ARN holds no secret string")
		}
		text = *out.SecretString
	}
	if text == "" {
		return nil, errors.New("config: set POMELO_API_CREDENTIALS or POMELO_CREDENTIALS_SECRET_ARN")
	}
	k, err := signature.ParseCredentials(text)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return k, nil
}

// AuthorizeStore is the store the authorize function keeps its ledger and
// idempotency records in.
type AuthorizeStore interface {
	authorization.Store
	httpapi.Statements
}

// AuthorizeDeps are what the authorize function runs on besides its settings.
type AuthorizeDeps struct {
	Store   AuthorizeStore
	Secrets SecretReader // needed when CredentialsSecretARN is set
	Log     *slog.Logger
	Now     func() time.Time // time.Now when nil
}

// Handler returns the authorize function as both Lambda and the local stack
// serve it: the settings checked, the Pomelo keys read, the service over
// d.Store and its routes behind the request log.
func (c Authorize) Handler(ctx context.Context, d AuthorizeDeps) (http.Handler, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	keys, err := c.Keyring(ctx, d.Secrets)
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	svc := authorization.New(authorization.Config{
		Verifier: c.Verifier(keys), Store: d.Store, Now: d.Now, Deadline: c.Deadline, Retention: c.Retention,
	})
	return httpapi.Authorize(svc, d.Store, d.Log, d.Now), nil
}

// Verifier returns the signature verifier these settings describe.
func (c Authorize) Verifier(keys *signature.Keyring) signature.Verifier {
	return signature.Verifier{Keys: keys, Tolerance: c.Tolerance, BasePath: c.BasePath}
}
