package mask

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// byKey is the one rule of what is personal in a provider's body: every
// value a verification report holds about a person, under each key the
// providers (TD's two formats, Belvo's records, Palenca's employment) and
// our own report carry it. Who the person is: CURP, NSS, names. Where they
// worked: employers and their registrations. What they earned: every
// salary. When: the dates of each job and movement. What stays readable is
// what says nothing about the person alone: weeks, states, movement types,
// currencies, statuses. mask_test checks every personal field of reports
// normalized from each provider's bodies against it.
var byKey = map[string]func(string) string{
	"email": Email, "birth_date": Date,
	"name": Name, "full_name": Name, "first_name": Name, "last_name": Name, "user_name": Name, "official_name": Name,
	"second_last_name": Name, "names": Name, "nombre": Name, "nombres": Name,
	"apellido": Name, "apellidos": Name, "apellido_paterno": Name, "apellido_materno": Name,

	"employer": Name, "employer_name": Name, "name_workplace": Name, "name_workpalce": Name, "current_employer": Name,
	"employer_registration": Registration, "employer_id": Registration,
	"imss_code_workplace": Registration, "imss_code_workpalce": Registration,

	"daily_salary": Amount, "base_salary": Amount, "salary_base": Amount, "base_salary_contribution": Amount,
	"most_recent_base_salary": Amount, "monthly_salary": Amount, "monthly_income_estimate": Amount,

	"start_date": Date, "end_date": Date, "date_registration": Date, "date_de_registration": Date,
	"date_movement": Date, "event_date": Date, "event_end_date": Date, "update_date": Date,
}

// The keys a CURP and an NSS are carried under: who the person is,
// masked as CURP and NSS do, and what Identifiers reads.
var (
	curpKeys = []string{"curp", "id_number", "internal_identification"}
	nssKeys  = []string{"nss", "nss_number", "social_security_number", "document_number"}
)

func init() {
	for _, k := range curpKeys {
		byKey[k] = CURP
	}
	for _, k := range nssKeys {
		byKey[k] = NSS
	}
}

// JSON returns body with every personal member masked, keys and order kept:
// the members named in byKey, and any string shaped like a CURP wherever it
// is. changed says whether anything was; a body that is not JSON is
// returned as it is, unchanged (the receiver refused it if it mattered).
func JSON(body []byte) (masked []byte, changed bool) {
	// The decoder's tokens would end quietly at an object never closed.
	if !json.Valid(body) {
		return body, false
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var out bytes.Buffer
	var stack []*frame
	sep := func() {
		if len(stack) == 0 {
			return
		}
		top := stack[len(stack)-1]
		if top.object && !top.key {
			out.WriteByte(':')
			return
		}
		if top.n > 0 {
			out.WriteByte(',')
		}
		top.n++
	}
	after := func() {
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = !stack[len(stack)-1].key
		}
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return body, false
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				sep()
				out.WriteByte(byte(v))
				stack = append(stack, &frame{object: v == '{', key: v == '{'})
				continue
			default:
				stack = stack[:len(stack)-1]
				out.WriteByte(byte(v))
				after()
				continue
			}
		case string:
			top := (*frame)(nil)
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			}
			if top != nil && top.object && top.key {
				sep()
				top.name = strings.ToLower(v)
				writeString(&out, v)
				after()
				continue
			}
			sep()
			m := v
			if top != nil && top.object {
				if f, ok := byKey[top.name]; ok {
					m = f(v)
				}
			}
			if m == v && isCURP(v) {
				m = CURP(v)
			}
			changed = changed || m != v
			writeString(&out, m)
		case json.Number:
			sep()
			top := (*frame)(nil)
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			}
			if f, ok := byKey[top.member()]; ok {
				writeString(&out, f(v.String()))
				changed = true
			} else {
				out.WriteString(v.String())
			}
		case bool:
			sep()
			if v {
				out.WriteString("true")
			} else {
				out.WriteString("false")
			}
		case nil:
			sep()
			out.WriteString("null")
		}
		after()
	}
	if !changed {
		return body, false
	}
	return out.Bytes(), true
}

// frame is an object or array being copied.
type frame struct {
	object bool
	key    bool   // the next string is a key
	name   string // the member's key, in an object
	n      int    // elements written
}

// member is the key of the member being copied, "" outside an object.
func (f *frame) member() string {
	if f == nil || !f.object {
		return ""
	}
	return f.name
}

func writeString(out *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	out.Write(b)
}
