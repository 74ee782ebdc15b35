package belvo_test

import (
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

func delivery(authorization ...string) inbound.Delivery {
	return inbound.Delivery{Header: http.Header{"Authorization": authorization}}
}

func TestScheme(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scheme belvo.Scheme
		given  []string
		want   error
		code   outcome.Code
	}{
		{"match", belvo.Scheme{Authorizations: []string{"Bearer xyz"}}, []string{"Bearer xyz"}, nil, ""},
		{"wrong", belvo.Scheme{Authorizations: []string{"Bearer xyz"}}, []string{"Bearer xy"}, belvo.ErrUnknownAuthorization, outcome.UnknownCredential},
		{"missing", belvo.Scheme{Authorizations: []string{"Bearer xyz"}}, nil, belvo.ErrMissingAuthorization, "SIGNATURE_HEADER_MISSING"},
		{"unset", belvo.Scheme{}, []string{""}, inbound.ErrNotConfigured, outcome.CredentialNotSet},
		// Rotation: during the overlap both values are accepted.
		{"old value in the overlap", belvo.Scheme{Authorizations: []string{"Bearer new", "Bearer old"}}, []string{"Bearer old"}, nil, ""},
		{"new value in the overlap", belvo.Scheme{Authorizations: []string{"Bearer new", "Bearer old"}}, []string{"Bearer new"}, nil, ""},
		{"old value after", belvo.Scheme{Authorizations: []string{"Bearer new"}}, []string{"Bearer old"}, belvo.ErrUnknownAuthorization, outcome.UnknownCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.scheme.Authenticate(delivery(tc.given...), time.Time{})
			if !errors.Is(err, tc.want) || err != nil && inbound.CodeOf(err) != tc.code {
				t.Errorf("err = %v (code %s), want %v (code %s)", err, inbound.CodeOf(err), tc.want, tc.code)
			}
			if err == nil && p.Auth != "belvo-authorization" {
				t.Errorf("Auth = %q", p.Auth)
			}
		})
	}
}

// TestSeedExample decodes and names Belvo's historical_update example
// (003; its one "// ..." comment, which is not JSON, left out).
func TestSeedExample(t *testing.T) {
	body, err := os.ReadFile("testdata/historical-update.json")
	if err != nil {
		t.Fatal(err)
	}
	n, err := belvo.Decode(body)
	if err != nil || n.LinkID != "2f5d361d-dad6-45d4-a0bf-26d479766067" || n.Records != 1 || n.ExternalID != "your_external_id" {
		t.Errorf("Decode = %+v, %v", n, err)
	}
	name, err := belvo.Name(body)
	if err != nil || name.Type != "EMPLOYMENT_RECORDS" || name.Key != "03d1ca0d62db4f769488265d141047b7" || !name.Known ||
		len(name.Subjects) != 1 || name.Subjects[0] != "belvo:2f5d361d-dad6-45d4-a0bf-26d479766067" {
		t.Errorf("Name = %+v, %v", name, err)
	}
	if name, _ := belvo.Name([]byte(`{"webhook_id":"w","webhook_type":"EMPLOYMENT_RECORDS","webhook_code":"new_records"}`)); name.Known {
		t.Error("new_records named known")
	}
	for _, bad := range []string{`{"webhook_id":"w","webhook_type":"T","webhook_code":"c","data":{"total_employment_record_profiles":1.5}}`,
		`{"webhook_type":"T","webhook_code":"c"}`, `"just a string"`} {
		if _, err := belvo.Decode([]byte(bad)); !errors.Is(err, inbound.ErrPayload) {
			t.Errorf("Decode(%s) err = %v", bad, err)
		}
	}
}

// FuzzScheme: the check never panics and accepts only an exact credential.
func FuzzScheme(f *testing.F) {
	f.Add("Bearer xyz")
	f.Add("")
	f.Fuzz(func(t *testing.T, authorization string) {
		_, err := belvo.Scheme{Authorizations: []string{"Bearer xyz", "Bearer abc"}}.Authenticate(delivery(authorization), time.Time{})
		if (err == nil) != (authorization == "Bearer xyz" || authorization == "Bearer abc") {
			t.Fatalf("%q: err = %v", authorization, err)
		}
	})
}

// FuzzName: naming and decoding any body never panics and fails only with
// ErrPayload.
func FuzzName(f *testing.F) {
	f.Add([]byte(`{"webhook_id":"w","webhook_type":"EMPLOYMENT_RECORDS","webhook_code":"historical_update","data":{"total_employment_record_profiles":3}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := belvo.Name(body)
		if err == nil && (n.Type == "" || n.Key == "") || err != nil && !errors.Is(err, inbound.ErrPayload) {
			t.Fatalf("Name(%q) = %+v, %v", body, n, err)
		}
		if _, err := belvo.Decode(body); err != nil && !errors.Is(err, inbound.ErrPayload) {
			t.Fatalf("Decode err = %v", err)
		}
	})
}
