package palenca

import (
	"fmt"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Normalize reads an account's employment into the one report about known
// (Palenca's employment answer names no person: the CURP and NSS are the
// ones asked about), computed against today. A job's state is its
// federal_entity, else employment_info's. An event joins the job of its
// employer whose span holds its date, else any job whose span holds it;
// an event no job holds is left out. source's provider and reference are
// Palenca and the account.
func Normalize(e Employment, known employment.Person, source employment.Source, today employment.Date) (employment.Report, error) {
	weeks, err := employment.ReadWeeks(e.QuotedWeeks, e.DiscountedWeeks, e.ReintegratedWeeks)
	if err != nil {
		return employment.Report{}, fmt.Errorf("palenca: %w", err)
	}
	jobs := make([]employment.Job, 0, len(e.History))
	for i, h := range e.History {
		state := h.FederalEntity
		if state == "" {
			state = e.FederalEntity
		}
		j, err := employment.Written{Employer: h.Employer, Registration: h.EmployerRegistration, State: state,
			Start: h.StartDate, End: h.EndDate, DailySalary: h.BaseSalary}.Read()
		if err != nil {
			return employment.Report{}, fmt.Errorf("palenca: job %d: %w", i+1, err)
		}
		jobs = append(jobs, j)
	}
	for i, ev := range e.Events {
		m, err := employment.WrittenMovement{Type: eventType(ev.Type), Date: ev.Date, DailySalary: ev.BaseSalary}.Read()
		if err != nil {
			return employment.Report{}, fmt.Errorf("palenca: event %d: %w", i+1, err)
		}
		if k := holder(jobs, ev.Employer, m.Date); k >= 0 {
			jobs[k].Movements = append(jobs[k].Movements, m)
		}
	}
	source.Provider, source.Reference = Provider, e.AccountID
	return employment.Build(known, weeks, jobs, source, today)
}

// holder returns the job an event on day belongs to, -1 for none.
func holder(jobs []employment.Job, employer string, day employment.Date) int {
	found := -1
	for k, j := range jobs {
		if j.Start.Compare(day) > 0 || !j.Current() && j.End.Compare(day) < 0 {
			continue
		}
		if employer == "" || text.Fold(employer) == text.Fold(j.Employer) {
			return k
		}
		if found < 0 {
			found = k
		}
	}
	return found
}

// eventTypes are Palenca's event_type values, folded.
var eventTypes = map[string]employment.MovementType{
	"registration":         employment.Hired,
	"hiring":               employment.Hired,
	"hire":                 employment.Hired,
	"discharge":            employment.Dismissed,
	"dismissal":            employment.Dismissed,
	"reentry":              employment.Reentry,
	"salary_modification":  employment.SalaryChange,
	"workday_modification": employment.WorkdayChange,
	"working_day_change":   employment.WorkdayChange,
	"employer_change":      employment.EmployerChange,
}

func eventType(s string) employment.MovementType {
	if t, ok := eventTypes[text.Fold(s)]; ok {
		return t
	}
	return employment.OtherMovement
}
