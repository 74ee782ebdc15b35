package tdsim

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/providers/people"
)

// The messages of TD's 002 enumeration the scenarios use, as TD writes
// them.
const (
	msgCURPNotFound = "La CURP proporcionada no fue localizada en la entidad externa RENAPO"
	msgNSSNotFound  = "The NSS does not exist"
	msgDailyLimit   = "Por el momento no es posible entregarle su constancia por favor intente más tarde o solicítela directamente en la Subdelegación más cercana a su domicilio en días y horas hábiles."
	msgInProgress   = "Work in progress"
)

// result is the body of p's result, as the push carries it and the query's
// data holds it. The rich history comes in 002's format (report_base, with
// movements), the others in 001's; push spells the workplace fields as
// 001's push example does ("workpalce"), the query as its query example.
func result(seq string, p people.Person, push bool, now time.Time) []byte {
	var v any
	switch p.Scenario {
	case people.CURPNotFound:
		v = failure(seq, msgCURPNotFound)
	case people.NSSNotFound:
		v = failure(seq, msgNSSNotFound)
	case people.DailyLimit:
		v = failure(seq, msgDailyLimit)
	case people.Rich:
		v = report002(seq, p, now)
	default:
		if p.Scenario == people.TamperedPush && push {
			p = inflated(p)
		}
		v = report001(seq, p, push)
	}
	b, _ := json.Marshal(v)
	return b
}

func failure(seq, message string) any {
	return map[string]any{
		"result": "ERROR", "sequence_id": seq, "message": message,
		"social_security_info": map[string]any{"working_time_detail": map[string]any{}, "work_detail": []any{}},
	}
}

func report001(seq string, p people.Person, push bool) any {
	spell := "workplace"
	if push {
		spell = "workpalce"
	}
	work := []map[string]string{}
	for _, j := range p.Jobs {
		work = append(work, map[string]string{
			"start_date": tdDate(j.Start), "end_date": tdDate(j.End), "daily_salary": "$" + j.DailySalary,
			"state_" + spell: j.State, "name_" + spell: j.Employer, "imss_code_" + spell: j.Registration,
		})
	}
	return map[string]any{
		"sequence_id": seq, "result": "OK",
		"social_security_info": map[string]any{
			"name": p.Name,
			"working_time_detail": map[string]string{
				"working_week": strconv.Itoa(p.Contributed), "reinstated_week": strconv.Itoa(p.Reinstated), "discounted_week": strconv.Itoa(p.Discounted),
			},
			"work_detail": work,
		},
	}
}

func report002(seq string, p people.Person, now time.Time) any {
	works := []map[string]any{}
	for _, j := range p.Jobs {
		detail := []map[string]string{}
		for _, m := range j.Movements {
			detail = append(detail, map[string]string{"type_movement": m.Type, "date_movement": tdDate(m.Date), "salary_base": "$" + m.Salary})
		}
		works = append(works, map[string]any{
			"employer_name": j.Employer, "employer_registration": j.Registration, "federal_entity": j.State,
			"date_registration": tdDate(j.Start), "date_de_registration": tdDate(j.End),
			"base_salary_contribution": "$" + j.DailySalary, "detail": detail,
		})
	}
	return map[string]any{
		"result": "OK", "sequence_id": seq,
		"report_base": map[string]any{
			"report_dt": now.Format("02/01/2006"), "user_name": p.Name, "nss": p.NSS, "curp": p.CURP,
			"total_weeks": strconv.Itoa(p.Contributed + p.Discounted), "valid_weeks": strconv.Itoa(p.Contributed),
			"decr_weeks": strconv.Itoa(p.Discounted), "incr_weeks": strconv.Itoa(p.Reinstated),
			"works": works,
		},
	}
}

// inflated is what a forged push claims: every salary ten times over.
func inflated(p people.Person) people.Person {
	jobs := make([]people.Job, len(p.Jobs))
	for i, j := range p.Jobs {
		whole, frac, _ := strings.Cut(j.DailySalary, ".")
		j.DailySalary = whole + "0." + frac
		jobs[i] = j
	}
	p.Jobs = jobs
	return p
}

// tdDate writes an ISO date as TD does, "21/12/2022"; "" (current) is
// "Vigente".
func tdDate(iso string) string {
	if iso == "" {
		return "Vigente"
	}
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02/01/2006")
}
