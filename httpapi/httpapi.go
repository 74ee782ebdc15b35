// Package httpapi serves the functions' routes over net/http: the Lambda
// adapter and the local stack both run these handlers, each behind one
// request log (Logged).
package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/envelope"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// MaxBodyBytes bounds a request body; Pomelo's bodies are a few kilobytes.
const MaxBodyBytes = 64 << 10

// Statements reads a page of an account.
type Statements interface {
	Statement(ctx context.Context, userID, cursor string, limit int) (ledger.Statement, error)
}

// Authorize returns the authorize function's handler: POST
// /transactions/authorizations, POST /transactions/adjustments/{type} and
// GET /ledger/accounts/{user_id}, behind the request log. now times requests
// for the log.
func Authorize(auth *authorization.Service, accounts Statements, log *slog.Logger, now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /transactions/authorizations", pomelo(auth, authorization.Authorize))
	mux.Handle("POST /transactions/adjustments/debit", pomelo(auth, authorization.AdjustDebit))
	mux.Handle("POST /transactions/adjustments/credit", pomelo(auth, authorization.AdjustCredit))
	mux.HandleFunc("POST /transactions/adjustments/{type}", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, outcome.UnknownAdjustmentType, "adjustment type must be debit or credit")
	})
	mux.Handle("GET /ledger/accounts/{user_id}", statement(accounts))
	return Logged(Routed(mux), log, now)
}

// Routed gives mux a catch-all that answers what it has no route for in the
// APIs' error shape: 405 METHOD_NOT_ALLOWED with Allow for a known path
// asked with another method, 404 NOT_FOUND for an unknown path. A request
// with a route is matched once; only one without pays for the probing.
func Routed(mux *http.ServeMux) http.Handler {
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		r.Pattern = "" // for the request log: no route matched
		if allow := allowed(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, outcome.MethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+allow)
			return
		}
		writeError(w, outcome.NoRoute, "no route for "+r.Method+" "+r.URL.Path)
	})
	return mux
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

// pomeloHeaders are the headers a Pomelo request carries once, in canonical
// form. HTTP lets a header repeat, and API Gateway joins repeated headers
// with commas, so a repeat, or a comma that may be one, is refused: two
// readers of one header must never see two different values.
var pomeloHeaders = canonical(signature.HeaderSignature, signature.HeaderTimestamp,
	signature.HeaderEndpoint, signature.HeaderAPIKey, authorization.HeaderIdempotencyKey)

func canonical(names ...string) []string {
	for i, n := range names {
		names[i] = http.CanonicalHeaderKey(n)
	}
	return names
}

// repeated returns the first of names that h holds more than once, or with
// a comma.
func repeated(h http.Header, names []string) (string, bool) {
	for _, name := range names {
		v := h[name]
		if len(v) > 1 || len(v) == 1 && strings.IndexByte(v[0], ',') >= 0 {
			return name, true
		}
	}
	return "", false
}

func pomelo(auth *authorization.Service, route authorization.Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if name, ok := repeated(r.Header, pomeloHeaders); ok {
			writeError(w, outcome.RepeatedHeader, name+" must appear once and hold no comma")
			return
		}
		body, failed := readBody(w, r, MaxBodyBytes)
		if failed != nil {
			record(w, failed.outcome())
			write(w, outcome.Status(failed.code), outcome.ErrorBody(failed.code, failed.message))
			return
		}
		writeResponse(w, auth.Serve(r.Context(), authorization.Request{Route: route, Called: called(r), Header: r.Header, Body: body}))
	}
}

// readBody reads r's body up to limit bytes, or says how to answer: 413
// BODY_TOO_LARGE only for a body over the limit, 400 BODY_UNREADABLE for one
// that ended before its Content-Length or arrived too slowly.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *readFailure) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &readFailure{code: outcome.BodyTooLarge, message: "the body is over " + strconv.FormatInt(limit, 10) + " bytes"}
	case err != nil:
		return nil, &readFailure{code: outcome.UnreadableBody, cause: err,
			message: "the body ended before its Content-Length or arrived too slowly; nothing was done, send it again"}
	}
	return body, nil
}

// readFailure is how to answer a body that could not be read.
type readFailure struct {
	code    outcome.Code
	message string
	cause   error // for the log; nil when the code says it all
}

// outcome is what the request log records of the failure.
func (f *readFailure) outcome() outcome.Outcome {
	o := outcome.Failed(f.code)
	if f.cause != nil {
		o.Error = f.cause.Error()
	}
	return o
}

// writeResponse writes an envelope's answer, with its signature headers when
// it is signed.
func writeResponse(w http.ResponseWriter, res envelope.Response) {
	record(w, res.Outcome)
	if res.Signature != "" {
		h := w.Header()
		h.Set("X-Signature", res.Signature)
		h.Set("X-Timestamp", res.Timestamp)
		h.Set("X-Endpoint", res.Endpoint)
	}
	write(w, res.Status, res.Body)
}

// called is the path and query the client asked for, as they were on the
// wire: what x-endpoint must name.
func called(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	return p
}
