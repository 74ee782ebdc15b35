package employment_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

func date(y int, m time.Month, d int) employment.Date {
	return employment.Date{Year: y, Month: m, Day: d}
}

func mxn(s string) money.Amount {
	a, err := money.Parse(s, "MXN")
	if err != nil {
		panic(err)
	}
	return a
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want employment.Date
	}{
		{"21/12/2022", date(2022, 12, 21)},
		{"2022-12-21", date(2022, 12, 21)},
		{" 2022-02-09T08:45:50.406032Z ", date(2022, 2, 9)},
		{"2022-04-01T00:00:00+00:00", date(2022, 4, 1)},
		{"2022-04-01T23:30:00-06:00", date(2022, 4, 1)}, // the provider's day, not UTC's
		{"2022-04-01T23:30:00", date(2022, 4, 1)},
		{"2024-02-29", date(2024, 2, 29)},
	} {
		got, err := employment.ParseDate(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "Vigente", "31/02/2022", "2023-02-29", "12/21/2022", "2022-12-21T", "21-12-2022", "1899-12-31", "2022/12/21"} {
		if got, err := employment.ParseDate(in); !errors.Is(err, employment.ErrDate) {
			t.Errorf("ParseDate(%q) = %v, %v; want ErrDate", in, got, err)
		}
	}
}

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		d    employment.Date
		n    int
		want employment.Date
	}{
		{date(2024, 3, 31), -1, date(2024, 2, 29)},
		{date(2023, 3, 31), -1, date(2023, 2, 28)},
		{date(2024, 1, 15), -24, date(2022, 1, 15)},
		{date(2024, 1, 15), -12, date(2023, 1, 15)},
		{date(2023, 12, 31), 2, date(2024, 2, 29)},
	} {
		if got := tc.d.AddMonths(tc.n); got != tc.want {
			t.Errorf("%v.AddMonths(%d) = %v, want %v", tc.d, tc.n, got, tc.want)
		}
	}
}

