package webhook_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// FuzzTDQuery: the TD query parser never panics, and what it accepts has
// each of the four parameters once, non-empty.
func FuzzTDQuery(f *testing.F) {
	f.Add(tdCalled(tdSignHex))
	f.Add("/webhooks/td?partner_code=a&partner_code=b&timestamp=1&access_key=k&sign=s")
	f.Add("/webhooks/td?%zz")
	f.Fuzz(func(t *testing.T, called string) {
		q, err := webhook.TDQuery(called)
		// The scheme runs the parser first: it must not panic either.
		tdScheme.Authenticate(webhook.Inbound{Called: called}, time.UnixMilli(1699272744735))
		if err != nil {
			if !errors.Is(err, webhook.ErrMissingParameter) {
				t.Fatalf("err = %v, not ErrMissingParameter", err)
			}
			return
		}
		for _, name := range webhook.TDParameters {
			if q[name] == "" {
				t.Fatalf("accepted %q without %s", called, name)
			}
		}
	})
}

// FuzzName: naming and decoding any body on any route never panics, fails
// only with ErrPayload, and a named delivery has a type and a dedupe key.
func FuzzName(f *testing.F) {
	for _, b := range []string{shippingBody, palencaBody, `{"type":"ACTIVITY_CREATED","idempotency_key":"k","activity":{"id":"a","updated_at":"2026-01-01T00:00:00Z"}}`,
		`{"sequence_id":"1","result":"OK","social_security_info":{"work_detail":[{"name_workpalce":"X"}]}}`,
		`{"webhook_id":"w","webhook_type":"EMPLOYMENT_RECORDS","webhook_code":"historical_update","data":{"total_employment_record_profiles":3}}`,
		`{"event_id":"identity-session-completed","idempotency_key":"k","session":{"id":"s","status":"DONE"}}`} {
		for i := range webhook.Routes {
			f.Add(uint8(i), []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, r uint8, body []byte) {
		route := webhook.Routes[int(r)%len(webhook.Routes)]
		n, err := webhook.Name(route, body)
		if err != nil {
			if !errors.Is(err, webhook.ErrPayload) {
				t.Fatalf("Name err = %v, not ErrPayload", err)
			}
			return
		}
		if n.Type == "" || n.DedupeKey == "" {
			t.Fatalf("Name(%s, %q) = %+v: empty type or key", route, body, n)
		}
		var derr error
		switch route {
		case webhook.PomeloActivities:
			_, derr = webhook.DecodeActivity(body)
		case webhook.PomeloIdentity:
			_, derr = webhook.DecodeIdentity(body)
		case webhook.PomeloShipping:
			_, derr = webhook.DecodeShipping(body)
		case webhook.TDPush:
			_, derr = webhook.DecodeTD(body)
		case webhook.BelvoRoute:
			_, derr = webhook.DecodeBelvo(body)
		case webhook.PalencaRoute:
			_, derr = webhook.DecodePalenca(body)
		}
		if derr != nil && !errors.Is(derr, webhook.ErrPayload) {
			t.Fatalf("decode err = %v, not ErrPayload", derr)
		}
	})
}

// FuzzHeaderSchemes: the Belvo and Palenca header checks never panic and
// accept only the exact credential.
func FuzzHeaderSchemes(f *testing.F) {
	f.Add("Bearer xyz", palencaSig, []byte(palencaBody))
	f.Add("", "zz", []byte("{}"))
	f.Fuzz(func(t *testing.T, authorization, sig string, body []byte) {
		in := webhook.Inbound{Body: body, Header: http.Header{"Authorization": {authorization}, "X-Palenca-Signature": {sig}}}
		if _, err := (webhook.BelvoScheme{Authorization: "Bearer xyz"}).Authenticate(in, time.Time{}); (err == nil) != (authorization == "Bearer xyz") {
			t.Fatalf("Belvo with %q: err = %v", authorization, err)
		}
		_, err := (webhook.PalencaScheme{Secret: "palenca-secret"}).Authenticate(in, time.Time{})
		valid := string(body) == palencaBody && strings.EqualFold(sig, palencaSig)
		if (err == nil) != valid {
			t.Fatalf("Palenca with %q over %q: err = %v", sig, body, err)
		}
	})
}
