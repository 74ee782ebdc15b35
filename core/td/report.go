package td

import (
	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
)

// Report is TD's income result, as its push and its query interface's data
// carry it, in either of TD's two formats: 001's social_security_info with
// work_detail, or 002's report_base with works and their movements. The
// fields are the provider's text; Normalize reads them into a report.
type Report struct {
	SequenceID string
	Result     string // ResultOK or ResultError
	Message    string
	// Format is 1 for social_security_info, 2 for report_base.
	Format int
	Name   string
	CURP   string // 002 only
	NSS    string // 002 only
	// Weeks: 001's working_week, discounted_week and reinstated_week, or
	// 002's valid_weeks, decr_weeks and incr_weeks.
	Contributed, Discounted, Reinstated string
	Work                                []Work
}

// Work is one job: an entry of 001's work_detail or of 002's works.
type Work struct {
	StartDate   string // 001 start_date, 002 date_registration
	EndDate     string // "Vigente" for the current job
	DailySalary string // "$334.26" as sent; 002's base_salary_contribution
	State       string
	Workplace   string
	IMSSCode    string
	Movements   []Movement // 002's detail
}

// Movement is one of 002's detail entries.
type Movement struct {
	Type   string // type_movement: Alta, Baja, Reingreso, ...
	Date   string
	Salary string // salary_base
}

// DecodeReport reads TD's income result in either format. 001 spells the
// workplace fields "workpalce" in its push example and "workplace" in its
// query example: both are read. 002 lists works beside report_base's
// fields without saying whether they sit inside it: both places are read.
// It fails with inbound.ErrPayload.
func DecodeReport(body []byte) (Report, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return Report{}, err
	}
	r := Report{SequenceID: f.ID("sequence_id"), Result: f.Required("result"), Message: f.Str("message")}
	if base := f.Root.Get("report_base"); base.Exists() && base.Type != gjson.Null {
		r.Format = 2
		decode002(f, base, &r)
	} else {
		r.Format = 1
		decode001(f, &r)
	}
	return r, f.Err()
}

func decode001(f *inbound.Fields, r *Report) {
	r.Name = f.Str("social_security_info.name")
	r.Contributed = f.Decimal("social_security_info.working_time_detail.working_week")
	r.Reinstated = f.Decimal("social_security_info.working_time_detail.reinstated_week")
	r.Discounted = f.Decimal("social_security_info.working_time_detail.discounted_week")
	f.Each("social_security_info.work_detail", func(w *inbound.Fields) {
		r.Work = append(r.Work, Work{
			StartDate: w.Str("start_date"), EndDate: w.Str("end_date"), DailySalary: w.Decimal("daily_salary"),
			State:     w.Either("state_workplace", "state_workpalce"),
			Workplace: w.Either("name_workplace", "name_workpalce"),
			IMSSCode:  w.Either("imss_code_workplace", "imss_code_workpalce"),
		})
	})
}

func decode002(f *inbound.Fields, base gjson.Result, r *Report) {
	if !base.IsObject() {
		f.Fail("report_base must be an object")
		return
	}
	b := inbound.Within(base)
	r.Name, r.CURP, r.NSS = b.Str("user_name"), b.Str("curp"), b.Str("nss")
	r.Contributed, r.Discounted, r.Reinstated = b.Decimal("valid_weeks"), b.Decimal("decr_weeks"), b.Decimal("incr_weeks")
	if err := b.Err(); err != nil {
		f.Fail("report_base: " + err.Error())
	}
	path := "report_base.works"
	if !base.Get("works").Exists() {
		path = "works"
	}
	f.Each(path, func(w *inbound.Fields) {
		work := Work{
			StartDate: w.Str("date_registration"), EndDate: w.Str("date_de_registration"),
			DailySalary: w.Decimal("base_salary_contribution"), State: w.Str("federal_entity"),
			Workplace: w.Str("employer_name"), IMSSCode: w.Str("employer_registration"),
		}
		w.Each("detail", func(d *inbound.Fields) {
			work.Movements = append(work.Movements, Movement{Type: d.Str("type_movement"), Date: d.Str("date_movement"), Salary: d.Decimal("salary_base")})
		})
		r.Work = append(r.Work, work)
	})
}
