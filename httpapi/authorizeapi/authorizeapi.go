// Package authorizeapi serves the authorize function's routes: Pomelo's
// authorizations and adjustments, and the ledger account view.
package authorizeapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/envelope"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// MaxBodyBytes bounds a request body; Pomelo's bodies are a few kilobytes.
const MaxBodyBytes = 64 << 10

// Statements reads a page of an account.
type Statements interface {
	Statement(ctx context.Context, userID, cursor string, limit int) (ledger.Statement, error)
}

// Handler returns the authorize function's handler: POST
// /transactions/authorizations, POST /transactions/adjustments/{type} (from
// Pomelo's sources only, when the list is not empty) and GET
// /ledger/accounts/{user_id}, behind the request log. now times requests
// for the log.
func Handler(auth *authorization.Service, accounts Statements, sources allowlist.List, log *slog.Logger, now func() time.Time) http.Handler {
	mux := httpapi.NewMux()
	mux.Public("POST /transactions/authorizations", httpapi.FromSources(sources, transaction(auth, authorization.Authorize)))
	mux.Public("POST /transactions/adjustments/debit", httpapi.FromSources(sources, transaction(auth, authorization.AdjustDebit)))
	mux.Public("POST /transactions/adjustments/credit", httpapi.FromSources(sources, transaction(auth, authorization.AdjustCredit)))
	mux.Public("POST /transactions/adjustments/{type}", httpapi.FromSources(sources, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, outcome.UnknownAdjustmentType, "adjustment type must be debit or credit")
	})))
	mux.Internal("GET /ledger/accounts/{user_id}", statement(accounts))
	return httpapi.Logged(httpapi.Routed(mux), log, now)
}

// pomeloHeaders are the headers a Pomelo request carries once, in canonical
// form. HTTP lets a header repeat, and API Gateway joins repeated headers
// with commas, so a repeat, or a comma that may be one, is refused: two
// readers of one header must never see two different values.
var pomeloHeaders = httpapi.Canonical(append(slices.Clone(pomelo.SignedHeaders), authorization.HeaderIdempotencyKey)...)

func transaction(auth *authorization.Service, route authorization.Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if name, ok := httpapi.Repeated(r.Header, pomeloHeaders); ok {
			httpapi.WriteError(w, outcome.RepeatedHeader, name+" must appear once and hold no comma")
			return
		}
		body, failed := httpapi.ReadBody(w, r, MaxBodyBytes)
		if failed != nil {
			httpapi.Record(w, failed.Outcome())
			httpapi.Write(w, outcome.Status(failed.Code), outcome.ErrorBody(failed.Code, failed.Message))
			return
		}
		writeResponse(w, auth.Serve(r.Context(), authorization.Request{Route: route, Called: httpapi.Called(r), Header: r.Header, Body: body}))
	}
}

// writeResponse writes an envelope's answer, with its signature headers when
// it is signed.
func writeResponse(w http.ResponseWriter, res envelope.Response) {
	httpapi.Record(w, res.Outcome)
	if res.Signature != "" {
		h := w.Header()
		h.Set("X-Signature", res.Signature)
		h.Set("X-Timestamp", res.Timestamp)
		h.Set("X-Endpoint", res.Endpoint)
	}
	httpapi.Write(w, res.Status, res.Body)
}
