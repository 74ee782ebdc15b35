package diagnosis

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Cause names a usual mistake that explains why a Pomelo signature does not
// verify. The list only grows.
type Cause string

// The mistakes Diagnose recognizes.
const (
	SecretNotDecoded      Cause = "SECRET_NOT_DECODED"
	SignatureHex          Cause = "SIGNATURE_HEX"
	PrefixMissing         Cause = "PREFIX_MISSING"
	PrefixDoubled         Cause = "PREFIX_DOUBLED"
	TimestampMilliseconds Cause = "TIMESTAMP_MILLISECONDS"
	TimestampOutside      Cause = "TIMESTAMP_OUTSIDE_TOLERANCE"
	EndpointBasePath      Cause = "ENDPOINT_BASE_PATH"
	EndpointQuery         Cause = "ENDPOINT_QUERY"
	EndpointOther         Cause = "ENDPOINT_OTHER"
	BodyCompacted         Cause = "BODY_COMPACTED"
	BodyPrettyPrinted     Cause = "BODY_PRETTY_PRINTED"
	BodySpaced            Cause = "BODY_SPACED"
	BodyKeyOrder          Cause = "BODY_KEY_ORDER"
	BodyEscapedUnicode    Cause = "BODY_ESCAPED_UNICODE"
	BodyTrailingNewline   Cause = "BODY_TRAILING_NEWLINE"
	BodyCRLF              Cause = "BODY_CRLF"
	BodyBOM               Cause = "BODY_BOM"
	OtherKeyPair          Cause = "OTHER_KEY_PAIR"
)

var explanations = map[Cause]string{
	SecretNotDecoded:      "The signer used the api-secret's base64 text as the HMAC key; the key is the base64-decoded bytes.",
	SignatureHex:          "The signature is hex; Pomelo's is base64.",
	PrefixMissing:         `x-signature lacks the "hmac-sha256 " prefix.`,
	PrefixDoubled:         `x-signature repeats the "hmac-sha256 " prefix.`,
	TimestampMilliseconds: "x-timestamp is in milliseconds; Pomelo's is unix seconds.",
	TimestampOutside:      "x-timestamp is outside the accepted clock skew.",
	EndpointBasePath:      "The signer's endpoint and x-endpoint differ by the base path in front of the route.",
	EndpointQuery:         "The signer's endpoint and x-endpoint differ by the query string.",
	EndpointOther:         "x-endpoint is not the path that was called.",
	BodyCompacted:         "The body was signed compacted (whitespace removed) but sent formatted, or the other way round.",
	BodyPrettyPrinted:     "The body was signed pretty-printed but sent otherwise, or the other way round.",
	BodySpaced:            `The body was signed with spaces after ":" and "," (Python's json.dumps default) but sent otherwise.`,
	BodyKeyOrder:          "The body was signed with its keys in another order: it was re-serialized between signing and sending.",
	BodyEscapedUnicode:    `Non-ASCII characters were signed as \u escapes but sent as UTF-8, or the other way round.`,
	BodyTrailingNewline:   "The body was signed with a different trailing newline than it was sent with.",
	BodyCRLF:              "The body's line endings differ (CRLF versus LF) between signing and sending.",
	BodyBOM:               "A byte-order mark (EF BB BF) is in one of the signed or the sent body, not the other.",
	OtherKeyPair:          "The request was signed with the secret of another configured api key than x-api-key names.",
}

// Explain says what the mistake is, in a sentence.
func (c Cause) Explain() string { return explanations[c] }

// Pair is one configured api key with its secret as Pomelo issued it (base64).
type Pair struct {
	APIKey string
	Secret string
}

// Attempt is a signed request (or answer) to explain.
type Attempt struct {
	Pairs     []Pair
	APIKey    string
	Signature string
	Timestamp string
	Endpoint  string
	Body      []byte
	// Called is the path and query the request went to; empty means Endpoint.
	Called    string
	BasePath  string
	Now       time.Time
	Tolerance time.Duration // signature.DefaultTolerance when zero
}

// Diagnosis is what Diagnose found.
type Diagnosis struct {
	// Err is nil when the attempt verifies, else Verify's error.
	Err error
	// Message is what should have been signed: timestamp + endpoint + body.
	Message []byte
	// Expected is the x-signature for Message with the secret of APIKey (or
	// of the first pair when APIKey is unknown); empty without a usable secret.
	Expected string
	// Causes are the mistakes that explain the given signature, the header
	// problems first; together they reproduce it exactly when Reproduced.
	Causes     []Cause
	Reproduced bool
}

