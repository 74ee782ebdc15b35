package webhook

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// Verdict is what checking a kept event's signature again found: never the
// body, the signature or a secret.
type Verdict struct {
	Valid    bool      `json:"valid"`
	Scheme   string    `json:"scheme"`
	Findings []Finding `json:"findings"`
}

// Finding is one thing a check found about a part of the delivery.
type Finding struct {
	Part    string `json:"part"`
	Message string `json:"message"`
}

// ErrUnknownRoute reports an event of a route the function no longer has.
var ErrUnknownRoute = errors.New("webhook: the event's route is not configured")

// Recheck runs the scheme of e's route again over the delivery as kept
// (its kept headers, TD's query, its body), with today's credentials, as of
// the moment it arrived: a key rotated since, or a secret changed, shows. A
// delivery whose proof was not kept cannot be checked again (Belvo's
// Authorization is a secret, never kept): it is not valid, and a finding
// says why.
func (rs Routes) Recheck(e Event) (Verdict, error) {
	route, ok := rs.Find(e.Route)
	if !ok || route.Scheme == nil {
		return Verdict{}, fmt.Errorf("%w: %s", ErrUnknownRoute, e.Route)
	}
	h := make(headerMap, len(e.Headers))
	for name, v := range e.Headers {
		if name != "query" {
			h[strings.ToLower(name)] = v
		}
	}
	called := route.Path()
	if q, ok := e.Headers["query"]; ok {
		called += "?" + q
	}
	v := Verdict{Scheme: schemeOf(e.Auth), Findings: []Finding{}}
	if route.Secret != "" {
		v.Findings = append(v.Findings, Finding{route.Secret, "the credential itself, never kept with the event: this route's deliveries cannot be checked again"})
		return v, nil
	}
	d := inbound.Delivery{Called: called, Header: h, Body: e.Body}
	proof, err := route.Scheme.Authenticate(d, e.ReceivedAt)
	if err == nil {
		v.Valid, v.Scheme = true, schemeOf(proof.Auth)
		if inbound.Unauthenticated(proof.Auth) {
			v.Findings = append(v.Findings, Finding{"signature", "unsigned: nothing authenticated the sender; kept as a hint"})
		}
	} else {
		v.Findings = append(v.Findings, Finding{partOf(inbound.CodeOf(err)), err.Error() + " (" + string(inbound.CodeOf(err)) + ")"})
		if x, ok := route.Scheme.(inbound.Explainer); ok {
			for _, ex := range x.Explain(d, e.ReceivedAt) {
				v.Findings = append(v.Findings, Finding{ex.Part, ex.Message})
			}
		}
	}
	if age, ok := signedBefore(e); ok {
		v.Findings = append(v.Findings, Finding{"timestamp", "signed " + age.String() + " before it arrived"})
	}
	return v, nil
}

// headerMap holds an event's kept headers by lower-cased name: a
// delivery's inbound.Headers.
type headerMap map[string]string

func (h headerMap) Get(name string) string { return h[strings.ToLower(name)] }

// schemeOf is the scheme's name in an Auth: "td-hmac-sha1 hex-lower" is
// td-hmac-sha1.
func schemeOf(auth string) string {
	name, _, _ := strings.Cut(auth, " ")
	return name
}

// partOf names the part of a delivery a refusal's code is about.
func partOf(code outcome.Code) string {
	switch code {
	case outcome.Code(signature.CodeUnknownKey), outcome.UnknownCredential:
		return "key"
	case outcome.Code(signature.CodeTooOld), outcome.Code(signature.CodeTooNew), outcome.TimestampMalformed:
		return "timestamp"
	case outcome.Code(signature.CodeEndpointMismatch):
		return "endpoint"
	case outcome.CredentialNotSet:
		return "credentials"
	}
	return "signature"
}

// signedBefore is how long before it arrived e was signed, when its kept
// headers say: Pomelo's x-timestamp (unix seconds), TD's timestamp (epoch
// milliseconds, in the query).
func signedBefore(e Event) (time.Duration, bool) {
	if ts, err := strconv.ParseInt(e.Headers[signature.HeaderTimestamp], 10, 64); err == nil {
		return e.ReceivedAt.Sub(time.Unix(ts, 0)).Round(time.Second), true
	}
	if q, err := url.ParseQuery(e.Headers["query"]); err == nil {
		if ms, err := strconv.ParseInt(q.Get("timestamp"), 10, 64); err == nil {
			return e.ReceivedAt.Sub(time.UnixMilli(ms)).Round(time.Millisecond), true
		}
	}
	return 0, false
}
