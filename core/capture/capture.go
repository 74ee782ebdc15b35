// Package capture reads a request the way an engineer pastes it into the
// signature debugger: a curl command or a raw HTTP request, turned into the
// method, the path called, the headers and the exact body bytes.
package capture

import (
	"errors"
	"strconv"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// ErrSyntax reports pasted text that is neither a curl command nor an HTTP
// request, or that is cut short.
var ErrSyntax = errors.New("capture: not a curl command or an HTTP request")

// Request is a pasted request.
type Request struct {
	Method string
	Path   string // path and query, as on the wire
	Header map[string]string
	Body   []byte
}

// Get returns the header named name, case-insensitively.
func (r Request) Get(name string) string { return r.Header[strings.ToLower(name)] }

// Parse reads text as a curl command when it starts with "curl", else as a
// raw HTTP request. It fails with an error wrapping ErrSyntax.
func Parse(text string) (Request, error) {
	t := strings.TrimLeft(text, " \t\r\n")
	if strings.HasPrefix(t, "curl ") || strings.HasPrefix(t, "curl\t") || strings.HasPrefix(t, "curl\\") {
		return ParseCurl(t)
	}
	return ParseHTTP(t)
}

// ParseHTTP reads a raw HTTP/1.x request: request line, headers, blank line,
// body. Lines may end in CRLF or LF. The body is taken byte for byte; when a
// Content-Length header is present and the paste has more bytes (a newline
// added by the clipboard), the body is cut to that length.
func ParseHTTP(raw string) (Request, error) {
	head, body, found := strings.Cut(raw, "\r\n\r\n")
	if !found {
		head, body, found = strings.Cut(raw, "\n\n")
	}
	if !found {
		head, body = strings.TrimRight(raw, "\r\n"), ""
	}
	lines := strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n")
	parts := strings.Fields(lines[0])
	if len(parts) < 2 || len(parts) > 3 || !isToken(parts[0]) ||
		!strings.HasPrefix(parts[1], "/") && !strings.Contains(parts[1], "://") ||
		len(parts) == 3 && !strings.HasPrefix(parts[2], "HTTP/") {
		return Request{}, syntax("first line " + strconv.Quote(lines[0]) + " is not METHOD /path HTTP/1.1")
	}
	r := Request{Method: parts[0], Path: pathOf(parts[1]), Header: make(map[string]string), Body: []byte(body)}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok || !isToken(name) {
			return Request{}, syntax("header line " + strconv.Quote(l))
		}
		r.Header[strings.ToLower(name)] = strings.TrimSpace(value)
	}
	if cl := r.Get("content-length"); cl != "" {
		if n, err := strconv.Atoi(cl); err == nil && n >= 0 && n < len(r.Body) {
			r.Body = r.Body[:n]
		}
	}
	return r, nil
}

// pathOf keeps the path and query of a request target that may be a full URL.
func pathOf(target string) string {
	if i := strings.Index(target, "://"); i >= 0 {
		target = target[i+3:]
		if j := strings.IndexByte(target, '/'); j >= 0 {
			return target[j:]
		}
		return "/"
	}
	if strings.HasPrefix(target, "/") {
		return target
	}
	// host:port/path without a scheme, as in Pomelo's own curl example.
	if j := strings.IndexByte(target, '/'); j >= 0 {
		return target[j:]
	}
	return "/"
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7F || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

func syntax(detail string) error { return text.Annotate(ErrSyntax, detail) }
