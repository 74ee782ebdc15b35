package mask_test

import (
	"encoding/json"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/mask"
)

func TestValues(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{mask.CURP("HEGG560427MVZRRL04"), "HEGG5604****ZRRL04"},
		{mask.NSS("12345678901"), "1234****901"},
		{mask.Name("David HE"), "D. H."},
		{mask.Name("  maría  josé de la o "), "M. J. D. L. O."},
		{mask.CURP("short"), "****"},
		{mask.NSS(""), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		changed        bool
	}{
		{"td push", `{"sequence_id":"1","result":"OK","social_security_info":{"name":"David HE","work_detail":[{"name_workpalce":"CAPITAL ARRECIFE","daily_salary":"$334.26"}]}}`,
			`{"sequence_id":"1","result":"OK","social_security_info":{"name":"D. H.","work_detail":[{"name_workpalce":"CAPITAL ARRECIFE","daily_salary":"$334.26"}]}}`, true},
		{"curp and nss by key, nss a number", `{"curp":"HEGG560427MVZRRL04","nss_number":12345678901,"x":[1,true,null]}`,
			`{"curp":"HEGG5604****ZRRL04","nss_number":"1234****901","x":[1,true,null]}`, true},
		{"td 002 push", `{"report_base":{"user_name":"NAYELI GUTIERREZ PEREZ","nss":"92139110743","curp":"GUPN890412HNECRR06"}}`,
			`{"report_base":{"user_name":"N. G. P.","nss":"9213****743","curp":"GUPN8904****ECRR06"}}`, true},
		{"belvo's records", `{"personal_data":{"official_name":"Bruce Banner"}}`, `{"personal_data":{"official_name":"B. B."}}`, true},
		{"a CURP anywhere", `{"note":["HEGG560427MVZRRL04"]}`, `{"note":["HEGG5604****ZRRL04"]}`, true},
		{"nothing personal", `{"webhook_id": "w", "n": 1.50}`, `{"webhook_id": "w", "n": 1.50}`, false},
		{"not JSON", `{"a":`, `{"a":`, false},
		{"an object never closed", `{"":"AAAA000000XAAAAA00"`, `{"":"AAAA000000XAAAAA00"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := mask.JSON([]byte(tc.in))
			if string(got) != tc.want || changed != tc.changed {
				t.Errorf("JSON = %s, %v; want %s, %v", got, changed, tc.want, tc.changed)
			}
			if changed && !json.Valid(got) {
				t.Errorf("masked body is not JSON: %s", got)
			}
		})
	}
}

// FuzzJSON: masking never panics, and what it changes stays valid JSON.
func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"name":"A B","curp":"HEGG560427MVZRRL04","l":[{"nss":"12345678901"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, changed := mask.JSON(b)
		if changed && !json.Valid(got) {
			t.Fatalf("JSON(%q) = %q, not JSON", b, got)
		}
		if !changed && string(got) != string(b) {
			t.Fatalf("unchanged body altered")
		}
	})
}

func TestHeaders(t *testing.T) {
	got := mask.Headers(map[string]string{
		"Content-Type": "application/json", "x-api-key": "h3Ws4Cv09Jc", "x-signature": "hmac-sha256 abc=",
		"x-timestamp": "1637117179", "X-Palenca-Signature": "659e8a", "query": "partner_code=p&timestamp=1&access_key=ak_123456&sign=83f8",
	})
	want := map[string]string{
		"Content-Type": "application/json", "x-api-key": "h3Ws…", "x-signature": "[redacted]",
		"x-timestamp": "1637117179", "X-Palenca-Signature": "[redacted]", "query": "partner_code=p&timestamp=1&access_key=ak_1…&sign=[redacted]",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}
