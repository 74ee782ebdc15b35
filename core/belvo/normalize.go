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
			if weeks, err = employment.ReadWeeks(p.WeeksContributed, p.WeeksRedeemed, p.WeeksReinstated); err != nil {
				return employment.Report{}, fmt.Errorf("belvo: profile %s: %w", p.ID, err)
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
	written := employment.Written{Employer: r.Employer, Registration: r.EmployerID, State: r.State,
		Start: r.StartDate, End: r.EndDate, DailySalary: r.MostRecentBaseSalary}
	for _, u := range r.Updates {
		t, ok := events[u.Event]
		if !ok {
			t = employment.OtherMovement
		}
		written.Movements = append(written.Movements, employment.WrittenMovement{Type: t, Date: u.Date, DailySalary: u.BaseSalary})
	}
	return written.Read()
}

// events are Belvo's employment_status_updates events for IMSS; the rest
// (VOLUNTARY_CONTRIBUTION, ABSENCE, SICK_LEAVE, and ISSSTE's) are OTHER.
var events = map[string]employment.MovementType{
	"HIRED":               employment.Hired,
	"DISMISSED_RESIGNED":  employment.Dismissed,
	"SALARY_MODIFICATION": employment.SalaryChange,
}
