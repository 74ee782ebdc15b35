package td_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/td"
)

var update = flag.Bool("update", false, "rewrite the golden reports")

// today is the day the goldens are computed against.
var today = employment.Date{Year: 2024, Month: time.January, Day: 15}

// known is the person the goldens' verification asked about.
var known = employment.Person{CURP: "GUPN890412HNECRR06"}

// TestNormalizeGoldens: every report example of TD's documents, both
// formats, normalized into the one report. push-ok.json is 001's push
// example, query-ok.json its query example (whose data is the report), and
// report-002.json a report in 002's format built from its field list,
// since 002 gives no example.
func TestNormalizeGoldens(t *testing.T) {
	for _, tc := range []struct{ input, path string }{
		{"push-ok.json", ""},
		{"query-ok.json", "data"},
		{"report-002.json", ""},
	} {
		t.Run(tc.input, func(t *testing.T) {
			body := read(t, tc.input)
			if tc.path != "" {
				body = []byte(gjson.GetBytes(body, tc.path).Raw)
			}
			r, err := td.DecodeReport(body)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := td.Normalize(r, known, employment.Source{RetrievedAt: time.Date(2024, 1, 15, 18, 4, 5, 0, time.UTC)}, today)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "golden/"+tc.input, rep)
		})
	}
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile("testdata/"+name, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := read(t, name); !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

func TestNormalizeRefuses(t *testing.T) {
	for _, body := range []string{
		`{"sequence_id":"1","result":"ERROR","message":"x"}`,
		`{"sequence_id":"1","result":"OK","social_security_info":{"working_time_detail":{"working_week":"many"}}}`,
		`{"sequence_id":"1","result":"OK","social_security_info":{"work_detail":[{"start_date":"31/02/2022","end_date":"Vigente"}]}}`,
		`{"sequence_id":"1","result":"OK","social_security_info":{"work_detail":[{"start_date":"01/02/2022","end_date":"pronto"}]}}`,
		`{"sequence_id":"1","result":"OK","social_security_info":{"work_detail":[{"start_date":"01/02/2022","end_date":"Vigente","daily_salary":"$-3"}]}}`,
		`{"sequence_id":"1","result":"OK","report_base":{"works":[{"date_registration":"01/02/2022","date_de_registration":"Vigente","detail":[{"type_movement":"Alta","date_movement":""}]}]}}`,
	} {
		r, err := td.DecodeReport([]byte(body))
		if err != nil {
			t.Errorf("DecodeReport(%s): %v", body, err)
			continue
		}
		if rep, err := td.Normalize(r, known, employment.Source{}, today); err == nil {
			t.Errorf("Normalize(%s) = %+v, want an error", body, rep)
		}
	}
}

// TestWorksBesideReportBase: 002 does not say whether works sits inside
// report_base; beside it is read too.
func TestWorksBesideReportBase(t *testing.T) {
	r, err := td.DecodeReport([]byte(`{"sequence_id":"1","result":"OK","report_base":{"valid_weeks":3},"works":[{"employer_name":"A","date_registration":"2022-01-02","date_de_registration":"VIGENTE","base_salary_contribution":"300"}]}`))
	if err != nil || r.Format != 2 || len(r.Work) != 1 || r.Contributed != "3" {
		t.Fatalf("DecodeReport = %+v, %v", r, err)
	}
	rep, err := td.Normalize(r, known, employment.Source{}, today)
	if err != nil || !rep.Jobs[0].Current() || rep.Insights.MonthlyIncomeEstimate.String() != "9120.00" {
		t.Errorf("Normalize = %+v, %v", rep, err)
	}
}

// TestClassify: every message of 002's enumeration, verbatim, and 001's
// ERROR example.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		message string
		code    outcome.Code
	}{
		{"Por el momento no es posible entregarle su constancia por favor intente más tarde o solicítela directamente en la Subdelegación más cercana a su domicilio en días y horas hábiles.", outcome.IMSSDailyLimit},
		{"Para poder generar su Reporte de Semanas Cotizadas, es necesario acuda a la subdelegación más cercana a su domicilio a recibir orientación.", outcome.IMSSVisitRequired},
		{"Los datos de entrada no coinciden con los datos de la entidad externa RENAPO.", outcome.RENAPOMismatch},
		{"Es necesario que acudas a la Subdelegación más cercana a tu domicilio a presentar tu trámite.", outcome.IMSSVisitRequired},
		{"La CURP proporcionada no fue localizada en la entidad externa RENAPO", outcome.CURPNotFound},
		{"Service unavailable, please retry later", outcome.ProviderDown},
		{"The CURP is incorrect", outcome.CURPIncorrect},
		{"The NSS does not exist", outcome.NSSNotFound},
		{"Invalid Social Security Number status", outcome.NSSInvalid},
		{"More than 3 executions of the service with the same CURP", outcome.IMSSDailyLimit},
		{"Something TD never documented", outcome.ProviderError},
	} {
		p, pending := td.Classify(tc.message)
		if pending || p.Code != tc.code || p.ProviderMessage != tc.message {
			t.Errorf("Classify(%q) = %+v, %v; want %s with the message kept", tc.message, p, pending, tc.code)
		}
		f, _ := outcome.FaultOf(tc.code)
		if p.About != f.About || p.Retryable != f.Retryable || p.Message != f.Message {
			t.Errorf("Classify(%q) = %+v, not the taxonomy's %+v", tc.message, p, f)
		}
	}
	if _, pending := td.Classify("Work in progress"); !pending {
		t.Error(`Classify("Work in progress") is not pending`)
	}
}

func TestRequestProblem(t *testing.T) {
	for code, want := range map[int]outcome.Code{
		300: outcome.ProviderInactive, 301: outcome.ProviderInactive, 302: outcome.ProviderInactive, 304: outcome.ProviderInactive,
		303: outcome.ProviderBalance, 9500: outcome.ProviderDown, 9060: outcome.ProviderRejected, 9061: outcome.ProviderRejected,
		418: outcome.ProviderError,
	} {
		if p := td.RequestProblem(code, " id_number empty "); p.Code != want || p.About != outcome.Provider || p.ProviderMessage != "id_number empty" {
			t.Errorf("RequestProblem(%d) = %+v, want %s", code, p, want)
		}
	}
}

// FuzzNormalize: decoding and normalizing any body never panics.
func FuzzNormalize(f *testing.F) {
	f.Add(read(f, "push-ok.json"))
	f.Add(read(f, "report-002.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := td.DecodeReport(body)
		if err != nil {
			return
		}
		if rep, err := td.Normalize(r, known, employment.Source{}, today); err == nil {
			if _, err := json.Marshal(rep); err != nil {
				t.Fatalf("Marshal: %v", err)
			}
		}
	})
}
