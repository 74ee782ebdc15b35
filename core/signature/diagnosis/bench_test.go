package diagnosis_test

import (
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature/diagnosis"
)

// BenchmarkDiagnoseValid is the debugger's Verify on a valid request: the
// same call the page makes into the WebAssembly module, here native.
func BenchmarkDiagnoseValid(b *testing.B) {
	a := diagnosis.Attempt{
		Pairs:     []diagnosis.Pair{{APIKey: keyA, Secret: secretA}},
		APIKey:    keyA,
		Signature: "hmac-sha256 0QIfryWi6Dq+EPnuYhh3idXrpt3iqBVVCzqn6+lDl3Y=",
		Timestamp: "1700000000",
		Endpoint:  "/transactions/authorizations",
		Body:      []byte(`{"status":"APPROVED","message":"OK","status_detail":"APPROVED"}`),
		Now:       time.Unix(1_700_000_010, 0),
	}
	for b.Loop() {
		if d := diagnosis.Diagnose(a); d.Err != nil {
			b.Fatal(d.Err)
		}
	}
}