func TestParseSalary(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"$334.26", "334.26"},
		{"$ 1,234.5", "1234.50"},
		{"374.61", "374.61"},
		{"13000.13", "13000.13"},
		{"300", "300.00"},
		{".5", "0.50"},
		{"333.335", "333.34"}, // half-up, in the text
		{"333.334999", "333.33"},
		{"0.995", "1.00"},
	} {
		got, err := employment.ParseSalary(tc.in)
		if err != nil || got.String() != tc.want || got.Currency != "MXN" {
			t.Errorf("ParseSalary(%q) = %v, %v; want %s MXN", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "$", "-5", "1e3", "12.3.4", "$12,3a", "NaN", "99999999999999999999", "."} {
		if got, err := employment.ParseSalary(in); !errors.Is(err, employment.ErrSalary) {
			t.Errorf("ParseSalary(%q) = %v, %v; want ErrSalary", in, got, err)
		}
	}
}

var today = date(2024, 1, 15)

func build(t *testing.T, jobs ...employment.Job) employment.Report {
	t.Helper()
	r, err := employment.Build(employment.Person{Name: " Ana "}, employment.Weeks{Contributed: 10}, jobs, employment.Source{Provider: "x"}, today)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestInsights(t *testing.T) {
	for _, tc := range []struct {
		name string
		jobs []employment.Job
		want string // insights' JSON
	}{
		{"unemployed, never worked", nil,
			`{"employed_now":false,"current_employer":null,"monthly_income_estimate":"0.00","months_in_current_job":null,"jobs_last_24_months":0,"employment_gap_months_last_24_months":24,"salary_trend_12_months":"FLAT"}`},
		{"two current jobs: the newer names the employer, both salaries count", []employment.Job{
			{Employer: "OLD", Start: date(2020, 1, 1), DailySalary: mxn("100.01")},
			{Employer: "NEW", Start: date(2023, 12, 16), DailySalary: mxn("200")},
		}, `{"employed_now":true,"current_employer":"NEW","monthly_income_estimate":"9120.30","months_in_current_job":0,"jobs_last_24_months":2,"employment_gap_months_last_24_months":0,"salary_trend_12_months":"UP"}`},
		{"a gap of ten months between jobs, salary down", []employment.Job{
			{Employer: "A", Start: date(2021, 1, 1), End: date(2023, 2, 1), DailySalary: mxn("500")},
			{Employer: "B", Start: date(2023, 12, 1), DailySalary: mxn("400")},
		}, `{"employed_now":true,"current_employer":"B","monthly_income_estimate":"12160.00","months_in_current_job":1,"jobs_last_24_months":2,"employment_gap_months_last_24_months":9,"salary_trend_12_months":"DOWN"}`},
		{"within 5% is flat; movements give the salary of the day", []employment.Job{
			{Employer: "A", Start: date(2020, 1, 1), DailySalary: mxn("104.99"), Movements: []employment.Movement{
				{Type: employment.Hired, Date: date(2020, 1, 1), DailySalary: mxn("100")},
				{Type: employment.SalaryChange, Date: date(2023, 6, 1), DailySalary: mxn("104.99")},
			}},
		}, `{"employed_now":true,"current_employer":"A","monthly_income_estimate":"3191.70","months_in_current_job":48,"jobs_last_24_months":1,"employment_gap_months_last_24_months":0,"salary_trend_12_months":"FLAT"}`},
		{"a job without a salary counts as none", []employment.Job{{Employer: "A", Start: date(2023, 1, 15)}},
			`{"employed_now":true,"current_employer":"A","monthly_income_estimate":"0.00","months_in_current_job":12,"jobs_last_24_months":1,"employment_gap_months_last_24_months":12,"salary_trend_12_months":"FLAT"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(build(t, tc.jobs...).Insights)
			if err != nil || string(got) != tc.want {
				t.Errorf("insights =\n %s, %v\nwant\n %s", got, err, tc.want)
			}
		})
	}
}

// TestOrder: current jobs first, then by start date descending, ties by
// employer; a job repeated (same registration and start) is kept once.
func TestOrder(t *testing.T) {
	r := build(t,
		employment.Job{Employer: "B", EmployerRegistration: "R2", Start: date(2019, 1, 1), End: date(2020, 1, 1)},
		employment.Job{Employer: "C", EmployerRegistration: "R3", Start: date(2021, 1, 1), End: date(2022, 1, 1)},
		employment.Job{Employer: " A ", EmployerRegistration: "R1", Start: date(2019, 1, 1), End: date(2019, 6, 1)},
		employment.Job{Employer: "D", EmployerRegistration: "R4", Start: date(2010, 1, 1)},
		employment.Job{Employer: "C again", EmployerRegistration: "R3", Start: date(2021, 1, 1), End: date(2022, 1, 1)},
	)
	var got []string
	for _, j := range r.Jobs {
		got = append(got, j.Employer)
	}
	if strings.Join(got, ",") != "D,C,A,B" || r.Person.Name != "Ana" {
		t.Errorf("jobs %v, person %+v; want D,C,A,B and the name trimmed", got, r.Person)
	}
}

func TestBuildRefuses(t *testing.T) {
	many := make([]employment.Job, employment.MaxJobs+1)
	for i := range many {
		many[i] = employment.Job{EmployerRegistration: strings.Repeat("x", i%7+1) + string(rune('a'+i%26)), Start: date(2000+i%20, 1, 1+i%28)}
	}
	for name, jobs := range map[string][]employment.Job{
		"no start":       {{Employer: "A"}},
		"dollars":        {{Employer: "A", Start: today, DailySalary: money.Amount{Minor: 1, Currency: "USD"}}},
		"negative":       {{Employer: "A", Start: today, DailySalary: money.Amount{Minor: -1, Currency: "MXN"}}},
		"long employer":  {{Employer: strings.Repeat("x", 201), Start: today}},
		"too many":       many,
		"huge salaries":  {{Start: today, DailySalary: money.Amount{Minor: money.MaxMinor, Currency: "MXN"}}, {Start: date(2020, 1, 1), DailySalary: money.Amount{Minor: money.MaxMinor, Currency: "MXN"}}},
		"income too big": {{Start: today, DailySalary: money.Amount{Minor: money.MaxMinor / 10, Currency: "MXN"}}},
	} {
		if _, err := employment.Build(employment.Person{}, employment.Weeks{}, jobs, employment.Source{}, today); err == nil {
			t.Errorf("%s: Build succeeded", name)
		}
	}
}

func TestProblem(t *testing.T) {
	p := employment.ProblemOf(outcome.CURPNotFound, " La CURP proporcionada no fue localizada ")
	got, _ := json.Marshal(p)
	want := `{"code":"CURP_NOT_FOUND","message":"RENAPO has no such CURP","retryable":false,"about":"person","provider_message":"La CURP proporcionada no fue localizada"}`
	if string(got) != want {
		t.Errorf("ProblemOf = %s, want %s", got, want)
	}
	if p := employment.ProblemOf("NOT_A_CODE", ""); p.Code != outcome.ProviderError || !p.Retryable {
		t.Errorf("an unknown code = %+v, want PROVIDER_ERROR", p)
	}
	long := employment.ProblemOf(outcome.ProviderError, strings.Repeat("ñ", 400))
	if len(long.ProviderMessage) > 504 || !strings.HasSuffix(long.ProviderMessage, "…") || strings.ContainsRune(long.ProviderMessage, '\uFFFD') {
		t.Errorf("a long message is kept as %d bytes: %q", len(long.ProviderMessage), long.ProviderMessage[len(long.ProviderMessage)-8:])
	}
}

// TestTaxonomy: every code of the taxonomy has a message, and none is also
// an HTTP error code.
func TestTaxonomy(t *testing.T) {
	for code, f := range outcome.Faults() {
		if f.Message == "" || (f.About != outcome.Person && f.About != outcome.Provider) {
			t.Errorf("%s: %+v", code, f)
		}
		if _, ok := outcome.Codes()[code]; ok {
			t.Errorf("%s is both a taxonomy code and an HTTP error code", code)
		}
	}
}

func FuzzParseSalary(f *testing.F) {
	for _, s := range []string{"$334.26", "1,234.5", "333.335", "-1", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := employment.ParseSalary(s)
		if err != nil {
			return
		}
		if a.Minor < 0 || a.Currency != "MXN" {
			t.Fatalf("ParseSalary(%q) = %+v", s, a)
		}
		if b, err := employment.ParseSalary(a.String()); err != nil || b != a {
			t.Fatalf("ParseSalary(%q) = %v does not read back: %v, %v", s, a, b, err)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"21/12/2022", "2022-12-21", "2022-04-01T00:00:00+00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := employment.ParseDate(s)
		if err != nil {
			return
		}
		if back, err := employment.ParseDate(d.String()); err != nil || back != d {
			t.Fatalf("ParseDate(%q) = %v does not read back: %v, %v", s, d, back, err)
		}
	})
}
