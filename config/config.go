// Package config is what the functions' settings share: Pomelo's keys,
// signature settings and source addresses, secrets read from Secrets
// Manager, reading the environment, and the settings a function's Lambda
// start requires.
// Each function's own settings, and the one constructor Lambda and the local
// stack both call, are a package below it (config/authorize,
// config/webhooks), so that each binary links only its own function.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// Pomelo is how Pomelo's signatures are checked, for the authorize and the
// webhooks functions alike.
type Pomelo struct {
	// Credentials is "apikey:apisecret[,...]"; CredentialsSecretARN names a
	// Secrets Manager secret holding the same text.
	Credentials          string        `env:"POMELO_API_CREDENTIALS"`
	CredentialsSecretARN string        `env:"POMELO_CREDENTIALS_SECRET_ARN"`
	Tolerance            time.Duration `env:"POMELO_SIGNATURE_TOLERANCE, default=60s"`
	BasePath             string        `env:"POMELO_ENDPOINT_BASE_PATH"`
	// SourceIPs are the addresses Pomelo's routes take requests from
	// (addresses and CIDR prefixes, comma-separated); empty takes any.
	SourceIPs string `env:"POMELO_SOURCE_IPS"`
}

// Set reports whether a credential is configured.
func (p Pomelo) Set() bool { return p.Credentials != "" || p.CredentialsSecretARN != "" }

// Validate reports settings that cannot work.
func (p Pomelo) Validate() error {
	var errs []error
	if p.Tolerance <= 0 {
		errs = append(errs, errors.New("POMELO_SIGNATURE_TOLERANCE must be positive"))
	}
	if _, err := allowlist.Parse(p.SourceIPs); err != nil {
		errs = append(errs, fmt.Errorf("POMELO_SOURCE_IPS: %w", err))
	}
	return errors.Join(errs...)
}

// Sources are the addresses Pomelo's routes take requests from. An empty
// list takes any, and says so in log, once, at start.
func (p Pomelo) Sources(log *slog.Logger) allowlist.List {
	l, _ := allowlist.Parse(p.SourceIPs) // Validate refused a bad one
	if log != nil {
		if l.Empty() {
			log.Warn("startup: POMELO_SOURCE_IPS is empty: Pomelo's routes take requests from any address")
		} else {
			log.Info("startup: Pomelo's routes take requests from POMELO_SOURCE_IPS only", "sources", l.String())
		}
	}
	return l
}

// Secret is the Pomelo credential's setting as Secrets Manager fills it.
func (p *Pomelo) Secret() Secret {
	return Secret{Name: "POMELO_API_CREDENTIALS", ARNName: "POMELO_CREDENTIALS_SECRET_ARN", ARN: p.CredentialsSecretARN, Into: &p.Credentials}
}

// Keyring returns the Pomelo keys of Credentials, once ReadSecrets has
// filled it from CredentialsSecretARN in AWS.
func (p Pomelo) Keyring() (*signature.Keyring, error) {
	if p.Credentials == "" {
		return nil, errors.New("config: set POMELO_API_CREDENTIALS or POMELO_CREDENTIALS_SECRET_ARN")
	}
	k, err := signature.ParseCredentials(p.Credentials)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return k, nil
}

// Verifier returns the signature verifier these settings describe over
// keys.
func (p Pomelo) Verifier(keys *signature.Keyring) signature.Verifier {
	return signature.Verifier{Keys: keys, Tolerance: p.Tolerance, BasePath: p.BasePath}
}
