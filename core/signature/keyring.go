package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// ErrCredentials reports a malformed credentials setting.
var ErrCredentials = errors.New("signature: bad credentials")

// Keyring holds the api-key → api-secret pairs configured for Pomelo. Several
// pairs may be live at once so that keys can be rotated without downtime.
type Keyring struct {
	keys map[string]*key
}

// key is one api-secret with a pool of HMAC states already keyed with it:
// keying costs as much as hashing a small body, and it is done on every
// request and every answer.
type key struct {
	secret []byte
	macs   sync.Pool // of *mac
}

// mac is a keyed HMAC state with a scratch buffer for the message's header
// part, so that writing strings to it allocates nothing.
type mac struct {
	h       hash.Hash
	scratch []byte
}

func newKey(secret []byte) *key {
	k := &key{secret: secret}
	k.macs.New = func() any { return &mac{h: hmac.New(sha256.New, secret)} }
	return k
}

func (k *key) sum(timestamp, endpoint string, body []byte) []byte {
	m := k.macs.Get().(*mac)
	m.h.Reset()
	m.scratch = append(append(m.scratch[:0], timestamp...), endpoint...)
	m.h.Write(m.scratch)
	m.h.Write(body)
	out := m.h.Sum(make([]byte, 0, sha256.Size))
	k.macs.Put(m)
	return out
}

// MinSecretBytes is the shortest api-secret accepted: a secret that can be
// guessed makes every signature forgeable. Pomelo issues 32-byte secrets.
const MinSecretBytes = 16

// ParseCredentials reads "apikey:apisecret[,apikey:apisecret...]" where each
// secret is base64 as Pomelo issues it, at least MinSecretBytes long. It
// fails with ErrCredentials, never echoing a secret in the message.
func ParseCredentials(s string) (*Keyring, error) {
	k := &Keyring{keys: make(map[string]*key)}
	for i, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		key, secret, ok := strings.Cut(pair, ":")
		if !ok || key == "" || secret == "" {
			return nil, text.Annotate(ErrCredentials, "pair "+strconv.Itoa(i+1)+" is not apikey:apisecret")
		}
		raw, err := base64.StdEncoding.DecodeString(secret)
		if err != nil || len(raw) == 0 {
			return nil, text.Annotate(ErrCredentials, "secret of pair "+strconv.Itoa(i+1)+" (api key "+strconv.Quote(key)+") is not base64")
		}
		if len(raw) < MinSecretBytes {
			return nil, text.Annotate(ErrCredentials, "secret of pair "+strconv.Itoa(i+1)+" (api key "+strconv.Quote(key)+") is "+
				strconv.Itoa(len(raw))+" bytes, at least "+strconv.Itoa(MinSecretBytes))
		}
		if _, dup := k.keys[key]; dup {
			return nil, text.Annotate(ErrCredentials, "api key "+strconv.Quote(key)+" appears twice")
		}
		k.keys[key] = newKey(raw)
	}
	return k, nil
}

// Secret returns the decoded secret for apiKey.
func (k *Keyring) Secret(apiKey string) ([]byte, bool) {
	s, ok := k.lookup(apiKey)
	if !ok {
		return nil, false
	}
	return s.secret, true
}

func (k *Keyring) lookup(apiKey string) (*key, bool) {
	if k == nil {
		return nil, false
	}
	s, ok := k.keys[apiKey]
	return s, ok
}

// Sign returns the x-signature value for body sent at timestamp to endpoint,
// signed with the secret of apiKey, and false when the key is unknown. It is
// Sign with the keyring's pooled MAC states.
func (k *Keyring) Sign(apiKey, timestamp, endpoint string, body []byte) (string, bool) {
	s, ok := k.lookup(apiKey)
	if !ok {
		return "", false
	}
	return SchemePrefix + base64.StdEncoding.EncodeToString(s.sum(timestamp, endpoint, body)), true
}
