package palenca_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
)

// The known answer was computed with `openssl dgst -sha256 -hmac palenca-secret`.
const (
	body = `{"webhook_action":"login.success","data":{"webhook_id":"wh-1"}}`
	sig  = "659e8af35b0977de26fc776502d1d6efe08457e9179c29a2421225129b286769"
)

func delivery(b string, header string, values ...string) inbound.Delivery {
	h := http.Header{}
	for _, v := range values {
		h.Add(header, v)
	}
	return inbound.Delivery{Body: []byte(b), Header: h}
}

func TestScheme(t *testing.T) {
	signed := palenca.Scheme{Secrets: []string{"palenca-secret"}}
	for _, tc := range []struct {
		name   string
		scheme palenca.Scheme
		in     inbound.Delivery
		want   error
		code   outcome.Code
		auth   string
	}{
		{"signed", signed, delivery(body, "X-Palenca-Signature", sig), nil, "", "palenca-hmac-sha256"},
		{"upper hex, own header", palenca.Scheme{Secrets: []string{"palenca-secret"}, Header: "X-Sig"}, delivery(body, "X-Sig", strings.ToUpper(sig)), nil, "", "palenca-hmac-sha256"},
		{"unsigned, taken as a hint", palenca.Scheme{Unsigned: true}, delivery(body, "X-Palenca-Signature"), nil, "", "palenca-unsigned"},
		{"no secret, unsigned not accepted", palenca.Scheme{}, delivery(body, "X-Palenca-Signature"), inbound.ErrNotConfigured, "CREDENTIAL_NOT_SET", ""},
		{"a secret set: unsigned refused whatever Unsigned says", palenca.Scheme{Secrets: []string{"palenca-secret"}, Unsigned: true}, delivery(body, "X-Palenca-Signature"), palenca.ErrMissingSignature, "SIGNATURE_HEADER_MISSING", ""},
		{"rotation: old secret in the overlap", palenca.Scheme{Secrets: []string{"new-secret", "palenca-secret"}}, delivery(body, "X-Palenca-Signature", sig), nil, "", "palenca-hmac-sha256"},
		{"rotation: old secret after", palenca.Scheme{Secrets: []string{"new-secret"}}, delivery(body, "X-Palenca-Signature", sig), palenca.ErrSignatureMismatch, "SIGNATURE_MISMATCH", ""},
		{"body changed", signed, delivery(body+" ", "X-Palenca-Signature", sig), palenca.ErrSignatureMismatch, "SIGNATURE_MISMATCH", ""},
		{"missing", signed, delivery(body, "X-Palenca-Signature"), palenca.ErrMissingSignature, "SIGNATURE_HEADER_MISSING", ""},
		{"not hex", signed, delivery(body, "X-Palenca-Signature", "zz"), palenca.ErrMalformedSignature, "SIGNATURE_HEADER_MALFORMED", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.scheme.Authenticate(tc.in, time.Time{})
			if !errors.Is(err, tc.want) || err != nil && inbound.CodeOf(err) != tc.code {
				t.Errorf("err = %v (code %s), want %v (code %s)", err, inbound.CodeOf(err), tc.want, tc.code)
			}
			if err == nil && (p.Auth != tc.auth || inbound.Unauthenticated(p.Auth) != (tc.name == "unsigned, taken as a hint")) {
				t.Errorf("Auth = %q, want %q", p.Auth, tc.auth)
			}
		})
	}
}

