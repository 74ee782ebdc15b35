package webhook

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Inbound is a delivery as a scheme sees it.
type Inbound struct {
	Called string // path and query as on the wire
	Header Headers
	Body   []byte
}

// Headers gives header values by case-insensitive name; http.Header is one.
type Headers interface {
	Get(name string) string
}

// Proof says how a delivery was authenticated.
type Proof struct {
	Auth string // the scheme, and how it matched: "td-hmac-sha1 hex-lower"
	// Hint is set when what was verified does not cover the body: treat it
	// as a hint and confirm with the provider's API before believing it.
	Hint bool
	// Sign is TD's sign, which a delivery binds to its body: the same sign
	// with another body is a replay.
	Sign string
	// Headers names the headers the scheme checked that are worth keeping
	// with the event; never one that holds a secret.
	Headers []string
}

// Scheme authenticates the deliveries of one provider.
type Scheme interface {
	Authenticate(in Inbound, now time.Time) (Proof, error)
}

// Errors of the schemes. A delivery that fails authentication wraps
// ErrUnauthenticated (401), and for Pomelo the signature package's error
// too; a TD push without one of its query parameters wraps
// ErrMissingParameter (400).
var (
	ErrUnauthenticated  = errors.New("webhook: not authenticated")
	ErrMissingParameter = errors.New("webhook: missing query parameter")
	ErrNotConfigured    = errors.New("webhook: this route's credential is not set")
)

// PomeloScheme checks Pomelo's HMAC-SHA256 signature with the verifier the
// authorize function uses: the same keys, tolerance and endpoint check.
type PomeloScheme struct {
	Verifier signature.Verifier
}

// Authenticate implements Scheme.
func (s PomeloScheme) Authenticate(in Inbound, now time.Time) (Proof, error) {
	signed := signature.Signed{
		APIKey:    in.Header.Get(signature.HeaderAPIKey),
		Signature: in.Header.Get(signature.HeaderSignature),
		Timestamp: in.Header.Get(signature.HeaderTimestamp),
		Endpoint:  in.Header.Get(signature.HeaderEndpoint),
		Body:      in.Body,
	}
	if err := s.Verifier.Verify(signed, in.Called, now); err != nil {
		return Proof{}, text.Wrap(ErrUnauthenticated, err)
	}
	return Proof{Auth: "pomelo-hmac-sha256", Headers: pomeloHeaders}, nil
}

var pomeloHeaders = []string{signature.HeaderAPIKey, signature.HeaderTimestamp, signature.HeaderEndpoint, signature.HeaderSignature}

// TDScheme checks TD's push: partner_code and access_key equal to ours,
// sign = HmacSHA1(partner_code + timestamp + access_key, access secret) in
// lower- or upper-case hex or base64, and timestamp (epoch milliseconds)
// within Tolerance of our clock either way. The sign covers the query, not
// the body: every TD body is a hint.
type TDScheme struct {
	PartnerCode, AccessKey, AccessSecret string
	Tolerance                            time.Duration // DefaultTDTolerance when zero
}

// DefaultTDTolerance is how far a TD timestamp may be from our clock.
const DefaultTDTolerance = 10 * time.Minute

// TDParameters are the query parameters TD signs with, in the order of the
// signed message.
var TDParameters = []string{"partner_code", "timestamp", "access_key", "sign"}

// Authenticate implements Scheme.
func (s TDScheme) Authenticate(in Inbound, now time.Time) (Proof, error) {
	q, err := TDQuery(in.Called)
	if err != nil {
		return Proof{}, err
	}
	if s.PartnerCode == "" || s.AccessKey == "" || s.AccessSecret == "" {
		return Proof{}, text.Wrap(ErrUnauthenticated, ErrNotConfigured)
	}
	if !equal(q["partner_code"], s.PartnerCode) || !equal(q["access_key"], s.AccessKey) {
		return Proof{}, text.Annotate(ErrUnauthenticated, "partner_code or access_key is not ours")
	}
	ms := q["timestamp"]
	if len(ms) > 16 || strings.TrimLeft(ms, "0123456789") != "" {
		return Proof{}, text.Annotate(ErrUnauthenticated, "timestamp is not epoch milliseconds")
	}
	n, _ := strconv.ParseInt(ms, 10, 64)
	tolerance := s.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultTDTolerance
	}
	if err := signature.CheckTime(time.UnixMilli(n), now, tolerance); err != nil {
		return Proof{}, text.Wrap(ErrUnauthenticated, err)
	}
	enc, err := signature.VerifyTD(q["sign"], q["partner_code"], ms, q["access_key"], s.AccessSecret)
	if err != nil {
		return Proof{}, text.Annotate(ErrUnauthenticated, "sign does not match")
	}
	return Proof{Auth: "td-hmac-sha1 " + string(enc), Hint: true, Sign: q["sign"]}, nil
}

// TDQuery reads the four parameters of a TD push from the path and query
// called. Each must appear exactly once and be non-empty, else it fails with
// ErrMissingParameter.
func TDQuery(called string) (map[string]string, error) {
	_, raw, _ := strings.Cut(called, "?")
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, text.Annotate(ErrMissingParameter, "the query string is malformed")
	}
	q := make(map[string]string, len(TDParameters))
	for _, name := range TDParameters {
		v := values[name]
		if len(v) != 1 || v[0] == "" {
			return nil, text.Annotate(ErrMissingParameter, name+" must appear once, not empty")
		}
		q[name] = v[0]
	}
	return q, nil
}

// BelvoScheme checks the Authorization header against the value registered
// with Belvo for the webhook. Belvo's document says nothing about
// authenticating webhooks: this is the header value a client may register
// with its webhook URL.
type BelvoScheme struct {
	Authorization string
}

// Authenticate implements Scheme.
func (s BelvoScheme) Authenticate(in Inbound, _ time.Time) (Proof, error) {
	if s.Authorization == "" {
		return Proof{}, text.Wrap(ErrUnauthenticated, ErrNotConfigured)
	}
	if !equal(in.Header.Get("Authorization"), s.Authorization) {
		return Proof{}, text.Annotate(ErrUnauthenticated, "Authorization does not match")
	}
	return Proof{Auth: "belvo-authorization"}, nil
}

// DefaultPalencaHeader is where Palenca's signature is looked for.
const DefaultPalencaHeader = "X-Palenca-Signature"

// PalencaScheme checks the HMAC-SHA256 of the raw body, keyed with the
// secret's UTF-8 bytes, given as bare hex (either case) in Header. Palenca's
// document only says notifications may be signed (sign_request): with no
// Secret, every body is accepted as a hint.
type PalencaScheme struct {
	Secret string
	Header string // DefaultPalencaHeader when empty
}

// Authenticate implements Scheme.
func (s PalencaScheme) Authenticate(in Inbound, _ time.Time) (Proof, error) {
	if s.Secret == "" {
		return Proof{Auth: "palenca-unsigned", Hint: true}, nil
	}
	header := s.Header
	if header == "" {
		header = DefaultPalencaHeader
	}
	switch err := signature.VerifyPalenca(in.Header.Get(header), s.Secret, in.Body); {
	case errors.Is(err, signature.ErrNoMatch):
		return Proof{}, text.Annotate(ErrUnauthenticated, header+" does not match the body")
	case err != nil:
		return Proof{}, text.Annotate(ErrUnauthenticated, header+" must hold a hex HMAC-SHA256")
	}
	return Proof{Auth: "palenca-hmac-sha256", Headers: []string{header}}, nil
}

// equal compares in constant time, whatever the lengths.
func equal(given, want string) bool { return signature.SecretEqual(given, want) }
