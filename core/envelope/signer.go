package envelope

import (
	"time"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// Headers gives header values by case-insensitive name; http.Header is one.
type Headers interface {
	Get(name string) string
}

// Signer signs answers with Pomelo's scheme, with the key and endpoint of the
// request they answer. The zero Signer signs nothing.
type Signer struct {
	keys     *signature.Keyring
	apiKey   string
	endpoint string
}

func (s Signer) sign(now time.Time, body []byte) (ts, sig, endpoint string) {
	if s.keys == nil {
		return "", "", ""
	}
	ts = signature.Timestamp(now)
	sig, _ = s.keys.Sign(s.apiKey, ts, s.endpoint, body)
	return ts, sig, s.endpoint
}

// VerifyPomelo checks a request's Pomelo signature at now: the four x-
// headers over the exact body, sent to called (path and query as on the
// wire). It returns the Signer of the answers, or Verify's error, which
// Unauthenticated answers.
func VerifyPomelo(v signature.Verifier, called string, h Headers, body []byte, now time.Time) (Signer, error) {
	s := signature.Signed{
		APIKey:    h.Get(signature.HeaderAPIKey),
		Signature: h.Get(signature.HeaderSignature),
		Timestamp: h.Get(signature.HeaderTimestamp),
		Endpoint:  h.Get(signature.HeaderEndpoint),
		Body:      body,
	}
	if err := v.Verify(s, called, now); err != nil {
		return Signer{}, err
	}
	return Signer{keys: v.Keys, apiKey: s.APIKey, endpoint: s.Endpoint}, nil
}

// Unauthenticated answers a request whose signature did not verify, with the
// failure's code. The answer is not signed: signing answers to
// unauthenticated requests would hand out MACs over messages an attacker
// helps choose.
func Unauthenticated(err error) Response {
	code := outcome.Code(signature.Code(err))
	return Response{Status: outcome.Status(code), Body: outcome.ErrorBody(code, err.Error()), Outcome: outcome.Failed(code)}
}
