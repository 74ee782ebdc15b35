package palenca

import (
	"github.com/tarjeta-dev/tarjeta/core/inbound"
)

// Employment is the data of GET /accounts/{account_id}/employment for an
// IMSS or ISSSTE account, as far as the report reads it (Palenca's
// Employment reference).
type Employment struct {
	AccountID string
	Platform  string
	// employment_info
	FederalEntity                                   string
	QuotedWeeks, DiscountedWeeks, ReintegratedWeeks string
	Status                                          string
	History                                         []Job
	Events                                          []Event
}

// Job is one of employment_history.
type Job struct {
	Employer             string
	EmployerRegistration string
	StartDate, EndDate   string // EndDate "" (null) for the current job
	FederalEntity        string
	BaseSalary           string // the daily salary, as the JSON number's text
}

// Event is one of employment_events.
type Event struct {
	Type       string // event_type: salary_modification, reentry, discharge, ...
	Employer   string // absent in older answers
	Date       string
	BaseSalary string
}

// DecodeEmployment reads the answer of the employment endpoint,
// {"success":true,"error":null,"data":{...}}. It fails with
// inbound.ErrPayload, for an answer that is not a success too.
func DecodeEmployment(body []byte) (Employment, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return Employment{}, err
	}
	if !f.Root.Get("success").Bool() || !f.Root.Get("data").IsObject() {
		f.Fail("not a successful answer with data")
		return Employment{}, f.Err()
	}
	e := Employment{
		AccountID: f.Str("data.account_id"), Platform: f.Str("data.platform"),
		FederalEntity:     f.Str("data.employment_info.federal_entity"),
		QuotedWeeks:       f.Decimal("data.employment_info.quoted_weeks"),
		DiscountedWeeks:   f.Decimal("data.employment_info.discounted_weeks"),
		ReintegratedWeeks: f.Decimal("data.employment_info.reintegrated_weeks"),
		Status:            f.Str("data.employment_info.status"),
	}
	f.Each("data.employment_history", func(j *inbound.Fields) {
		e.History = append(e.History, Job{
			Employer: j.Str("employer"), EmployerRegistration: j.Str("employer_registration"),
			StartDate: j.Str("start_date"), EndDate: j.Str("end_date"),
			FederalEntity: j.Str("federal_entity"), BaseSalary: j.Decimal("base_salary"),
		})
	})
	f.Each("data.employment_events", func(v *inbound.Fields) {
		e.Events = append(e.Events, Event{Type: v.Str("event_type"), Employer: v.Str("employer"), Date: v.Str("event_date"), BaseSalary: v.Decimal("base_salary")})
	})
	return e, f.Err()
}
