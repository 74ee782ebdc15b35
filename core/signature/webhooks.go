package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"strconv"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// PalencaSum is HMAC-SHA256 of body keyed with the secret's UTF-8 bytes: how
// this project reads Palenca's optional webhook signature (its document
// says only that notifications may be signed with HMAC).
func PalencaSum(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// VerifyPalenca checks a bare hex PalencaSum, in either case. It fails with
// ErrMalformedHeader when sig is not 64 hex digits, and ErrNoMatch when it
// differs.
func VerifyPalenca(sig, secret string, body []byte) error {
	given, ok := text.DecodeHex(sig)
	if !ok || len(given) != sha256.Size {
		return text.Annotate(ErrMalformedHeader, "the signature must be "+strconv.Itoa(2*sha256.Size)+" hex digits")
	}
	if !hmac.Equal(given, PalencaSum(secret, body)) {
		return ErrNoMatch
	}
	return nil
}

// SecretEqual compares a presented credential with the expected one in
// constant time, whatever their lengths: how Belvo's webhook Authorization
// value is checked.
func SecretEqual(given, want string) bool {
	g, w := sha256.Sum256([]byte(given)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