func TestName(t *testing.T) {
	for _, tc := range []struct {
		body  string
		want  string
		known bool
	}{
		{body, "wh-1", true},
		{`{"webhook_action":"employment.updated","webhook_id":"top"}`, "top", true},
		{`{"webhook_action":"login.error"}`, "sha256:" + inbound.BodySum([]byte(`{"webhook_action":"login.error"}`)), true},
		{`{"webhook_action":"user.deleted","webhook_id":"w"}`, "w", false},
	} {
		n, err := palenca.Name([]byte(tc.body))
		if err != nil || n.Key != tc.want || n.Known != tc.known {
			t.Errorf("Name(%s) = %+v, %v; want key %s, known %v", tc.body, n, err, tc.want, tc.known)
		}
	}
	if _, err := palenca.Name([]byte(`{"webhook_action":"x","data":{"webhook_id":7}}`)); !errors.Is(err, inbound.ErrPayload) {
		t.Errorf("a numeric webhook_id: err = %v", err)
	}
	n, err := palenca.Decode([]byte(`{"webhook_action":"login.success","data":{"user_id":"u-1","account_id":"a-1"},"webhook_id":"w-9"}`))
	if err != nil || n.WebhookID != "w-9" || n.UserID != "u-1" || n.AccountID != "a-1" || n.Action != "login.success" {
		t.Errorf("Decode = %+v, %v", n, err)
	}
}

// TestNewerShape: Palenca's newer reference puts webhook_action and the
// rest inside data, with status_details on a failed login.
func TestNewerShape(t *testing.T) {
	b := []byte(`{"data":{"webhook_id":"w-2","account_id":"a-1","external_id":null,"platform":"imss","user_id":"u-1","status_details":"curp_not_in_platform","webhook_action":"login.error"},"webhook_url":"https://example.com/webhooks/palenca"}`)
	nm, err := palenca.Name(b)
	if err != nil || nm.Type != "login.error" || nm.Key != "w-2" || !nm.Known || strings.Join(nm.Subjects, " ") != "palenca:a-1" {
		t.Errorf("Name = %+v, %v", nm, err)
	}
	// What a person's data is found by: the account, and a CURP the body
	// carries.
	nm, _ = palenca.Name([]byte(`{"webhook_action":"login.success","data":{"account_id":"a-2","identifier":"ROMA880315MDFDRR07"}}`))
	if strings.Join(nm.Subjects, " ") != "palenca:a-2 curp:ROMA880315MDFDRR07" {
		t.Errorf("subjects %q", nm.Subjects)
	}
	n, err := palenca.Decode(b)
	if err != nil || n.Action != "login.error" || n.StatusDetails != "curp_not_in_platform" || n.AccountID != "a-1" || n.Platform != "imss" {
		t.Errorf("Decode = %+v, %v", n, err)
	}
	for _, bad := range []string{`{"data":{}}`, `{"data":{"webhook_action":7}}`} {
		if _, err := palenca.Decode([]byte(bad)); !errors.Is(err, inbound.ErrPayload) {
			t.Errorf("Decode(%s) = %v, want ErrPayload", bad, err)
		}
	}
}

// FuzzScheme: the check never panics and accepts only the body's MAC.
func FuzzScheme(f *testing.F) {
	f.Add(sig, []byte(body))
	f.Add("zz", []byte("{}"))
	f.Fuzz(func(t *testing.T, s string, b []byte) {
		_, err := palenca.Scheme{Secrets: []string{"palenca-secret"}}.Authenticate(inbound.Delivery{Body: b, Header: http.Header{"X-Palenca-Signature": {s}}}, time.Time{})
		if valid := string(b) == body && strings.EqualFold(s, sig); (err == nil) != valid {
			t.Fatalf("%q over %q: err = %v", s, b, err)
		}
	})
}

// FuzzName: naming and decoding any body never panics and fails only with
// ErrPayload.
func FuzzName(f *testing.F) {
	f.Add([]byte(body))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := palenca.Name(b)
		if err == nil && (n.Type == "" || n.Key == "") || err != nil && !errors.Is(err, inbound.ErrPayload) {
			t.Fatalf("Name(%q) = %+v, %v", b, n, err)
		}
		if _, err := palenca.Decode(b); err != nil && !errors.Is(err, inbound.ErrPayload) {
			t.Fatalf("Decode err = %v", err)
		}
	})
}
