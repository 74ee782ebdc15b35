package belvo

import (
	"fmt"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/employment"
)

// Normalize reads a link's employment record profiles, from every page,
// into the one report about known, computed against today. When there are
// several profiles their jobs are merged (one per employer registration and
// start date) and the person and weeks come from the first. source's
// provider and reference are Belvo and the link.
func Normalize(link string, profiles []Profile, known employment.Person, source employment.Source, today employment.Date) (employment.Report, error) {
	var person employment.Person
	var weeks employment.Weeks
	var jobs []employment.Job
	for i, p := range profiles {
		if i == 0 {
			person = employment.Person{Name: p.Name, CURP: p.InternalIdentification, NSS: p.NSS}
			var err error
			for _, w := range []struct {
				text string
				into *int
			}{{p.WeeksContributed, &weeks.Contributed}, {p.WeeksRedeemed, &weeks.Discounted}, {p.WeeksReinstated, &weeks.Reinstated}} {
				if *w.into, err = employment.ParseWeeks(w.text); err != nil {
					return employment.Report{}, fmt.Errorf("belvo: profile %s: %w", p.ID, err)
				}
			}
		}
		for _, r := range p.Records {
			j, err := job(r)
			if err != nil {
				return employment.Report{}, fmt.Errorf("belvo: profile %s: employer %s: %w", p.ID, r.EmployerID, err)
			}
			jobs = append(jobs, j)
		}
	}
	source.Provider, source.Reference = Provider, link
	return employment.Build(known.Fill(person), weeks, jobs, source, today)
}

func job(r Record) (employment.Job, error) {
	if c := strings.TrimSpace(r.Currency); c != "" && c != employment.Currency {
		return employment.Job{}, fmt.Errorf("a salary in %q", c)
	}
	j := employment.Job{Employer: r.Employer, EmployerRegistration: r.EmployerID, State: r.State}
	var err error
	if j.Start, err = employment.ParseDate(r.StartDate); err != nil {
		return employment.Job{}, fmt.Errorf("start date: %w", err)
	}
	if r.EndDate != "" {
		if j.End, err = employment.ParseDate(r.EndDate); err != nil {
			return employment.Job{}, fmt.Errorf("end date: %w", err)
		}
	}
	if r.MostRecentBaseSalary != "" {
		if j.DailySalary, err = employment.ParseSalary(r.MostRecentBaseSalary); err != nil {
			return employment.Job{}, fmt.Errorf("most recent base salary: %w", err)
		}
	}
	for _, u := range r.Updates {
		m := employment.Movement{Type: events[u.Event]}
		if m.Type == "" {
			m.Type = employment.OtherMovement
		}
		if m.Date, err = employment.ParseDate(u.Date); err != nil {
			return employment.Job{}, fmt.Errorf("update date: %w", err)
		}
		if u.BaseSalary != "" {
			if m.DailySalary, err = employment.ParseSalary(u.BaseSalary); err != nil {
				return employment.Job{}, fmt.Errorf("update base salary: %w", err)
			}
		}
		j.Movements = append(j.Movements, m)
	}
	return j, nil
}

// events are Belvo's employment_status_updates events for IMSS; the rest
// (VOLUNTARY_CONTRIBUTION, ABSENCE, SICK_LEAVE, and ISSSTE's) are OTHER.
var events = map[string]employment.MovementType{
	"HIRED":               employment.Hired,
	"DISMISSED_RESIGNED":  employment.Dismissed,
	"SALARY_MODIFICATION": employment.SalaryChange,
}
