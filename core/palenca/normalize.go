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
	var weeks employment.Weeks
	var err error
	for _, w := range []struct {
		text string
		into *int
	}{{e.QuotedWeeks, &weeks.Contributed}, {e.DiscountedWeeks, &weeks.Discounted}, {e.ReintegratedWeeks, &weeks.Reinstated}} {
		if *w.into, err = employment.ParseWeeks(w.text); err != nil {
			return employment.Report{}, fmt.Errorf("palenca: %w", err)
		}
	}
	jobs := make([]employment.Job, 0, len(e.History))
	for i, h := range e.History {
		j := employment.Job{Employer: h.Employer, EmployerRegistration: h.EmployerRegistration, State: h.FederalEntity}
		if j.State == "" {
			j.State = e.FederalEntity
		}
		if j.Start, err = employment.ParseDate(h.StartDate); err != nil {
			return employment.Report{}, fmt.Errorf("palenca: job %d: start date: %w", i+1, err)
		}
		if h.EndDate != "" {
			if j.End, err = employment.ParseDate(h.EndDate); err != nil {
				return employment.Report{}, fmt.Errorf("palenca: job %d: end date: %w", i+1, err)
			}
		}
		if h.BaseSalary != "" {
			if j.DailySalary, err = employment.ParseSalary(h.BaseSalary); err != nil {
				return employment.Report{}, fmt.Errorf("palenca: job %d: base salary: %w", i+1, err)
			}
		}
		jobs = append(jobs, j)
	}
	for i, ev := range e.Events {
		m := employment.Movement{Type: eventType(ev.Type)}
		if m.Date, err = employment.ParseDate(ev.Date); err != nil {
			return employment.Report{}, fmt.Errorf("palenca: event %d: date: %w", i+1, err)
		}
		if ev.BaseSalary != "" {
			if m.DailySalary, err = employment.ParseSalary(ev.BaseSalary); err != nil {
				return employment.Report{}, fmt.Errorf("palenca: event %d: base salary: %w", i+1, err)
			}
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
