package signature_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
)

const (
	keyA    = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	secretA = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
	keyB    = "tgeAkX0795jKTxrVR0cJbb//D8UlhHn0KZwTcDG3gyg="
	secretB = "un/OHwD+fMN1TTSaEhs0vupQEDQS7DVaUdlNOu7Fpyw="
)

func TestVerify(t *testing.T) {
	keys, err := signature.ParseCredentials(keyA + ":" + secretA + ", " + keyB + ":" + secretB)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"transaction":{"id":"ctx-1"}}`)
	sign := func(secret, ts, endpoint string, body []byte) string {
		k, _ := base64.StdEncoding.DecodeString(secret)
		return signature.Sign(k, ts, endpoint, body)
	}
	good := func() signature.Signed {
		ts := "1700000000"
		return signature.Signed{APIKey: keyB, Timestamp: ts, Endpoint: "/transactions/authorizations", Body: body,
			Signature: sign(secretB, ts, "/transactions/authorizations", body)}
	}
	v := signature.Verifier{Keys: keys, BasePath: "/pomelo"}
	for _, tc := range []struct {
		name   string
		edit   func(s *signature.Signed)
		called string
		want   error
	}{
		{"valid, second key of a rotation", func(s *signature.Signed) {}, "", nil},
		{"valid, first key", func(s *signature.Signed) {
			s.APIKey, s.Signature = keyA, sign(secretA, s.Timestamp, s.Endpoint, s.Body)
		}, "", nil},
		{"endpoint behind the base path", func(s *signature.Signed) {
			s.Endpoint = "/pomelo/transactions/authorizations"
			s.Signature = sign(secretB, s.Timestamp, s.Endpoint, s.Body)
		}, "", nil},
		{"endpoint with query", func(s *signature.Signed) {
			s.Endpoint = "/transactions/authorizations?a=1"
			s.Signature = sign(secretB, s.Timestamp, s.Endpoint, s.Body)
		}, "/transactions/authorizations?a=1", nil},
		{"query missing from x-endpoint", func(s *signature.Signed) {}, "/transactions/authorizations?a=1", signature.ErrEndpointMismatch},
		{"another route", func(s *signature.Signed) {}, "/transactions/adjustments/debit", signature.ErrEndpointMismatch},
		{"base path only as prefix of another path", func(s *signature.Signed) {
			s.Endpoint = "/pomelox/transactions/authorizations"
			s.Signature = sign(secretB, s.Timestamp, s.Endpoint, s.Body)
		}, "", signature.ErrEndpointMismatch},
		{"signed with the other pair's secret", func(s *signature.Signed) { s.Signature = sign(secretA, s.Timestamp, s.Endpoint, s.Body) }, "", signature.ErrNoMatch},
		{"unknown key", func(s *signature.Signed) { s.APIKey = "nope" }, "", signature.ErrUnknownKey},
		{"body tampered", func(s *signature.Signed) { s.Body = append([]byte(nil), `{"transaction":{"id":"ctx-2"}}`...) }, "", signature.ErrNoMatch},
		{"trailing newline", func(s *signature.Signed) { s.Body = append(append([]byte(nil), body...), '\n') }, "", signature.ErrNoMatch},
		{"timestamp tampered", func(s *signature.Signed) { s.Timestamp = "1700000001" }, "", signature.ErrNoMatch},
		{"61 s old", func(s *signature.Signed) {
			s.Timestamp = "1699999939"
			s.Signature = sign(secretB, s.Timestamp, s.Endpoint, s.Body)
		}, "", signature.ErrTooOld},
		{"61 s ahead", func(s *signature.Signed) {
			s.Timestamp = "1700000061"
			s.Signature = sign(secretB, s.Timestamp, s.Endpoint, s.Body)
		}, "", signature.ErrTooNew},
		{"60 s old is fine", func(s *signature.Signed) {
			s.Timestamp = "1699999940"
			s.Signature = sign(secretB, s.Timestamp, s.Endpoint, s.Body)
		}, "", nil},
		{"milliseconds", func(s *signature.Signed) { s.Timestamp = "1700000000000" }, "", signature.ErrMalformedHeader},
		{"negative timestamp", func(s *signature.Signed) { s.Timestamp = "-1" }, "", signature.ErrMalformedHeader},
		{"prefix missing", func(s *signature.Signed) { s.Signature = s.Signature[len("hmac-sha256 "):] }, "", signature.ErrMalformedHeader},
		{"prefix doubled", func(s *signature.Signed) { s.Signature = "hmac-sha256 " + s.Signature }, "", signature.ErrBadBase64},
		{"hex instead of base64", func(s *signature.Signed) {
			s.Signature = "hmac-sha256 " + fmt.Sprintf("%x", make([]byte, 32))
		}, "", signature.ErrMalformedHeader}, // 64 hex digits are valid base64 of 48 bytes
		{"short MAC", func(s *signature.Signed) { s.Signature = "hmac-sha256 AAAA" }, "", signature.ErrMalformedHeader},
		{"no signature", func(s *signature.Signed) { s.Signature = "" }, "", signature.ErrMissingHeader},
		{"no endpoint", func(s *signature.Signed) { s.Endpoint = "" }, "", signature.ErrMissingHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.edit(&s)
			called := tc.called
			if called == "" {
				called = "/transactions/authorizations"
			}
			err := v.Verify(s, called, now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
	// Without a keyring, even a good signature is refused, as not set.
	if err := (signature.Verifier{}).Verify(good(), "/transactions/authorizations", now); !errors.Is(err, signature.ErrNoKeys) || signature.Code(err) != "CREDENTIAL_NOT_SET" {
		t.Errorf("Verify without keys = %v (%s), want ErrNoKeys, CREDENTIAL_NOT_SET", err, signature.Code(err))
	}
}

func TestParseCredentials(t *testing.T) {
	short := base64.StdEncoding.EncodeToString(make([]byte, signature.MinSecretBytes-1))
	for _, in := range []string{
		"", "key", "key:", ":c2VjcmV0", "key:not base64!",
		"k:PQ==", "k:" + short, keyA + ":" + secretA + ",k:" + short, // secrets too short to resist guessing
		keyA + ":" + secretA + "," + keyA + ":" + secretB,
	} {
		_, err := signature.ParseCredentials(in)
		if !errors.Is(err, signature.ErrCredentials) {
			t.Errorf("ParseCredentials(%q) err = %v, want ErrCredentials", in, err)
		}
		if err != nil && in != "" && containsSecret(err.Error()) {
			t.Errorf("error %q repeats a secret", err)
		}
	}
	k, err := signature.ParseCredentials(keyA + ":" + secretA + "," + keyB + ":" + secretB)
	if err != nil {
		t.Fatal(err)
	}
	for key, secret := range map[string]string{keyA: secretA, keyB: secretB} {
		got, ok := k.Secret(key)
		if want, _ := base64.StdEncoding.DecodeString(secret); !ok || string(got) != string(want) {
			t.Errorf("Secret(%s) = %x, %v", key, got, ok)
		}
	}
}

func containsSecret(s string) bool {
	for _, sec := range []string{secretA, secretB, "not base64!"} {
		if strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// FuzzParseHeader checks that the x-signature parser never panics and only
// accepts the scheme prefix followed by 32 base64-encoded bytes.
func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{"hmac-sha256 xCf4yKVHnZJtt02eOLU6KR9/JCGwUGzBiAGlDrK2OQY=", "hmac-sha256 ", "hmac-sha256 hmac-sha256 AA==", "hmac-sha256 0000000000000000000000000000000000000000001=", "xCf4yKVHnZJtt02eOLU6KR9/JCGwUGzBiAGlDrK2OQY=", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		mac, err := signature.ParseHeader(h)
		if err != nil {
			if !errors.Is(err, signature.ErrMalformedHeader) && !errors.Is(err, signature.ErrBadBase64) {
				t.Fatalf("ParseHeader(%q) err = %v, not a signature error", h, err)
			}
			return
		}
		if len(mac) != 32 || h != signature.SchemePrefix+base64.StdEncoding.EncodeToString(mac) {
			t.Fatalf("ParseHeader(%q) accepted %x", h, mac)
		}
	})
}

// FuzzParseTimestamp checks the x-timestamp parser.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"1637117179", "1637117179000", "-1", "", "+1", " 1", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := signature.ParseTimestamp(s)
		if err != nil {
			if !errors.Is(err, signature.ErrMalformedHeader) {
				t.Fatalf("ParseTimestamp(%q) err = %v", s, err)
			}
			return
		}
		if ts.Unix() < 0 || fmt.Sprint(ts.Unix()) != trimZeros(s) {
			t.Fatalf("ParseTimestamp(%q) = %d", s, ts.Unix())
		}
	})
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func ExampleVerifier_Verify() {
	keys, _ := signature.ParseCredentials(keyA + ":" + secretA)
	secret, _ := keys.Secret(keyA)
	body := []byte(`{"status":"APPROVED","message":"OK","status_detail":"APPROVED"}`)
	s := signature.Signed{
		APIKey:    keyA,
		Timestamp: "1700000000",
		Endpoint:  "/transactions/authorizations",
		Body:      body,
		Signature: signature.Sign(secret, "1700000000", "/transactions/authorizations", body),
	}
	fmt.Println(s.Signature)
	err := signature.Verifier{Keys: keys}.Verify(s, "/transactions/authorizations", time.Unix(1_700_000_090, 0))
	fmt.Println(err, errors.Is(err, signature.ErrTooOld))
	// Output:
	// hmac-sha256 0QIfryWi6Dq+EPnuYhh3idXrpt3iqBVVCzqn6+lDl3Y=
	// signature: timestamp too old: 1m30s behind our clock, tolerance 1m0s true
}
