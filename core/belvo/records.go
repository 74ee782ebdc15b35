package belvo

import "github.com/tarjeta-dev/tarjeta/core/inbound"

// Page is one page of GET /api/employment-records/?link=: Belvo's list
// shape, {"count","next","previous","results"}, whose results are
// employment record profiles.
type Page struct {
	Next     string // the next page's URL, "" on the last
	Profiles []Profile
}

// Profile is one employment record profile of a link, as far as the report
// reads it (Belvo's Employment Records reference for Mexico).
type Profile struct {
	ID                     string
	Link                   string
	InternalIdentification string // the CURP, for IMSS and ISSSTE
	Name                   string // personal_data.official_name
	NSS                    string // personal_data.document_ids[] of document_type NSS
	// social_security_summary, null for ISSSTE.
	WeeksContributed, WeeksRedeemed, WeeksReinstated string
	Records                                          []Record
}

// Record is one of a profile's employment_records.
type Record struct {
	Employer   string
	EmployerID string
	StartDate  string
	EndDate    string // "" (null) for the current employment
	State      string
	// MostRecentBaseSalary is the daily base salary, as the JSON number's
	// text.
	MostRecentBaseSalary string
	Currency             string
	Updates              []Update // employment_status_updates
}

// Update is one of a record's employment_status_updates.
type Update struct {
	Event      string // HIRED, DISMISSED_RESIGNED, SALARY_MODIFICATION, ...
	BaseSalary string
	Date       string // update_date
}

// DecodePage reads a page of employment records. It fails with
// inbound.ErrPayload.
func DecodePage(body []byte) (Page, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return Page{}, err
	}
	p := Page{Next: f.Str("next")}
	if !f.Root.Get("results").IsArray() {
		f.Fail("results must be a list")
		return Page{}, f.Err()
	}
	f.Each("results", func(r *inbound.Fields) {
		p.Profiles = append(p.Profiles, profile(r))
	})
	return p, f.Err()
}

func profile(r *inbound.Fields) Profile {
	p := Profile{
		ID: r.Str("id"), Link: r.Str("link"), InternalIdentification: r.Str("internal_identification"),
		Name:             r.Str("personal_data.official_name"),
		WeeksContributed: r.Decimal("social_security_summary.weeks_contributed"),
		WeeksRedeemed:    r.Decimal("social_security_summary.weeks_redeemed"),
		WeeksReinstated:  r.Decimal("social_security_summary.weeks_reinstated"),
	}
	r.Each("personal_data.document_ids", func(d *inbound.Fields) {
		if d.Str("document_type") == "NSS" && p.NSS == "" {
			p.NSS = d.Str("document_number")
		}
	})
	r.Each("employment_records", func(e *inbound.Fields) {
		rec := Record{
			Employer: e.Str("employer"), EmployerID: e.Str("employer_id"),
			StartDate: e.Str("start_date"), EndDate: e.Str("end_date"), State: e.Str("state"),
			MostRecentBaseSalary: e.Decimal("most_recent_base_salary"), Currency: e.Str("currency"),
		}
		e.Each("employment_status_updates", func(u *inbound.Fields) {
			rec.Updates = append(rec.Updates, Update{Event: u.Str("event"), BaseSalary: u.Decimal("base_salary"), Date: u.Str("update_date")})
		})
		p.Records = append(p.Records, rec)
	})
	return p
}
