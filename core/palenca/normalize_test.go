package palenca_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
)

var update = flag.Bool("update", false, "rewrite the golden reports")

var known = employment.Person{CURP: "HEGG560427MVZRRL04", NSS: "12345678903"}

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNormalizeGoldens: Palenca's two employment examples (000 collapses
// its sample): its Employment guide's, whose events name their employer,
// and its older API reference's, whose jobs have no registration and whose
// events no employer.
func TestNormalizeGoldens(t *testing.T) {
	for _, tc := range []struct {
		input string
		today employment.Date
	}{
		{"employment.json", employment.Date{Year: 2025, Month: time.March, Day: 10}},
		{"employment-older.json", employment.Date{Year: 2022, Month: time.September, Day: 1}},
	} {
		t.Run(tc.input, func(t *testing.T) {
			e, err := palenca.DecodeEmployment(read(t, tc.input))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := palenca.Normalize(e, known, employment.Source{RetrievedAt: time.Date(2025, 3, 10, 23, 29, 22, 0, time.UTC)}, tc.today)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(rep, "", "  ")
			got = append(got, '\n')
			if *update {
				os.WriteFile("testdata/golden/"+tc.input, got, 0o644)
			}
			if want := read(t, "golden/"+tc.input); !bytes.Equal(got, want) {
				t.Errorf("the report differs from the golden file (go test -update rewrites it):\n%s", got)
			}
		})
	}
}

func TestDecodeEmploymentRefuses(t *testing.T) {
	for _, body := range []string{
		`{"success":false,"error":{"code":"invalid_api_key"},"data":null}`,
		`{"success":true,"data":null}`,
		`{"success":true,"data":{"employment_history":{}}}`,
		`{"success":true,"data":{"employment_history":[{"base_salary":"x","employer":1}]}}`,
		`{"success":true,"data":{},"data":{}}`,
	} {
		if _, err := palenca.DecodeEmployment([]byte(body)); !errors.Is(err, inbound.ErrPayload) {
			t.Errorf("DecodeEmployment(%s) = %v, want ErrPayload", body, err)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status        int
		code, message string
		want          outcome.Code
		kept          string
	}{
		{0, "not_registered", "", outcome.NoNSS, "not_registered"},
		{0, "curp_not_in_platform", "", outcome.CURPNotFound, "curp_not_in_platform"},
		{403, "curp_has_inconsistencies", "The CURP is not valid or has inconsistencies.", outcome.IMSSDataMismatch, "curp_has_inconsistencies: The CURP is not valid or has inconsistencies."},
		{429, "too_many_requests", "", outcome.IMSSDailyLimit, "too_many_requests"},
		{503, "platform_unavailable", "", outcome.ProviderDown, "platform_unavailable"},
		{504, "request_timeout", "", outcome.ProviderTimeout, "request_timeout"},
		{401, "invalid_api_key", "", outcome.ProviderAuth, "invalid_api_key"},
		{422, "bad_request", "", outcome.ProviderRejected, "bad_request"},
		{500, "", "boom", outcome.ProviderDown, "boom"},
		{0, "something_new", "", outcome.ProviderError, "something_new"},
	} {
		p := palenca.Classify(tc.status, tc.code, tc.message)
		if p.Code != tc.want || p.ProviderMessage != tc.kept {
			t.Errorf("Classify(%d, %s, %q) = %+v, want %s keeping %q", tc.status, tc.code, tc.message, p, tc.want, tc.kept)
		}
	}
	for body, want := range map[string][2]string{
		`{"success":false,"error":{"code":"invalid_api_key","message":"The API key is invalid"},"data":null}`: {"invalid_api_key", "The API key is invalid"},
		`{"success":false,"error":"too_many_requests"}`:                                                       {"too_many_requests", ""},
	} {
		if c, m := palenca.DecodeError([]byte(body)); c != want[0] || m != want[1] {
			t.Errorf("DecodeError(%s) = %q, %q", body, c, m)
		}
	}
}

// FuzzNormalize: decoding and normalizing any answer never panics.
func FuzzNormalize(f *testing.F) {
	f.Add(read(f, "employment.json"))
	f.Add(read(f, "employment-older.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := palenca.DecodeEmployment(body)
		if err != nil {
			if !errors.Is(err, inbound.ErrPayload) {
				t.Fatal(err)
			}
			return
		}
		if rep, err := palenca.Normalize(e, known, employment.Source{}, employment.Date{Year: 2024, Month: 1, Day: 1}); err == nil {
			if _, err := json.Marshal(rep); err != nil {
				t.Fatal(err)
			}
		}
	})
}
