package signature

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrCredentials reports a malformed credentials setting.
var ErrCredentials = errors.New("signature: bad credentials")

// Keyring holds the api-key → api-secret pairs configured for Pomelo. Several
// pairs may be live at once so that keys can be rotated without downtime.
type Keyring struct {
	secrets map[string][]byte
	first   string
}

// ParseCredentials reads "apikey:apisecret[,apikey:apisecret...]" where each
// secret is base64 as Pomelo issues it. It fails with ErrCredentials, never
// echoing a secret in the message.
func ParseCredentials(s string) (*Keyring, error) {
	k := &Keyring{secrets: make(map[string][]byte)}
	for i, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		key, secret, ok := strings.Cut(pair, ":")
		if !ok || key == "" || secret == "" {
			return nil, fmt.Errorf("%w: pair %d is not apikey:apisecret", ErrCredentials, i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(secret)
		if err != nil || len(raw) == 0 {
			return nil, fmt.Errorf("%w: secret of pair %d (api key %q) is not base64", ErrCredentials, i+1, key)
		}
		if _, dup := k.secrets[key]; dup {
			return nil, fmt.Errorf("%w: api key %q appears twice", ErrCredentials, key)
		}
		k.secrets[key] = raw
		if k.first == "" {
			k.first = key
		}
	}
	return k, nil
}

// Secret returns the decoded secret for apiKey.
func (k *Keyring) Secret(apiKey string) ([]byte, bool) {
	if k == nil {
		return nil, false
	}
	s, ok := k.secrets[apiKey]
	return s, ok
}

// Primary returns the first configured api key, the one examples are signed with.
func (k *Keyring) Primary() string { return k.first }
