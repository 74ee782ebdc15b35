// Package httpapi is what every function's HTTP routes share: one request
// log (Logged), routing that answers 404 and 405 in the APIs' error shape
// (Routed), body reading, refusing repeated headers, and writing answers.
// Each function's routes are a package below it (authorizeapi,
// webhooksapi); Lambda (serve) and the local stack run the same handlers.
package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

// Mux is a function's routes: an http.ServeMux that remembers each pattern
// and who calls it, so that what the code serves can be held against what
// template.yaml routes (and authorizes) in API Gateway.
type Mux struct {
	mux    *http.ServeMux
	routes []Route
}

// Route is a pattern a function serves ("POST /verifications") and who
// calls it: Public routes are Pomelo's and the providers', who prove
// themselves with their own schemes; every other route is internal,
// IAM-authorized in AWS.
type Route struct {
	Pattern string
	Public  bool
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{mux: http.NewServeMux()} }

// Public routes pattern, called by Pomelo or a provider, to h.
func (m *Mux) Public(pattern string, h http.Handler) { m.handle(pattern, true, h) }

// Internal routes pattern, called by the fintech's own engineers and
// systems (IAM-authorized in AWS), to h.
func (m *Mux) Internal(pattern string, h http.Handler) { m.handle(pattern, false, h) }

func (m *Mux) handle(pattern string, public bool, h http.Handler) {
	m.mux.Handle(pattern, h)
	m.routes = append(m.routes, Route{Pattern: pattern, Public: public})
}

// Routes are the routes registered, in order.
func (m *Mux) Routes() []Route { return m.routes }

// ServeHTTP implements http.Handler.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// RoutesOf are the routes of a handler built on a Mux (Routed, Logged), nil
// for another.
func RoutesOf(h http.Handler) []Route {
	if r, ok := h.(interface{ Routes() []Route }); ok {
		return r.Routes()
	}
	return nil
}

// FromSources returns h behind the allowlist sources: a request from
// another address (RemoteAddr, which Lambda fills from API Gateway's
// requestContext.http.sourceIp) is refused 403 SOURCE_NOT_ALLOWED before
// anything of it is read. An empty list returns h.
func FromSources(sources allowlist.List, h http.Handler) http.Handler {
	if sources.Empty() {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sources.Allows(r.RemoteAddr) {
			WriteError(w, outcome.SourceNotAllowed, "this route takes requests from its caller's published addresses only")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Routed gives m a catch-all that answers what it has no route for in the
// APIs' error shape: 405 METHOD_NOT_ALLOWED with Allow for a known path
// asked with another method, 404 NOT_FOUND for an unknown path. A request
// with a route is matched once; only one without pays for the probing.
func Routed(m *Mux) http.Handler {
	mux := m.mux
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		r.Pattern = "" // for the request log: no route matched
		if allow := allowed(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			WriteError(w, outcome.MethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+allow)
			return
		}
		WriteError(w, outcome.NoRoute, "no route for "+r.Method+" "+r.URL.Path)
	})
	return m
}

// probedMethods are the methods allowed answers may list, in the order they
// are listed.
var probedMethods = []string{http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodPatch, http.MethodPost, http.MethodPut}

// allowed lists the methods that have a route for r's path other than the
// catch-all, "" when none does.
func allowed(mux *http.ServeMux, r *http.Request) string {
	var allow []string
	for _, m := range probedMethods {
		probe := *r
		probe.Method = m
		if _, pattern := mux.Handler(&probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// Canonical returns a copy of names in canonical header form: the caller's
// slice (a provider's list of headers, shared) is left as it is.
func Canonical(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = http.CanonicalHeaderKey(n)
	}
	return out
}

// Repeated returns the first of names that h holds more than once, or with
// a comma.
func Repeated(h http.Header, names []string) (string, bool) {
	for _, name := range names {
		v := h[name]
		if len(v) > 1 || len(v) == 1 && strings.IndexByte(v[0], ',') >= 0 {
			return name, true
		}
	}
	return "", false
}

// ReadBody reads r's body up to limit bytes, or says how to answer: 413
// BODY_TOO_LARGE only for a body over the limit, 400 BODY_UNREADABLE for one
// that ended before its Content-Length or arrived too slowly.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *ReadFailure) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &ReadFailure{Code: outcome.BodyTooLarge, Message: "the body is over " + strconv.FormatInt(limit, 10) + " bytes"}
	case err != nil:
		return nil, &ReadFailure{Code: outcome.UnreadableBody, Cause: err,
			Message: "the body ended before its Content-Length or arrived too slowly; nothing was done, send it again"}
	}
	return body, nil
}

// readFailure is how to answer a body that could not be read.
type ReadFailure struct {
	Code    outcome.Code
	Message string
	Cause   error // for the log; nil when the code says it all
}

// Outcome is what the request log records of the failure.
func (f *ReadFailure) Outcome() outcome.Outcome {
	o := outcome.Failed(f.Code)
	if f.Cause != nil {
		o.Error = f.Cause.Error()
	}
	return o
}

// Called is the path and query the client asked for, as they were on the
// wire: what x-endpoint must name.
func Called(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	return p
}

// Limit reads a listing's ?limit=, def when absent; anything but an
// integer from 1 to max is answered 400 INVALID_LIMIT, and ok is false.
func Limit(w http.ResponseWriter, r *http.Request, def, max int) (limit int, ok bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		WriteError(w, outcome.InvalidLimit, "limit must be an integer from 1 to "+strconv.Itoa(max))
		return 0, false
	}
	return n, true
}
