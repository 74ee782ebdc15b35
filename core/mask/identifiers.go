package mask

import (
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// Identifiers returns the CURPs and NSSs a body carries, each once: the
// values under the keys JSON masks as a CURP or an NSS, and any string
// shaped like a CURP wherever it is (upper-cased, as a verification keeps
// one). A body that is not JSON carries none.
func Identifiers(body []byte) (curps, nsses []string) {
	if !gjson.ValidBytes(body) {
		return nil, nil
	}
	add := func(to *[]string, v string) {
		if v != "" && !slices.Contains(*to, v) {
			*to = append(*to, v)
		}
	}
	var walk func(key string, v gjson.Result)
	walk = func(key string, v gjson.Result) {
		switch {
		case v.IsObject():
			v.ForEach(func(k, member gjson.Result) bool {
				walk(strings.ToLower(k.Str), member)
				return true
			})
		case v.IsArray():
			v.ForEach(func(_, element gjson.Result) bool {
				walk("", element)
				return true
			})
		case v.Type == gjson.String && (slices.Contains(curpKeys, key) || isCURP(v.Str)):
			add(&curps, strings.ToUpper(strings.TrimSpace(v.Str)))
		case (v.Type == gjson.String || v.Type == gjson.Number) && slices.Contains(nssKeys, key):
			add(&nsses, strings.TrimSpace(v.String()))
		}
	}
	walk("", gjson.ParseBytes(body))
	return curps, nsses
}