// Diagnose verifies a and, when it fails, looks for the usual mistakes: it
// reads the headers leniently, then recomputes the signature over variants of
// the secret, the endpoint and the body until one gives the signature that was
// sent. It is pure and bounded: a few hundred HMACs at the most.
func Diagnose(a Attempt) Diagnosis {
	if a.Called == "" {
		a.Called = a.Endpoint
	}
	var d Diagnosis
	keys, err := signature.ParseCredentials(joinPairs(a.Pairs))
	if err != nil {
		d.Err = err
		return d
	}
	v := signature.Verifier{Keys: keys, Tolerance: a.Tolerance, BasePath: a.BasePath}
	d.Err = v.Verify(signature.Signed{APIKey: a.APIKey, Signature: a.Signature, Timestamp: a.Timestamp, Endpoint: a.Endpoint, Body: a.Body}, a.Called, a.Now)
	d.Message = append(append([]byte(a.Timestamp), a.Endpoint...), a.Body...)
	if secret, ok := namedSecret(keys, a); ok {
		d.Expected = signature.Sign(secret, a.Timestamp, a.Endpoint, a.Body)
	}
	if d.Err == nil {
		d.Reproduced = true
		return d
	}

	mac, headerCauses := lenientMAC(a.Signature)
	d.Causes = append(d.Causes, headerCauses...)
	d.Causes = append(d.Causes, timestampCauses(a.Timestamp, a.Now, tolerance(a.Tolerance))...)
	if a.Endpoint != a.Called && !v.EndpointMatches(a.Endpoint, a.Called) {
		d.Causes = append(d.Causes, endpointCause(a.Endpoint, a.Called, a.BasePath))
	}
	if mac == nil {
		return d
	}
	if found, ok := search(a, mac); ok {
		d.Causes = append(d.Causes, found...)
		d.Reproduced = true
	}
	return d
}

func joinPairs(pairs []Pair) string {
	s := make([]string, len(pairs))
	for i, p := range pairs {
		s[i] = p.APIKey + ":" + p.Secret
	}
	return strings.Join(s, ",")
}

func namedSecret(k *signature.Keyring, a Attempt) ([]byte, bool) {
	if s, ok := k.Secret(a.APIKey); ok {
		return s, true
	}
	if len(a.Pairs) > 0 {
		return k.Secret(a.Pairs[0].APIKey)
	}
	return nil, false
}

