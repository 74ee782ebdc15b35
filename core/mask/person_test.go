package mask

import "testing"

func TestPerson(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"person":{"name":"MARIA RODRIGUEZ DORANTES","curp":"ROMA880315MDFDRR07","nss":"92139110743"},"jobs":[{"employer":"LEVDOS"}]}`,
			`{"person":{"name":"M. R. D.","curp":"ROMA8803****FDRR07","nss":"9213****743"},"jobs":[{"employer":"LEVDOS"}]}`},
		{`{"person":{"name":null,"curp":"ROMA880315MDFDRR07","nss":null},"weeks":{}}`,
			`{"person":{"name":null,"curp":"ROMA8803****FDRR07","nss":null},"weeks":{}}`},
		{`{"jobs":[]}`, `{"jobs":[]}`},
		{`{"person":"David"}`, `{"person":"David"}`},
		{`not json`, `not json`},
	} {
		if got := string(Person([]byte(tc.in))); got != tc.want {
			t.Errorf("Person(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
