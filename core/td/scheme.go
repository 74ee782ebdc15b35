package td

import (
	"crypto/hmac"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// Key is one access key and the secret TD signs with under it.
type Key struct {
	AccessKey, Secret string
}

// Keys pairs access keys with secrets: one by one when there are as many of
// each, or the one access key with each secret (a secret rotated under the
// same key).
func Keys(accessKeys, secrets []string) ([]Key, error) {
	if len(accessKeys) != 1 && len(accessKeys) != len(secrets) {
		return nil, errors.New("td: give one access key, or as many access keys as secrets")
	}
	keys := make([]Key, len(secrets))
	for i, s := range secrets {
		keys[i] = Key{AccessKey: accessKeys[min(i, len(accessKeys)-1)], Secret: s}
	}
	return keys, nil
}

// Scheme checks TD's push: partner_code ours, access_key one of Keys, sign =
// HmacSHA1(partner_code + timestamp + access_key, that key's secret) in
// lower- or upper-case hex or base64, and timestamp (epoch milliseconds)
// within Tolerance of our clock either way. Several keys, and several
// secrets under one key, are accepted at once, for rotation. The sign
// covers the query, not the body: every TD body is a hint.
type Scheme struct {
	PartnerCode string
	Keys        []Key
	Tolerance   time.Duration // DefaultTolerance when zero
}

// DefaultTolerance is how far a TD timestamp may be from our clock.
const DefaultTolerance = 10 * time.Minute

// Errors of Scheme.Authenticate, each inside an *inbound.Refusal with its
// code. A stale or future timestamp wraps signature.ErrTooOld or
// signature.ErrTooNew.
var (
	ErrMissingParameter = errors.New("td: missing query parameter")
	ErrUnknownKey       = errors.New("td: partner_code or access_key is not ours")
	ErrTimestamp        = errors.New("td: timestamp is not epoch milliseconds")
	ErrSignEncoding     = errors.New("td: sign is neither hex nor base64 of 20 bytes")
	ErrSignMismatch     = errors.New("td: sign does not match")
)

// Parameters are the query parameters TD signs with, in the order of the
// signed message.
var Parameters = []string{"partner_code", "timestamp", "access_key", "sign"}

// Authenticate implements the webhook pipeline's scheme.
func (s Scheme) Authenticate(d inbound.Delivery, now time.Time) (inbound.Proof, error) {
	q, err := Query(d.Called)
	if err != nil {
		return inbound.Proof{}, err
	}
	if s.PartnerCode == "" || len(s.Keys) == 0 {
		return inbound.Proof{}, inbound.Refuse(outcome.CredentialNotSet, inbound.ErrNotConfigured, "TD_PARTNER_CODE, TD_ACCESS_KEY or TD_ACCESS_SECRET")
	}
	partner := signature.SecretEqual(q["partner_code"], s.PartnerCode)
	var secrets []string
	for _, k := range s.Keys {
		if signature.SecretEqual(q["access_key"], k.AccessKey) {
			secrets = append(secrets, k.Secret)
		}
	}
	if !partner || len(secrets) == 0 {
		return inbound.Proof{}, inbound.Refuse(outcome.UnknownCredential, ErrUnknownKey, "")
	}
	ms := q["timestamp"]
	if len(ms) > 16 || strings.TrimLeft(ms, "0123456789") != "" {
		return inbound.Proof{}, inbound.Refuse(outcome.TimestampMalformed, ErrTimestamp, "")
	}
	n, _ := strconv.ParseInt(ms, 10, 64)
	tolerance := s.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if err := signature.CheckTime(time.UnixMilli(n), now, tolerance); err != nil {
		return inbound.Proof{}, inbound.Refuse(outcome.Code(signature.Code(err)), err, "timestamp "+ms)
	}
	mac, enc, err := signature.DecodeTDSign(q["sign"])
	if err != nil {
		return inbound.Proof{}, inbound.Refuse(outcome.SignatureEncoding, ErrSignEncoding, "")
	}
	matched := false
	for _, secret := range secrets {
		// Every secret is tried, so that the time taken does not say which.
		if hmac.Equal(mac, signature.TDSum(q["partner_code"], ms, q["access_key"], secret)) {
			matched = true
		}
	}
	if !matched {
		return inbound.Proof{}, inbound.Refuse(outcome.Code(signature.CodeNoMatch), ErrSignMismatch, "")
	}
	return inbound.Proof{Auth: "td-hmac-sha1 " + string(enc), Hint: true, Sign: mac}, nil
}

// Query reads the four parameters of a TD push from the path and query
// called. Each must appear exactly once and be non-empty, else it fails with
// ErrMissingParameter (400).
func Query(called string) (map[string]string, error) {
	_, raw, _ := strings.Cut(called, "?")
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, inbound.Refuse(outcome.MissingParameter, ErrMissingParameter, "the query string is malformed")
	}
	q := make(map[string]string, len(Parameters))
	for _, name := range Parameters {
		v := values[name]
		if len(v) != 1 || v[0] == "" {
			return nil, inbound.Refuse(outcome.MissingParameter, ErrMissingParameter, name+" must appear once, not empty")
		}
		q[name] = v[0]
	}
	return q, nil
}
