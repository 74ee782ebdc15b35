// Package authorize is the authorize function as Lambda and the local stack
// both build it: its settings, their checks, and Function.
package authorize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/httpapi/authorizeapi"
	"github.com/tarjeta-dev/tarjeta/metrics"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// DefaultTable is the ledger table's name when no setting names it.
const DefaultTable = "tarjeta-ledger"

// Config is the configuration of the authorize function.
type Config struct {
	config.Pomelo
	Deadline  time.Duration `env:"AUTHORIZATION_DEADLINE, default=1500ms"`
	Retention time.Duration `env:"IDEMPOTENCY_RETENTION, default=24h"`
	// LedgerTable names the ledger's DynamoDB table; TABLE_NAME is its
	// older name, still read when LEDGER_TABLE_NAME is unset.
	LedgerTable string `env:"LEDGER_TABLE_NAME"`
	TableName   string `env:"TABLE_NAME"`
}

// Table is the ledger table's name: LEDGER_TABLE_NAME, else TABLE_NAME,
// else DefaultTable.
func (c Config) Table() string {
	switch {
	case c.LedgerTable != "":
		return c.LedgerTable
	case c.TableName != "":
		return c.TableName
	}
	return DefaultTable
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	errs := []error{c.Pomelo.Validate()}
	if c.Deadline <= 0 || c.Deadline > 25*time.Second {
		errs = append(errs, errors.New("AUTHORIZATION_DEADLINE must be between 0 and 25s"))
	}
	if c.Retention < idempotency.DefaultRetention {
		errs = append(errs, fmt.Errorf("IDEMPOTENCY_RETENTION must be at least %s: Pomelo may retry for that long", idempotency.DefaultRetention))
	}
	if c.LedgerTable != "" && c.TableName != "" && c.LedgerTable != c.TableName {
		errs = append(errs, errors.New("LEDGER_TABLE_NAME and TABLE_NAME (its older name) name different tables"))
	}
	return errors.Join(errs...)
}

// Store is the store the authorize function keeps its ledger and
// idempotency records in.
type Store interface {
	authorization.Store
	authorizeapi.Statements
}

// Deps are what the authorize function runs on besides its settings.
type Deps struct {
	Store   Store
	Secrets config.SecretReader // needed when CredentialsSecretARN is set
	Log     *slog.Logger
	Now     func() time.Time
}

// Function builds the authorize function: the settings checked, the Pomelo
// keys read, the service over d.Store and its routes behind the request log.
// Without a Pomelo credential it still starts, serving the ledger's view and
// refusing every authorization and adjustment with 401 CREDENTIAL_NOT_SET,
// and says so in its log.
func (c Config) Function(ctx context.Context, d Deps) (serve.Function, error) {
	if err := config.ReadSecrets(ctx, d.Secrets, c.Pomelo.Secret()); err != nil {
		return serve.Function{}, err
	}
	if err := c.Validate(); err != nil {
		return serve.Function{}, fmt.Errorf("config: %w", err)
	}
	if d.Store == nil || d.Now == nil {
		return serve.Function{}, errors.New("config: authorize needs a store and a clock")
	}
	var keys *signature.Keyring
	if c.Pomelo.Set() {
		var err error
		if keys, err = c.Keyring(); err != nil {
			return serve.Function{}, err
		}
	} else if d.Log != nil {
		d.Log.Warn("startup: POMELO_API_CREDENTIALS and POMELO_CREDENTIALS_SECRET_ARN are unset: every authorization and adjustment is refused with 401 CREDENTIAL_NOT_SET")
	}
	svc := authorization.New(authorization.Config{
		Verifier: c.Verifier(keys), Store: d.Store, Now: d.Now, Deadline: c.Deadline, Retention: c.Retention,
	})
	return serve.Function{
		HTTP:  authorizeapi.Handler(svc, d.Store, c.Sources(d.Log), d.Log, d.Now),
		Paths: []string{"/transactions/", "/ledger/"},
	}, nil
}

// Metrics are the figures of the authorize function's log: authorizations
// by status detail (APPROVED, INSUFFICIENT_FUNDS, SYSTEM_ERROR, ...), and
// adjustments by route.
var Metrics = []metrics.Rule{
	{Message: "request", When: map[string]string{"outcome": "approved"}, Metric: "Authorizations", Dims: []metrics.Dim{{Name: "StatusDetail", Attr: "status_detail"}}},
	{Message: "request", When: map[string]string{"outcome": "rejected"}, Metric: "Authorizations", Dims: []metrics.Dim{{Name: "StatusDetail", Attr: "status_detail"}}},
	{Message: "request", When: map[string]string{"outcome": "adjusted"}, Metric: "Adjustments", Dims: []metrics.Dim{{Name: "Route", Attr: "route"}}},
}

// Lambda builds the function in AWS: settings from the environment, the
// ledger on DynamoDB, the Pomelo keys from Secrets Manager.
func Lambda(ctx context.Context, env serve.Env) (serve.Function, error) {
	var c Config
	if err := config.Process(ctx, &c); err != nil {
		return serve.Function{}, err
	}
	if c.TableName == "" {
		if err := config.Required("LEDGER_TABLE_NAME"); err != nil {
			return serve.Function{}, err
		}
	}
	db := dynamo.NewClient(env.AWS, "")
	// The table's connection opens while the function is built.
	wait := dynamo.Warm(ctx, db, c.Table(), dynamo.WarmLimit)
	defer wait()
	return c.Function(ctx, Deps{
		Store:   ledgertable.New(db, c.Table()),
		Secrets: secretsmanager.NewFromConfig(env.AWS),
		Log:     metrics.Logger(env.Log, env.Name, Metrics),
		Now:     time.Now,
	})
}
