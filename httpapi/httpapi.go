// Package httpapi serves the functions' routes over net/http: the Lambda
// adapter and the local stack both run these handlers, each behind one
// request log (Logged).
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/envelope"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
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
	mux.HandleFunc("/", notFound)
	return Logged(mux, log, now)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, outcome.NoRoute, "no route for "+r.Method+" "+r.URL.Path)
}

func pomelo(auth *authorization.Service, route authorization.Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			writeError(w, outcome.BodyTooLarge, "request body exceeds 64 KiB or could not be read")
			return
		}
		writeResponse(w, auth.Serve(r.Context(), authorization.Request{Route: route, Called: called(r), Header: r.Header, Body: body}))
	}
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
