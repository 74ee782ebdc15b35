package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/text"
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
	// ErrNoKeys is returned for every request when no credential is
	// configured: the route refuses everything until one is.
	ErrNoKeys = errors.New("signature: no Pomelo credentials are configured (POMELO_API_CREDENTIALS or POMELO_CREDENTIALS_SECRET_ARN)")
)

// The codes of the verification failures, as Code returns them.
const (
	CodeMissingHeader    = "SIGNATURE_HEADER_MISSING"
	CodeMalformedHeader  = "SIGNATURE_HEADER_MALFORMED"
	CodeBadBase64        = "SIGNATURE_NOT_BASE64"
	CodeUnknownKey       = "UNKNOWN_API_KEY"
	CodeTooOld           = "TIMESTAMP_TOO_OLD"
	CodeTooNew           = "TIMESTAMP_TOO_NEW"
	CodeEndpointMismatch = "ENDPOINT_MISMATCH"
	CodeNoMatch          = "SIGNATURE_MISMATCH"
	CodeInvalid          = "SIGNATURE_INVALID" // any other error
	CodeNoKeys           = "CREDENTIAL_NOT_SET"
)

// Code names the verification failure err wraps, for error bodies and the
// debugger: one of the Code constants, and "" for nil.
func Code(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNoKeys):
		return CodeNoKeys
	case errors.Is(err, ErrMissingHeader):
		return CodeMissingHeader
	case errors.Is(err, ErrUnknownKey):
		return CodeUnknownKey
	case errors.Is(err, ErrMalformedHeader):
		return CodeMalformedHeader
	case errors.Is(err, ErrBadBase64):
		return CodeBadBase64
	case errors.Is(err, ErrTooOld):
		return CodeTooOld
	case errors.Is(err, ErrTooNew):
		return CodeTooNew
	case errors.Is(err, ErrEndpointMismatch):
		return CodeEndpointMismatch
	case errors.Is(err, ErrNoMatch):
		return CodeNoMatch
	}
	return CodeInvalid
}

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
// ErrBadBase64, ErrTooOld, ErrTooNew, ErrEndpointMismatch or ErrNoMatch; a
// verifier without a keyring refuses everything with ErrNoKeys.
func (v Verifier) Verify(s Signed, called string, now time.Time) error {
	switch {
	case v.Keys == nil:
		return ErrNoKeys
	case s.APIKey == "":
		return text.Annotate(ErrMissingHeader, HeaderAPIKey)
	case s.Signature == "":
		return text.Annotate(ErrMissingHeader, HeaderSignature)
	case s.Timestamp == "":
		return text.Annotate(ErrMissingHeader, HeaderTimestamp)
	case s.Endpoint == "":
		return text.Annotate(ErrMissingHeader, HeaderEndpoint)
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
		return text.Annotate(ErrEndpointMismatch, "x-endpoint "+strconv.Quote(s.Endpoint)+", called "+strconv.Quote(called))
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
		return nil, text.Annotate(ErrMalformedHeader, "x-signature must start with "+strconv.Quote(SchemePrefix))
	}
	if strings.ContainsAny(b64, "\r\n") { // the decoder would skip them
		return nil, text.Annotate(ErrBadBase64, "line break in x-signature")
	}
	mac, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return nil, text.Annotate(ErrBadBase64, err.Error())
	}
	if len(mac) != sha256.Size {
		return nil, text.Annotate(ErrMalformedHeader, "x-signature holds "+strconv.Itoa(len(mac))+" bytes, want "+strconv.Itoa(sha256.Size))
	}
	return mac, nil
}

// ParseTimestamp reads x-timestamp as unix seconds. It fails with
// ErrMalformedHeader for anything but a plain non-negative decimal integer.
func ParseTimestamp(s string) (time.Time, error) {
	if s == "" || len(s) > 12 || strings.TrimLeft(s, "0123456789") != "" {
		return time.Time{}, text.Annotate(ErrMalformedHeader, "x-timestamp "+strconv.Quote(s)+" is not unix seconds")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, text.Annotate(ErrMalformedHeader, "x-timestamp "+strconv.Quote(s)+": "+err.Error())
	}
	return time.Unix(n, 0), nil
}

// CheckTime reports whether ts lies within tolerance of now, failing with
// ErrTooOld or ErrTooNew.
func CheckTime(ts, now time.Time, tolerance time.Duration) error {
	if d := now.Sub(ts); d > tolerance {
		return text.Annotate(ErrTooOld, d.Truncate(time.Second).String()+" behind our clock, tolerance "+tolerance.String())
	}
	if d := ts.Sub(now); d > tolerance {
		return text.Annotate(ErrTooNew, d.Truncate(time.Second).String()+" ahead of our clock, tolerance "+tolerance.String())
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
