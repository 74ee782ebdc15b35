package capture

import (
	"sort"
	"strings"
)

// Curl writes r as a curl command sending to baseURL (scheme and host, e.g.
// "http://127.0.0.1:8080"), every word single-quoted so that any shell
// passes the bytes through unchanged. Headers come sorted by name.
func Curl(baseURL string, r Request) string {
	var b strings.Builder
	b.WriteString("curl -sS -i -X ")
	b.WriteString(quote(r.Method))
	b.WriteString(" ")
	b.WriteString(quote(baseURL + r.Path))
	names := make([]string, 0, len(r.Header))
	for n := range r.Header {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString(" \\\n  -H ")
		b.WriteString(quote(n + ": " + r.Header[n]))
	}
	if len(r.Body) > 0 {
		b.WriteString(" \\\n  --data-raw ")
		b.WriteString(quote(string(r.Body)))
	}
	return b.String()
}

// quote single-quotes s for a POSIX shell.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
