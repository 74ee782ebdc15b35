package employment

import (
	"fmt"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// Written is a job as a provider writes it: text, read by Read.
type Written struct {
	Employer, Registration, State string
	Start                         string
	End                           string // "" for a current job
	DailySalary                   string // "" when not given
	Movements                     []WrittenMovement
}

// WrittenMovement is a movement as a provider writes it, its type already
// read.
type WrittenMovement struct {
	Type        MovementType
	Date        string
	DailySalary string // "" when not given
}

// Read parses w's dates (ParseDate) and salaries (ParseSalary): the start
// and a movement's date are required, the end and the salaries are not.
func (w Written) Read() (Job, error) {
	j := Job{Employer: w.Employer, EmployerRegistration: w.Registration, State: w.State}
	var err error
	if j.Start, err = ParseDate(w.Start); err != nil {
		return Job{}, fmt.Errorf("start date: %w", err)
	}
	if strings.TrimSpace(w.End) != "" {
		if j.End, err = ParseDate(w.End); err != nil {
			return Job{}, fmt.Errorf("end date: %w", err)
		}
	}
	if j.DailySalary, err = optionalSalary(w.DailySalary); err != nil {
		return Job{}, fmt.Errorf("daily salary: %w", err)
	}
	for _, m := range w.Movements {
		mv, err := m.Read()
		if err != nil {
			return Job{}, err
		}
		j.Movements = append(j.Movements, mv)
	}
	return j, nil
}

// Read parses m's date, required, and salary, not.
func (m WrittenMovement) Read() (Movement, error) {
	mv := Movement{Type: m.Type}
	var err error
	if mv.Date, err = ParseDate(m.Date); err != nil {
		return Movement{}, fmt.Errorf("movement date: %w", err)
	}
	if mv.DailySalary, err = optionalSalary(m.DailySalary); err != nil {
		return Movement{}, fmt.Errorf("movement salary: %w", err)
	}
	return mv, nil
}

func optionalSalary(s string) (money.Amount, error) {
	if strings.TrimSpace(s) == "" {
		return money.Amount{}, nil
	}
	return ParseSalary(s)
}