// lenientMAC reads an x-signature however it was written, reporting what is
// wrong with its form. The MAC is nil when nothing can be made of it.
func lenientMAC(h string) ([]byte, []Cause) {
	var causes []Cause
	rest, ok := strings.CutPrefix(h, signature.SchemePrefix)
	switch {
	case !ok:
		causes = append(causes, PrefixMissing)
	case strings.HasPrefix(rest, signature.SchemePrefix):
		causes = append(causes, PrefixDoubled)
		rest = strings.TrimPrefix(rest, signature.SchemePrefix)
	}
	rest = strings.TrimSpace(rest)
	if len(rest) == 2*sha256.Size {
		if b, ok := text.DecodeHex(rest); ok {
			return b, append(causes, SignatureHex)
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(rest); err == nil && len(b) == sha256.Size {
			return b, causes
		}
	}
	return nil, causes
}

func timestampCauses(ts string, now time.Time, tolerance time.Duration) []Cause {
	t, err := signature.ParseTimestamp(ts)
	if err != nil {
		if len(ts) == 13 && strings.TrimLeft(ts, "0123456789") == "" {
			return []Cause{TimestampMilliseconds}
		}
		return nil
	}
	if signature.CheckTime(t, now, tolerance) != nil {
		return []Cause{TimestampOutside}
	}
	return nil
}

func endpointCause(endpoint, called, base string) Cause {
	pathOf := func(s string) string { p, _, _ := strings.Cut(s, "?"); return p }
	trim := func(s string) string {
		if base != "" {
			return strings.TrimPrefix(s, strings.TrimSuffix(base, "/"))
		}
		return s
	}
	switch {
	case pathOf(endpoint) == pathOf(called) || trim(pathOf(endpoint)) == trim(pathOf(called)):
		return EndpointQuery
	case trim(endpoint) == trim(called) || strings.HasSuffix(endpoint, called) || strings.HasSuffix(called, endpoint):
		return EndpointBasePath
	}
	return EndpointOther
}

// candidate is one way the signer may have computed the signature, with the
// mistakes it stands for.
type candidate struct {
	value  []byte
	causes []Cause
}

// search tries every combination of key, secret form, endpoint and body
// variant, fewest mistakes first, for one whose HMAC is mac.
func search(a Attempt, mac []byte) ([]Cause, bool) {
	var secrets []candidate
	named := -1
	for i, p := range a.Pairs {
		if p.APIKey == a.APIKey {
			named = i
		}
	}
	for i, p := range a.Pairs {
		var other []Cause
		if named >= 0 && i != named {
			other = []Cause{OtherKeyPair}
		}
		if raw, err := base64.StdEncoding.DecodeString(p.Secret); err == nil {
			secrets = append(secrets, candidate{raw, other})
		}
		secrets = append(secrets, candidate{[]byte(p.Secret), append(other[:len(other):len(other)], SecretNotDecoded)})
	}
	endpoints := endpointVariants(a.Endpoint, a.Called, a.BasePath)
	bodies := bodyVariants(a.Body)
	var best []Cause
	found := false
	for _, s := range secrets {
		for _, e := range endpoints {
			for _, b := range bodies {
				n := len(s.causes) + len(e.causes) + len(b.causes)
				if found && n >= len(best) {
					continue
				}
				if hmac.Equal(signature.Sum(s.value, a.Timestamp, string(e.value), b.value), mac) {
					best = append(append(append([]Cause{}, s.causes...), e.causes...), b.causes...)
					found = true
				}
			}
		}
	}
	return best, found
}

func endpointVariants(endpoint, called, base string) []candidate {
	out := []candidate{{[]byte(endpoint), nil}}
	seen := map[string]bool{endpoint: true}
	add := func(s string, c Cause) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, candidate{[]byte(s), []Cause{c}})
		}
	}
	base = strings.TrimSuffix(base, "/")
	for _, e := range []string{endpoint, called} {
		path, _, hasQuery := strings.Cut(e, "?")
		if hasQuery {
			add(path, EndpointQuery)
		}
		if base != "" {
			if rest, ok := strings.CutPrefix(e, base); ok {
				add(rest, EndpointBasePath)
			} else {
				add(base+e, EndpointBasePath)
			}
		}
	}
	add(called, EndpointOther)
	return out
}

func tolerance(d time.Duration) time.Duration {
	if d <= 0 {
		return signature.DefaultTolerance
	}
	return d
}

// ParsePairs reads credentials as POMELO_API_CREDENTIALS holds them,
// apikey:base64secret pairs separated by commas, for Diagnose; what is not a
// pair is left out (signature.ParseCredentials says why).
func ParsePairs(credentials string) []Pair {
	var out []Pair
	for _, p := range strings.Split(credentials, ",") {
		key, secret, ok := strings.Cut(strings.TrimSpace(p), ":")
		if ok && key != "" && secret != "" {
			out = append(out, Pair{APIKey: key, Secret: secret})
		}
	}
	return out
}

// Part names the part of a signed request a cause is about: "key",
// "timestamp", "endpoint", "body" or "signature" (its header's form).
func (c Cause) Part() string {
	switch c {
	case SecretNotDecoded, OtherKeyPair:
		return "key"
	case TimestampMilliseconds, TimestampOutside:
		return "timestamp"
	case EndpointBasePath, EndpointQuery, EndpointOther:
		return "endpoint"
	case SignatureHex, PrefixMissing, PrefixDoubled:
		return "signature"
	}
	return "body"
}

// Finding is what a diagnosis says of one part of a request.
type Finding struct {
	Part, Message string
}

// Findings are d's causes as findings, each with the part it is about;
// when the signature does not verify and nothing reproduces it, a last one
// says that what was signed is not what was sent, or not with our keys.
func (d Diagnosis) Findings() []Finding {
	if d.Err == nil {
		return nil
	}
	var out []Finding
	for _, c := range d.Causes {
		out = append(out, Finding{c.Part(), c.Explain()})
	}
	if !d.Reproduced {
		out = append(out, Finding{"body", "no usual mistake reproduces the signature with any configured key: what was signed is not what was kept " +
			"(the body, x-timestamp or x-endpoint changed after signing), or it was signed with a key that is not ours"})
	}
	return out
}
