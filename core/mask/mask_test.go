package mask_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/mask"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/td"
)

func TestValues(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{mask.CURP("HEGG560427MVZRRL04"), "HEGG5604****ZRRL04"},
		{mask.NSS("12345678901"), "1234****901"},
		{mask.Name("David HE"), "D. H."},
		{mask.Name("  maría  josé de la o "), "M. J. D. L. O."},
		{mask.CURP("short"), "****"},
		{mask.NSS(""), ""},
		{mask.Registration("Z065861410"), "Z06****"},
		{mask.Registration("C41"), "****"},
		{mask.Amount("$334.26"), "****"},
		{mask.Date("21/12/2022"), "****"},
		{mask.Email("bruce.banner@avengers.com"), "b****@avengers.com"},
		{mask.Email("ñu@x.mx"), "ñ****@x.mx"},
		{mask.Email("no-at-sign"), "****"},
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
			`{"sequence_id":"1","result":"OK","social_security_info":{"name":"D. H.","work_detail":[{"name_workpalce":"C. A.","daily_salary":"****"}]}}`, true},
		{"palenca's employment", `{"employer":"LEVDOS SA","employer_registration":"Z065861410","base_salary":374.61,"start_date":"2023-03-16","federal_entity":"GUANAJUATO"}`,
			`{"employer":"L. S.","employer_registration":"Z06****","base_salary":"****","start_date":"****","federal_entity":"GUANAJUATO"}`, true},
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

// TestEveryReportField: what a report normalized from each provider's body
// holds about the person (name, CURP, NSS, employers, registrations,
// salaries, dates) appears nowhere in the body as the events API shows it.
func TestEveryReportField(t *testing.T) {
	today := employment.Date{Year: 2024, Month: 6, Day: 1}
	read := func(t *testing.T, path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		bodies []string
		report func(bodies [][]byte) (employment.Report, error)
	}{
		{"td 001", []string{"../td/testdata/push-ok.json"}, func(b [][]byte) (employment.Report, error) {
			r, err := td.DecodeReport(b[0])
			if err != nil {
				return employment.Report{}, err
			}
			return td.Normalize(r, employment.Person{}, employment.Source{}, today)
		}},
		{"td 002", []string{"../td/testdata/report-002.json"}, func(b [][]byte) (employment.Report, error) {
			r, err := td.DecodeReport(b[0])
			if err != nil {
				return employment.Report{}, err
			}
			return td.Normalize(r, employment.Person{}, employment.Source{}, today)
		}},
		{"belvo", []string{"../belvo/testdata/employment-records-page1.json", "../belvo/testdata/employment-records-page2.json"}, func(b [][]byte) (employment.Report, error) {
			var profiles []belvo.Profile
			for _, body := range b {
				p, err := belvo.DecodePage(body)
				if err != nil {
					return employment.Report{}, err
				}
				profiles = append(profiles, p.Profiles...)
			}
			return belvo.Normalize("link", profiles, employment.Person{}, employment.Source{}, today)
		}},
		{"palenca", []string{"../palenca/testdata/employment.json"}, func(b [][]byte) (employment.Report, error) {
			e, err := palenca.DecodeEmployment(b[0])
			if err != nil {
				return employment.Report{}, err
			}
			return palenca.Normalize(e, employment.Person{}, employment.Source{}, today)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bodies [][]byte
			for _, path := range tc.bodies {
				bodies = append(bodies, read(t, path))
			}
			r, err := tc.report(bodies)
			if err != nil {
				t.Fatal(err)
			}
			personal := personalValues(r)
			if len(personal) < 10 {
				t.Fatalf("only %d personal values in %+v", len(personal), r)
			}
			for i, body := range bodies {
				masked, _ := mask.JSON(body)
				shown := strings.ToUpper(string(masked))
				for _, v := range personal {
					if strings.Contains(shown, strings.ToUpper(v)) && strings.Contains(strings.ToUpper(string(body)), strings.ToUpper(v)) {
						t.Errorf("%s shows %q:\n%s", tc.bodies[i], v, masked)
					}
				}
			}
		})
	}
}

// personalValues are the report's values about the person, in the forms a
// provider's body may spell them.
func personalValues(r employment.Report) []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if len(v) >= 3 {
				out = append(out, v)
			}
		}
	}
	date := func(d employment.Date) {
		if d.Year != 0 {
			add(fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day), fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year))
		}
	}
	amount := func(s string) {
		if s != "" {
			// As a JSON number, a string, or TD's "$334.26"; the
			// trailing zeros a provider may leave out.
			short := strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
			add(s, ":"+short, `"`+short, "$"+short)
		}
	}
	add(r.Person.CURP, r.Person.NSS)
	add(strings.Fields(r.Person.Name)...)
	for _, j := range r.Jobs {
		add(j.Employer, j.EmployerRegistration)
		amount(j.DailySalary.String())
		date(j.Start)
		date(j.End)
		for _, m := range j.Movements {
			amount(m.DailySalary.String())
			date(m.Date)
		}
	}
	return out
}
