// Package employment is the one employment report this project gives,
// whichever provider (TD, Palenca, Belvo) found the data: a person's jobs,
// weeks contributed to IMSS and income insights, and the one taxonomy of
// what can go wrong on the way.
package employment

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// Report is the normalized employment report. Its JSON is a contract (see
// the README): build one with Build.
type Report struct {
	Person   Person   `json:"person"`
	Weeks    Weeks    `json:"weeks"`
	Jobs     []Job    `json:"jobs"`
	Insights Insights `json:"insights"`
	Source   Source   `json:"source"`
}

// Person is who the report is about; a field the provider did not give is
// empty (null in JSON).
type Person struct {
	Name string
	CURP string
	NSS  string
}

// Fill returns p with its empty fields taken from q: the CURP and NSS a
// verification was asked about, filled with what the provider found.
func (p Person) Fill(q Person) Person {
	if p.Name == "" {
		p.Name = q.Name
	}
	if p.CURP == "" {
		p.CURP = q.CURP
	}
	if p.NSS == "" {
		p.NSS = q.NSS
	}
	return p
}

// Weeks are the weeks contributed to IMSS, those discounted (used in
// advance, during unemployment) and those reinstated.
type Weeks struct {
	Contributed int `json:"contributed"`
	Discounted  int `json:"discounted"`
	Reinstated  int `json:"reinstated"`
}

// Job is one employment relationship registered with IMSS. End is the zero
// Date for a current job ("Vigente" to TD).
type Job struct {
	Employer             string
	EmployerRegistration string
	State                string
	Start                Date
	End                  Date
	// DailySalary is in Currency; its zero value (no currency) means the
	// provider gave none.
	DailySalary money.Amount
	Movements   []Movement
}

// Current reports whether the job has not ended.
func (j Job) Current() bool { return j.End.IsZero() }

// MovementType is what a movement registered with IMSS did.
type MovementType string

// The movement types (TD's Alta, Baja, Reingreso, Modificación de salario,
// Cambios de jornada laboral, Cambios en la razón social).
const (
	Hired          MovementType = "HIRED"
	Dismissed      MovementType = "DISMISSED"
	Reentry        MovementType = "REENTRY"
	SalaryChange   MovementType = "SALARY_CHANGE"
	WorkdayChange  MovementType = "WORKDAY_CHANGE"
	EmployerChange MovementType = "EMPLOYER_CHANGE"
	OtherMovement  MovementType = "OTHER"
)

// Movement is one notice an employer filed with IMSS for the job.
type Movement struct {
	Type        MovementType
	Date        Date
	DailySalary money.Amount // the base salary after the movement; zero when not given
}

// Source says where the data came from: the provider, its reference for the
// request (TD's sequence_id, Belvo's link, Palenca's account), when we read
// it, and whether the provider's own query interface confirmed a pushed
// body.
type Source struct {
	Provider    string    `json:"provider"`
	Reference   string    `json:"reference"`
	RetrievedAt time.Time `json:"retrieved_at"`
	Confirmed   bool      `json:"confirmed"`
}

// MaxJobs bounds the jobs of one report (and MaxMovements the movements of
// one job): a working life is a few dozen, and a report must fit one store
// item.
const (
	MaxJobs      = 200
	MaxMovements = 200
	maxText      = 200
)

// Build returns the report of what a provider found, computed against today
// (the calendar day in Mexico the caller chose): text trimmed, jobs merged
// (one per employer registration and start date, the first kept), ordered
// current first then by start date descending, ties by employer; movements
// newest first; and the insights. It fails when the provider's data cannot
// make a report: too many jobs or movements, a salary in another currency,
// text too long.
func Build(person Person, weeks Weeks, jobs []Job, source Source, today Date) (Report, error) {
	r := Report{
		Person: Person{Name: strings.TrimSpace(person.Name), CURP: strings.TrimSpace(person.CURP), NSS: strings.TrimSpace(person.NSS)},
		Weeks:  weeks,
		Source: source,
		Jobs:   make([]Job, 0, len(jobs)),
	}
	r.Source.RetrievedAt = r.Source.RetrievedAt.UTC()
	if weeks.Contributed < 0 || weeks.Discounted < 0 || weeks.Reinstated < 0 {
		return Report{}, fmt.Errorf("employment: negative weeks %+v", weeks)
	}
	type key struct {
		registration, employer string // the employer only when there is no registration
		start                  Date
	}
	seen := make(map[key]bool, len(jobs))
	for _, j := range jobs {
		j.Employer, j.EmployerRegistration, j.State = strings.TrimSpace(j.Employer), strings.TrimSpace(j.EmployerRegistration), strings.TrimSpace(j.State)
		k := key{registration: j.EmployerRegistration, start: j.Start}
		if k.registration == "" {
			k.employer = j.Employer
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		if err := check(j); err != nil {
			return Report{}, err
		}
		j.Movements = slices.Clone(j.Movements)
		slices.SortStableFunc(j.Movements, func(a, b Movement) int { return b.Date.Compare(a.Date) })
		r.Jobs = append(r.Jobs, j)
	}
	if len(r.Jobs) > MaxJobs {
		return Report{}, fmt.Errorf("employment: %d jobs, at most %d", len(r.Jobs), MaxJobs)
	}
	slices.SortStableFunc(r.Jobs, newestFirst)
	insights, err := insightsOf(r.Jobs, today)
	if err != nil {
		return Report{}, err
	}
	r.Insights = insights
	return r, nil
}

// newestFirst orders current jobs first, then by start date descending,
// ties by employer.
func newestFirst(a, b Job) int {
	if a.Current() != b.Current() {
		if a.Current() {
			return -1
		}
		return 1
	}
	if c := b.Start.Compare(a.Start); c != 0 {
		return c
	}
	return cmp.Compare(a.Employer, b.Employer)
}

func check(j Job) error {
	if j.Start.IsZero() {
		return fmt.Errorf("employment: a job at %q without a start date", j.EmployerRegistration)
	}
	if len(j.Employer) > maxText || len(j.EmployerRegistration) > maxText || len(j.State) > maxText {
		return fmt.Errorf("employment: a job's employer, registration or state longer than %d bytes", maxText)
	}
	if len(j.Movements) > MaxMovements {
		return fmt.Errorf("employment: %d movements in one job, at most %d", len(j.Movements), MaxMovements)
	}
	amounts := []money.Amount{j.DailySalary}
	for _, m := range j.Movements {
		amounts = append(amounts, m.DailySalary)
	}
	for _, a := range amounts {
		if a.Currency != "" && a.Currency != Currency || a.Minor < 0 {
			return fmt.Errorf("employment: a salary of %s %s", a.String(), a.Currency)
		}
	}
	return nil
}

// SameData reports whether a and b say the same of the person: the person,
// the weeks and the jobs, whatever the source and the day the insights were
// computed on.
func SameData(a, b Report) bool {
	ja, erra := json.Marshal([]any{a.Person, a.Weeks, a.Jobs})
	jb, errb := json.Marshal([]any{b.Person, b.Weeks, b.Jobs})
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}
