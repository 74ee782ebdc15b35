package belvo_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

var update = flag.Bool("update", false, "rewrite the golden reports")

var (
	today = employment.Date{Year: 2023, Month: time.January, Day: 19}
	known = employment.Person{CURP: "HEGG560427MVZRRL04"}
	read  = func(t testing.TB, name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
)

// TestNormalizeGolden: a link's two pages of employment records, built on
// the shape of Belvo's Employment Records reference for Mexico (003's
// sample stops at the request), merged into one report: the person and
// weeks from the first profile, one job per employer registration and
// start date.
func TestNormalizeGolden(t *testing.T) {
	var profiles []belvo.Profile
	for i, name := range []string{"employment-records-page1.json", "employment-records-page2.json"} {
		p, err := belvo.DecodePage(read(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if (i == 0) != (p.Next != "") {
			t.Fatalf("page %d: next %q", i+1, p.Next)
		}
		profiles = append(profiles, p.Profiles...)
	}
	rep, err := belvo.Normalize("30cb4806-6e00-48a4-91c9-ca55968576c8", profiles, known,
		employment.Source{RetrievedAt: time.Date(2023, 1, 19, 15, 0, 0, 0, time.UTC)}, today)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(rep, "", "  ")
	got = append(got, '\n')
	if *update {
		os.WriteFile("testdata/golden/employment-records.json", got, 0o644)
	}
	if want := read(t, "golden/employment-records.json"); !bytes.Equal(got, want) {
		t.Errorf("the report differs from the golden file (go test -update rewrites it):\n%s", got)
	}
}

func TestDecodePageRefuses(t *testing.T) {
	for _, body := range []string{
		`{"results":{}}`, `{"next":null}`, `{"results":[1]}`,
		`{"results":[{"employment_records":[{"employer":7}]}]}`,
		`{"results":[{"employment_records":[{"employment_status_updates":{}}]}]}`,
		`{"results":[],"results":[]}`,
	} {
		if _, err := belvo.DecodePage([]byte(body)); !errors.Is(err, inbound.ErrPayload) {
			t.Errorf("DecodePage(%s) = %v, want ErrPayload", body, err)
		}
	}
}

func TestNormalizeRefuses(t *testing.T) {
	for name, r := range map[string]belvo.Record{
		"dollars":   {StartDate: "2020-01-01", MostRecentBaseSalary: "10", Currency: "USD"},
		"no start":  {MostRecentBaseSalary: "10"},
		"bad end":   {StartDate: "2020-01-01", EndDate: "soon"},
		"bad event": {StartDate: "2020-01-01", Updates: []belvo.Update{{Event: "HIRED", Date: "x"}}},
	} {
		if _, err := belvo.Normalize("l", []belvo.Profile{{Records: []belvo.Record{r}}}, known, employment.Source{}, today); err == nil {
			t.Errorf("%s: Normalize succeeded", name)
		}
	}
}

// TestClassify: every row of 003's table of errors, verbatim, and Belvo's
// codes and statuses beyond it.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status        int
		code, message string
		want          outcome.Code
	}{
		{400, "invalid_credentials", "El NSS capturado no coincide con la CURP", outcome.NSSCURPMismatch},
		{400, "login_error", "El NSS no fue localizado en el IMSS", outcome.NSSNotFound},
		{400, "login_error", "El CURP proporcionado no fue localizado en la entidad externa RENAPO", outcome.CURPNotFound},
		{400, "login_error", "CURP es incorrecto", outcome.CURPIncorrect},
		{400, "login_error", "Por favor, ingresa un CURP válido. Debe contener 18 caracteres", outcome.CURPIncorrect},
		{400, "login_error", "La persona no cuenta con NSS", outcome.NoNSS},
		{400, "login_error", "Los datos registrados en el IMSS asociados a la CURP, presentan alguna inconsistencia, por favor acude a tu Subdelegación para obtener tu Número de Seguridad Social.", outcome.IMSSDataMismatch},
		{400, "login_error", "Es necesario que acudas a la subdelegación más cercana a tu domicilio a presentar tu trámite", outcome.IMSSVisitRequired},
		{400, "login_error", "El correo ya está registrado con otro CURP", outcome.EmailInUse},
		{403, "forbidden_by_host", "Has agotado el número de solicitudes permitidas por día.", outcome.IMSSDailyLimit},
		{403, "forbidden_by_host", "", outcome.IMSSDailyLimit},
		{400, "institution_down", "The financial institution is down", outcome.ProviderDown},
		{428, "too_many_sessions", "", outcome.ProviderRateLimit},
		{401, "authentication_failed", "Invalid credentials", outcome.ProviderAuth},
		{429, "", "", outcome.ProviderRateLimit},
		{502, "", "", outcome.ProviderDown},
		{400, "login_error", "Un mensaje nuevo", outcome.ProviderRejected},
		{418, "", "", outcome.ProviderError},
	} {
		p := belvo.Classify(tc.status, tc.code, tc.message)
		if p.Code != tc.want || p.ProviderMessage != tc.message {
			t.Errorf("Classify(%d, %s, %q) = %+v, want %s with the message kept", tc.status, tc.code, tc.message, p, tc.want)
		}
	}
}

func TestDecodeError(t *testing.T) {
	for body, want := range map[string][2]string{
		`[{"code":"login_error","message":"CURP es incorrecto","request_id":"r"}]`: {"login_error", "CURP es incorrecto"},
		`{"code":"unexpected_error","message":"x"}`:                                {"unexpected_error", "x"},
		`<html>`: {"", ""},
	} {
		if c, m := belvo.DecodeError([]byte(body)); c != want[0] || m != want[1] {
			t.Errorf("DecodeError(%s) = %q, %q", body, c, m)
		}
	}
}

// FuzzNormalize: decoding and normalizing any page never panics.
func FuzzNormalize(f *testing.F) {
	f.Add(read(f, "employment-records-page1.json"))
	f.Add(read(f, "employment-records-page2.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := belvo.DecodePage(body)
		if err != nil {
			if !errors.Is(err, inbound.ErrPayload) {
				t.Fatal(err)
			}
			return
		}
		if rep, err := belvo.Normalize("l", p.Profiles, known, employment.Source{}, today); err == nil {
			if _, err := json.Marshal(rep); err != nil {
				t.Fatal(err)
			}
		}
	})
}
