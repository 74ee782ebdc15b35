package mask

import (
	"fmt"
	"testing"
)

func TestIdentifiers(t *testing.T) {
	for _, tc := range []struct {
		body, curps, nsses string
	}{
		{`{"curp":"roma880315mdfdrr07","nss":"92139110743"}`, "[ROMA880315MDFDRR07]", "[92139110743]"},
		{`{"data":{"identifier":"ROMA880315MDFDRR07","profiles":[{"internal_identification":"SALJ750622HJCNPN01","document_number":12345678903}]}}`,
			"[ROMA880315MDFDRR07 SALJ750622HJCNPN01]", "[12345678903]"},
		{`{"a":["ROMA880315MDFDRR07","ROMA880315MDFDRR07"],"NSS_Number":" 92139110743 "}`, "[ROMA880315MDFDRR07]", "[92139110743]"},
		{`{"sequence_id":"1700000001","result":"OK","name":"David HE"}`, "[]", "[]"},
		{`{"curp":1,"nss":{"x":"y"}}`, "[]", "[]"},
		{`not json`, "[]", "[]"},
	} {
		curps, nsses := Identifiers([]byte(tc.body))
		if fmt.Sprint(curps) != tc.curps || fmt.Sprint(nsses) != tc.nsses {
			t.Errorf("Identifiers(%s) = %v %v, want %s %s", tc.body, curps, nsses, tc.curps, tc.nsses)
		}
	}
}

// FuzzIdentifiers: whatever the body, Identifiers reads it without
// failing, the same each time, and finds no empty identifier.
func FuzzIdentifiers(f *testing.F) {
	for _, s := range []string{`{"curp":"ROMA880315MDFDRR07"}`, `{"nss":92139110743}`, `[{"x":"ROMA880315MDFDRR07"}]`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		curps, nsses := Identifiers([]byte(body))
		again, _ := Identifiers([]byte(body))
		if fmt.Sprint(curps) != fmt.Sprint(again) {
			t.Fatalf("%q: %v, then %v", body, curps, again)
		}
		for _, v := range append(curps, nsses...) {
			if v == "" {
				t.Fatalf("an empty identifier in %q", body)
			}
		}
	})
}
