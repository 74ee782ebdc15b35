package employment

import (
	"encoding/json"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// The JSON of a report is written by hand-shaped mirrors, so that money is
// a decimal string with the currency's two decimals, an absent value is
// null, and the order of keys is the contract's.

// MarshalJSON implements json.Marshaler.
func (p Person) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name *string `json:"name"`
		CURP *string `json:"curp"`
		NSS  *string `json:"nss"`
	}{orNull(p.Name), orNull(p.CURP), orNull(p.NSS)})
}

// MarshalJSON implements json.Marshaler.
func (j Job) MarshalJSON() ([]byte, error) {
	var end *Date
	if !j.Current() {
		end = &j.End
	}
	movements := j.Movements
	if movements == nil {
		movements = []Movement{}
	}
	return json.Marshal(struct {
		Employer             string     `json:"employer"`
		EmployerRegistration string     `json:"employer_registration"`
		State                string     `json:"state"`
		StartDate            Date       `json:"start_date"`
		EndDate              *Date      `json:"end_date"`
		Current              bool       `json:"current"`
		DailySalary          *string    `json:"daily_salary"`
		Currency             string     `json:"currency"`
		Movements            []Movement `json:"movements"`
	}{j.Employer, j.EmployerRegistration, j.State, j.Start, end, j.Current(), decimal(j.DailySalary), Currency, movements})
}

// MarshalJSON implements json.Marshaler.
func (m Movement) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type        MovementType `json:"type"`
		Date        Date         `json:"date"`
		DailySalary *string      `json:"daily_salary"`
	}{m.Type, m.Date, decimal(m.DailySalary)})
}

// MarshalJSON implements json.Marshaler.
func (in Insights) MarshalJSON() ([]byte, error) {
	var months *int
	if in.MonthsInCurrentJob >= 0 {
		months = &in.MonthsInCurrentJob
	}
	return json.Marshal(struct {
		EmployedNow                     bool    `json:"employed_now"`
		CurrentEmployer                 *string `json:"current_employer"`
		MonthlyIncomeEstimate           *string `json:"monthly_income_estimate"`
		MonthsInCurrentJob              *int    `json:"months_in_current_job"`
		JobsLast24Months                int     `json:"jobs_last_24_months"`
		EmploymentGapMonthsLast24Months int     `json:"employment_gap_months_last_24_months"`
		SalaryTrend12Months             Trend   `json:"salary_trend_12_months"`
	}{in.EmployedNow, orNull(in.CurrentEmployer), decimal(in.MonthlyIncomeEstimate), months,
		in.JobsLast24Months, in.EmploymentGapMonthsLast24Months, in.SalaryTrend12Months})
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func decimal(a money.Amount) *string {
	if a.Currency == "" {
		return nil
	}
	s := a.String()
	return &s
}
