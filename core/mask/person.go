package mask

import (
	"encoding/json"

	"github.com/tidwall/gjson"
)

// Person masks who a verification report is about, for a page that shows
// the report to an operator: its "person" object's name to initials, CURP
// and NSS as CURP and NSS do; the jobs, the insights and everything else
// stay as they are. A report without a person object is returned as it is.
func Person(report []byte) []byte {
	p := gjson.GetBytes(report, "person")
	if !p.IsObject() || p.Index <= 0 {
		return report
	}
	masked := struct {
		Name *string `json:"name"`
		CURP *string `json:"curp"`
		NSS  *string `json:"nss"`
	}{}
	for _, f := range []struct {
		key  string
		to   **string
		mask func(string) string
	}{{"name", &masked.Name, Name}, {"curp", &masked.CURP, CURP}, {"nss", &masked.NSS, NSS}} {
		if v := p.Get(f.key); v.Type == gjson.String {
			s := f.mask(v.Str)
			*f.to = &s
		}
	}
	b, _ := json.Marshal(masked) // three strings
	out := make([]byte, 0, len(report))
	out = append(out, report[:p.Index]...)
	out = append(out, b...)
	return append(out, report[p.Index+len(p.Raw):]...)
}
