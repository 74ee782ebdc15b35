package settlement

import (
	"strings"
	"testing"
)

// FuzzExceptionsCursor: a cursor from outside is either refused or names an
// offset inside the file, past its header, issued for its tag.
func FuzzExceptionsCursor(f *testing.F) {
	tag := exceptionsTag(`"etag"`, Malformed)
	for _, c := range []string{tag + ".57.2", tag + ".0.1", tag + ".-1.2", tag + ".999.2", "x.1.2", tag + ".1", tag + ".57.2.3", ""} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		offset, line, err := parseExceptionsCursor(c, tag, 100)
		if err != nil {
			return
		}
		if offset <= 0 || offset > 100 || line < 2 || !strings.HasPrefix(c, tag+".") {
			t.Errorf("%q accepted as offset %d, line %d", c, offset, line)
		}
	})
}
