package signature_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/signature/signaturetest"
)

// The vectors are testdata/signatures.json, the project's shared set
// (shared/testvectors/signatures.json: the Pomelo documentation's key pair
// and shipping example, plus a TD example), and testdata/own_vectors.json,
// cases computed independently with openssl.
func loadVectors(t *testing.T) []signaturetest.Vector {
	t.Helper()
	vs, err := signaturetest.Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestKnownAnswers(t *testing.T) {
	var pomelo, td int
	for _, v := range loadVectors(t) {
		switch v.Scheme {
		case "pomelo-hmac-sha256":
			pomelo++
			secret, err := base64.StdEncoding.DecodeString(v.APISecretBase64)
			if err != nil {
				t.Fatal(err)
			}
			if got := signature.Sign(secret, v.Timestamp, v.Endpoint, []byte(v.Body)); got != v.XSignature {
				t.Errorf("Sign(%s %s) = %s, want %s", v.Timestamp, v.Endpoint, got, v.XSignature)
			}
			keys, err := signature.ParseCredentials(v.APIKey + ":" + v.APISecretBase64)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second time from a pooled MAC state
				if got, ok := keys.Sign(v.APIKey, v.Timestamp, v.Endpoint, []byte(v.Body)); !ok || got != v.XSignature {
					t.Errorf("Keyring.Sign(%s %s) = %s, want %s", v.Timestamp, v.Endpoint, got, v.XSignature)
				}
			}
			ts, _ := signature.ParseTimestamp(v.Timestamp)
			s := signature.Signed{APIKey: v.APIKey, Signature: v.XSignature, Timestamp: v.Timestamp, Endpoint: v.Endpoint, Body: []byte(v.Body)}
			if err := (signature.Verifier{Keys: keys}).Verify(s, v.Endpoint, ts.Add(30*time.Second)); err != nil {
				t.Errorf("Verify(%s %s): %v", v.Timestamp, v.Endpoint, err)
			}
		case "td-hmac-sha1":
			td++
			if h, b := signature.TDSigns(v.PartnerCode, v.Timestamp, v.AccessKey, v.AccessSecret); h != v.SignHex || b != v.SignBase64 {
				t.Errorf("TDSigns = %s, %s; want %s, %s", h, b, v.SignHex, v.SignBase64)
			}
			for sign, want := range map[string]signature.Encoding{
				v.SignHex: signature.EncodingHexLower, upper(v.SignHex): signature.EncodingHexUpper, v.SignBase64: signature.EncodingBase64,
			} {
				got, err := signature.VerifyTD(sign, v.PartnerCode, v.Timestamp, v.AccessKey, v.AccessSecret)
				if err != nil || got != want {
					t.Errorf("VerifyTD(%s) = %s, %v; want %s", sign, got, err, want)
				}
			}
			if _, err := signature.VerifyTD(v.SignHex, v.PartnerCode, v.Timestamp+"1", v.AccessKey, v.AccessSecret); err != signature.ErrNoMatch {
				t.Errorf("VerifyTD with another timestamp: err = %v, want ErrNoMatch", err)
			}
		default:
			t.Errorf("unknown scheme %q", v.Scheme)
		}
	}
	if pomelo < 3 || td < 1 {
		t.Errorf("ran %d Pomelo and %d TD vectors", pomelo, td)
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
