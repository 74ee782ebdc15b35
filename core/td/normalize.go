package td

import (
	"fmt"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// current is how TD writes the end date of a job that has not ended.
const current = "vigente"

// Normalize reads an OK result into the one employment report about known
// (the CURP and NSS asked about; the name and what known lacks come from
// TD), computed against today. source says when it was read and whether
// TD's query confirmed it; its provider and reference are TD and the
// sequence_id.
func Normalize(r Report, known employment.Person, source employment.Source, today employment.Date) (employment.Report, error) {
	if r.Result != ResultOK {
		return employment.Report{}, fmt.Errorf("td: normalize a %q result", r.Result)
	}
	weeks, err := employment.ReadWeeks(r.Contributed, r.Discounted, r.Reinstated)
	if err != nil {
		return employment.Report{}, fmt.Errorf("td: %w", err)
	}
	jobs := make([]employment.Job, 0, len(r.Work))
	for i, w := range r.Work {
		j, err := job(w)
		if err != nil {
			return employment.Report{}, fmt.Errorf("td: job %d: %w", i+1, err)
		}
		jobs = append(jobs, j)
	}
	source.Provider, source.Reference = Provider, r.SequenceID
	return employment.Build(known.Fill(employment.Person{Name: r.Name, CURP: r.CURP, NSS: r.NSS}), weeks, jobs, source, today)
}

func job(w Work) (employment.Job, error) {
	written := employment.Written{Employer: w.Workplace, Registration: w.IMSSCode, State: w.State,
		Start: w.StartDate, End: w.EndDate, DailySalary: w.DailySalary}
	if strings.EqualFold(strings.TrimSpace(w.EndDate), current) {
		written.End = ""
	}
	for _, m := range w.Movements {
		written.Movements = append(written.Movements, employment.WrittenMovement{Type: movementType(m.Type), Date: m.Date, DailySalary: m.Salary})
	}
	return written.Read()
}

// movementTypes are 002's type_movement values, in Spanish and in the
// English of its table, folded (text.Fold).
var movementTypes = map[string]employment.MovementType{
	"alta":                       employment.Hired,
	"registration":               employment.Hired,
	"baja":                       employment.Dismissed,
	"dismissal":                  employment.Dismissed,
	"reingreso":                  employment.Reentry,
	"reentry":                    employment.Reentry,
	"modificacion de salario":    employment.SalaryChange,
	"salary modification":        employment.SalaryChange,
	"cambios de jornada laboral": employment.WorkdayChange,
	"cambio de jornada laboral":  employment.WorkdayChange,
	"working day changes":        employment.WorkdayChange,
	"cambios en la razon social o estructura de la empresa": employment.EmployerChange,
	"cambio en la razon social o estructura de la empresa":  employment.EmployerChange,
}

func movementType(s string) employment.MovementType {
	if t, ok := movementTypes[text.Fold(s)]; ok {
		return t
	}
	return employment.OtherMovement
}
