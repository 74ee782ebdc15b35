package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Pomelo header names, as Pomelo sends and expects them.
const (
	HeaderAPIKey    = "x-api-key"
	HeaderSignature = "x-signature"
	HeaderTimestamp = "x-timestamp"
	HeaderEndpoint  = "x-endpoint"
)

// SchemePrefix starts every Pomelo x-signature value.
const SchemePrefix = "hmac-sha256 "

// DefaultTolerance is how far x-timestamp may be from our clock, either way.
const DefaultTolerance = 60 * time.Second

// Errors returned by Verify, one per way a request can fail verification.
var (
	ErrMissingHeader    = errors.New("signature: missing header")
	ErrUnknownKey       = errors.New("signature: unknown api key")
	ErrMalformedHeader  = errors.New("signature: malformed header")
	ErrBadBase64        = errors.New("signature: signature is not base64")
	ErrTooOld           = errors.New("signature: timestamp too old")
	ErrTooNew           = errors.New("signature: timestamp in the future")
	ErrEndpointMismatch = errors.New("signature: endpoint does not match the path called")
	ErrNoMatch          = errors.New("signature: signature does not match")
)

// Signed is what one side of a Pomelo exchange sent: the four x- headers and
// the raw body bytes exactly as they travelled.
type Signed struct {
	APIKey    string
	Signature string // "hmac-sha256 <base64>"
	Timestamp string // unix seconds
	Endpoint  string
	Body      []byte
}

// Verifier checks Pomelo signatures against a keyring. The zero Tolerance means
// DefaultTolerance. BasePath is the prefix Pomelo may put before our routes in
// x-endpoint (the path of the fintech's own gateway, e.g. "/pomelo").
type Verifier struct {
	Keys      *Keyring
	Tolerance time.Duration
	BasePath  string
}

// Verify checks that s was signed with the secret of s.APIKey, that its
// timestamp is within the tolerance of now, and that its endpoint is the path
// (with query) that was actually called. It returns the first failure found,
// wrapping one of ErrMissingHeader, ErrMalformedHeader, ErrUnknownKey,
// ErrBadBase64, ErrTooOld, ErrTooNew, ErrEndpointMismatch or ErrNoMatch.
func (v Verifier) Verify(s Signed, called string, now time.Time) error {
	switch {
	case s.APIKey == "":
		return fmt.Errorf("%w %s", ErrMissingHeader, HeaderAPIKey)
	case s.Signature == "":
		return fmt.Errorf("%w %s", ErrMissingHeader, HeaderSignature)
	case s.Timestamp == "":
		return fmt.Errorf("%w %s", ErrMissingHeader, HeaderTimestamp)
	case s.Endpoint == "":
		return fmt.Errorf("%w %s", ErrMissingHeader, HeaderEndpoint)
	}
	given, err := ParseHeader(s.Signature)
	if err != nil {
		return err
	}
	ts, err := ParseTimestamp(s.Timestamp)
	if err != nil {
		return err
	}
	k, ok := v.Keys.lookup(s.APIKey)
	if !ok {
		return ErrUnknownKey
	}
	if err := CheckTime(ts, now, v.tolerance()); err != nil {
		return err
	}
	if !v.EndpointMatches(s.Endpoint, called) {
		return fmt.Errorf("%w: x-endpoint %q, called %q", ErrEndpointMismatch, s.Endpoint, called)
	}
	if !hmac.Equal(given, k.sum(s.Timestamp, s.Endpoint, s.Body)) {
		return ErrNoMatch
	}
	return nil
}

func (v Verifier) tolerance() time.Duration {
	if v.Tolerance <= 0 {
		return DefaultTolerance
	}
	return v.Tolerance
}

// EndpointMatches reports whether the x-endpoint value names the path called,
// either exactly or behind the verifier's BasePath.
func (v Verifier) EndpointMatches(endpoint, called string) bool {
	if endpoint == called {
		return true
	}
	base := strings.TrimSuffix(v.BasePath, "/")
	return base != "" && len(endpoint) == len(base)+len(called) &&
		strings.HasPrefix(endpoint, base) && endpoint[len(base):] == called
}

// ParseHeader extracts the MAC from an x-signature value "hmac-sha256 <base64>".
// It fails with ErrMalformedHeader when the scheme is missing or the value is
// not 32 bytes, and ErrBadBase64 when the text is not standard base64.
func ParseHeader(h string) ([]byte, error) {
	b64, ok := strings.CutPrefix(h, SchemePrefix)
	if !ok {
		return nil, fmt.Errorf("%w: x-signature must start with %q", ErrMalformedHeader, SchemePrefix)
	}
	mac, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadBase64, err)
	}
	if len(mac) != sha256.Size {
		return nil, fmt.Errorf("%w: x-signature holds %d bytes, want %d", ErrMalformedHeader, len(mac), sha256.Size)
	}
	return mac, nil
}

// ParseTimestamp reads x-timestamp as unix seconds. It fails with
// ErrMalformedHeader for anything but a plain non-negative decimal integer.
func ParseTimestamp(s string) (time.Time, error) {
	if s == "" || len(s) > 12 || strings.TrimLeft(s, "0123456789") != "" {
		return time.Time{}, fmt.Errorf("%w: x-timestamp %q is not unix seconds", ErrMalformedHeader, s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: x-timestamp %q: %v", ErrMalformedHeader, s, err)
	}
	return time.Unix(n, 0), nil
}

// CheckTime reports whether ts lies within tolerance of now, failing with
// ErrTooOld or ErrTooNew.
func CheckTime(ts, now time.Time, tolerance time.Duration) error {
	if d := now.Sub(ts); d > tolerance {
		return fmt.Errorf("%w: %s behind our clock, tolerance %s", ErrTooOld, d.Truncate(time.Second), tolerance)
	}
	if d := ts.Sub(now); d > tolerance {
		return fmt.Errorf("%w: %s ahead of our clock, tolerance %s", ErrTooNew, d.Truncate(time.Second), tolerance)
	}
	return nil
}

// Sum returns HMAC-SHA256(secret, timestamp + endpoint + body). The secret is
// the decoded api-secret bytes, not its base64 text.
func Sum(secret []byte, timestamp, endpoint string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	writeMessage(m, timestamp, endpoint, body)
	return m.Sum(nil)
}

func writeMessage(w io.Writer, timestamp, endpoint string, body []byte) {
	io.WriteString(w, timestamp)
	io.WriteString(w, endpoint)
	w.Write(body)
}

// Sign returns the x-signature value for body sent at timestamp to endpoint:
// "hmac-sha256 " followed by the base64 MAC. An empty body signs timestamp and
// endpoint alone.
func Sign(secret []byte, timestamp, endpoint string, body []byte) string {
	return SchemePrefix + base64.StdEncoding.EncodeToString(Sum(secret, timestamp, endpoint, body))
}

// Timestamp formats t as an x-timestamp value.
func Timestamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
