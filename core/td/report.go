package td

import (
	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
)

// Report is TD's income push, as far as this project reads it (and its
// query interface's data).
type Report struct {
	SequenceID     string
	Result         string // ResultOK or ResultError
	Message        string
	Name           string
	WorkingWeek    string
	ReinstatedWeek string
	DiscountedWeek string
	Work           []Work
}

// Work is one job of work_detail. TD's push example spells the workplace
// fields "workpalce"; both spellings are read.
type Work struct {
	StartDate   string
	EndDate     string // "Vigente" for the current job
	DailySalary string // "$334.26" as sent
	State       string
	Workplace   string
	IMSSCode    string
}

// DecodeReport reads TD's income push. It fails with inbound.ErrPayload.
func DecodeReport(body []byte) (Report, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return Report{}, err
	}
	r := Report{
		SequenceID: f.ID("sequence_id"), Result: f.Required("result"), Message: f.Str("message"),
		Name:           f.Str("social_security_info.name"),
		WorkingWeek:    f.Str("social_security_info.working_time_detail.working_week"),
		ReinstatedWeek: f.Str("social_security_info.working_time_detail.reinstated_week"),
		DiscountedWeek: f.Str("social_security_info.working_time_detail.discounted_week"),
	}
	work := f.Root.Get("social_security_info.work_detail")
	if work.Exists() && work.Type != gjson.Null && !work.IsArray() {
		f.Fail("social_security_info.work_detail must be a list")
	}
	work.ForEach(func(_, v gjson.Result) bool {
		if !v.IsObject() {
			f.Fail("social_security_info.work_detail[] must be an object")
			return false
		}
		w := inbound.Within(v)
		r.Work = append(r.Work, Work{
			StartDate: w.Str("start_date"), EndDate: w.Str("end_date"), DailySalary: w.Str("daily_salary"),
			State:     w.Either("state_workplace", "state_workpalce"),
			Workplace: w.Either("name_workplace", "name_workpalce"),
			IMSSCode:  w.Either("imss_code_workplace", "imss_code_workpalce"),
		})
		if w.Err() != nil {
			f.Fail("social_security_info.work_detail[]: " + w.Err().Error())
		}
		return f.Err() == nil
	})
	return r, f.Err()
}
