package signature_test

import (
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// BenchmarkVerify is the Lambda's verification of one request.
func BenchmarkVerify(b *testing.B) {
	keys, _ := signature.ParseCredentials(keyA + ":" + secretA)
	s := signature.Signed{APIKey: keyA, Signature: "hmac-sha256 0QIfryWi6Dq+EPnuYhh3idXrpt3iqBVVCzqn6+lDl3Y=", Timestamp: "1700000000",
		Endpoint: "/transactions/authorizations", Body: []byte(`{"status":"APPROVED","message":"OK","status_detail":"APPROVED"}`)}
	v := signature.Verifier{Keys: keys}
	now := time.Unix(1_700_000_010, 0)
	for b.Loop() {
		if err := v.Verify(s, s.Endpoint, now); err != nil {
			b.Fatal(err)
		}
	}
}
