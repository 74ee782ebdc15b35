//go:build js && wasm

package main

import (
	"syscall/js"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/signature/signaturetest"
)

// vectors are core/signature's known answers, run here inside the
// WebAssembly module through the very bindings the page calls.
func vectors(t *testing.T) []signaturetest.Vector {
	vs, err := signaturetest.Load("../core/signature/testdata")
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func call(fn func(js.Value) any, in any) js.Value { return js.ValueOf(fn(js.ValueOf(in))) }

func TestKnownAnswersInWasm(t *testing.T) {
	for _, v := range vectors(t) {
		switch v.Scheme {
		case "pomelo-hmac-sha256":
			in := map[string]any{
				"pairs":  []any{map[string]any{"apiKey": v.APIKey, "secret": v.APISecretBase64}},
				"apiKey": v.APIKey, "signature": v.XSignature, "timestamp": v.Timestamp,
				"endpoint": v.Endpoint, "body": v.Body, "now": atof(v.Timestamp),
			}
			d := call(diagnose, in)
			if !d.Get("valid").Bool() || d.Get("expected").String() != v.XSignature {
				t.Errorf("diagnose(%s %s) = valid %v expected %s error %s", v.Timestamp, v.Endpoint, d.Get("valid"), d.Get("expected"), d.Get("error"))
			}
			s := call(sign, map[string]any{"secret": v.APISecretBase64, "apiKey": v.APIKey, "timestamp": v.Timestamp, "endpoint": v.Endpoint, "body": v.Body, "baseURL": "http://127.0.0.1:8080"})
			if s.Get("signature").String() != v.XSignature {
				t.Errorf("sign = %s, want %s", s.Get("signature"), v.XSignature)
			}
			// The curl command the page offers parses back to the same request.
			p := call(parse, s.Get("curl").String())
			if p.Get("body").String() != v.Body || p.Get("headers").Get("x-signature").String() != v.XSignature {
				t.Errorf("curl round trip: %s", s.Get("curl"))
			}
		case "td-hmac-sha1":
			for _, sig := range []string{v.SignHex, v.SignBase64} {
				r := call(verifyTD, map[string]any{"partnerCode": v.PartnerCode, "timestamp": v.Timestamp, "accessKey": v.AccessKey, "accessSecret": v.AccessSecret, "sign": sig})
				if !r.Get("valid").Bool() || r.Get("expectedHex").String() != v.SignHex {
					t.Errorf("verifyTD(%s) = %v %s", sig, r.Get("valid"), r.Get("error"))
				}
			}
		}
	}
}

func TestDiagnosisInWasm(t *testing.T) {
	v := vectors(t)[0]
	d := call(diagnose, map[string]any{
		"pairs":  []any{map[string]any{"apiKey": v.APIKey, "secret": v.APISecretBase64}},
		"apiKey": v.APIKey, "signature": v.XSignature, "timestamp": v.Timestamp,
		"endpoint": v.Endpoint, "body": v.Body + "\n", "now": atof(v.Timestamp),
	})
	causes := d.Get("causes")
	if d.Get("valid").Bool() || causes.Length() != 1 || causes.Index(0).Get("code").String() != "BODY_TRAILING_NEWLINE" {
		t.Errorf("diagnosis of a trailing newline: valid %v, causes %v", d.Get("valid"), js.Global().Get("JSON").Call("stringify", causes))
	}
	if d.Get("visible").String() == "" || d.Get("code").String() != "SIGNATURE_MISMATCH" {
		t.Errorf("visible %q code %q", d.Get("visible"), d.Get("code"))
	}
}

func atof(s string) float64 {
	var n float64
	for _, c := range s {
		n = n*10 + float64(c-'0')
	}
	return n
}

func TestWebhookSchemesInWasm(t *testing.T) {
	const body = `{"webhook_action":"login.success","data":{"webhook_id":"wh-1"}}`
	const sig = "659e8af35b0977de26fc776502d1d6efe08457e9179c29a2421225129b286769" // openssl dgst -sha256 -hmac palenca-secret
	r := call(verifyPalenca, map[string]any{"secret": "palenca-secret", "signature": sig, "body": body})
	if !r.Get("valid").Bool() || r.Get("expected").String() != sig {
		t.Errorf("verifyPalenca = %v %s", r.Get("valid"), r.Get("error"))
	}
	r = call(verifyPalenca, map[string]any{"secret": "palenca-secret", "signature": sig, "body": body + "\n"})
	if r.Get("valid").Bool() || r.Get("code").String() != "SIGNATURE_MISMATCH" {
		t.Errorf("verifyPalenca of another body = %v %s", r.Get("valid"), r.Get("code"))
	}
	if !call(verifyBelvo, map[string]any{"registered": "Bearer x", "given": "Bearer x"}).Get("valid").Bool() ||
		call(verifyBelvo, map[string]any{"registered": "Bearer x", "given": "Bearer y"}).Get("valid").Bool() {
		t.Error("verifyBelvo does not compare the values")
	}
}
