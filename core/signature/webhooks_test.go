package signature_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// The Palenca known answer was computed with
// `openssl dgst -sha256 -hmac palenca-secret`.
const (
	palencaBody = `{"webhook_action":"login.success","data":{"webhook_id":"wh-1"}}`
	palencaSig  = "659e8af35b0977de26fc776502d1d6efe08457e9179c29a2421225129b286769"
)

func TestVerifyPalenca(t *testing.T) {
	for _, tc := range []struct {
		name, sig, body string
		want            error
	}{
		{"known answer", palencaSig, palencaBody, nil},
		{"upper case", strings.ToUpper(palencaSig), palencaBody, nil},
		{"body changed", palencaSig, palencaBody + " ", signature.ErrNoMatch},
		{"not hex", "zz" + palencaSig[2:], palencaBody, signature.ErrMalformedHeader},
		{"short", palencaSig[:62], palencaBody, signature.ErrMalformedHeader},
		{"empty", "", palencaBody, signature.ErrMalformedHeader},
	} {
		if err := signature.VerifyPalenca(tc.sig, "palenca-secret", []byte(tc.body)); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSecretEqual(t *testing.T) {
	for _, tc := range []struct {
		given, want string
		ok          bool
	}{{"Bearer x", "Bearer x", true}, {"Bearer x", "Bearer y", false}, {"Bearer", "Bearer x", false}, {"", "", true}} {
		if signature.SecretEqual(tc.given, tc.want) != tc.ok {
			t.Errorf("SecretEqual(%q, %q) != %v", tc.given, tc.want, tc.ok)
		}
	}
}
