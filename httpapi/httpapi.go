// Package httpapi serves the authorize function's routes over net/http: the
// Lambda adapter and the local stack both run this one handler.
package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// MaxBodyBytes bounds a request body; Pomelo's bodies are a few kilobytes.
const MaxBodyBytes = 64 << 10

// Statements reads a page of an account.
type Statements interface {
	Statement(ctx context.Context, userID, cursor string, limit int) (ledger.Statement, error)
}

// Handler serves POST /transactions/authorizations,
// POST /transactions/adjustments/{type} and GET /ledger/accounts/{user_id}.
type Handler struct {
	mux      *http.ServeMux
	auth     *authorization.Service
	accounts Statements
	log      *slog.Logger
	now      func() time.Time
}

// New returns the handler. now times requests for the log.
func New(auth *authorization.Service, accounts Statements, log *slog.Logger, now func() time.Time) *Handler {
	h := &Handler{mux: http.NewServeMux(), auth: auth, accounts: accounts, log: log, now: now}
	h.mux.HandleFunc("POST /transactions/authorizations", h.pomelo(authorization.Authorize))
	h.mux.HandleFunc("POST /transactions/adjustments/debit", h.pomelo(authorization.AdjustDebit))
	h.mux.HandleFunc("POST /transactions/adjustments/credit", h.pomelo(authorization.AdjustCredit))
	h.mux.HandleFunc("POST /transactions/adjustments/{type}", h.unknownAdjustment)
	h.mux.HandleFunc("GET /ledger/accounts/{user_id}", h.statement)
	h.mux.HandleFunc("/", h.notFound)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) pomelo(route authorization.Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		ctx, calls := roundtrip.With(r.Context())
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", "request body exceeds 64 KiB or could not be read")
			h.logRequest(r, http.StatusRequestEntityTooLarge, authorization.Outcome{Result: "bad_request", Error: "BODY_TOO_LARGE"}, start, calls)
			return
		}
		res := h.auth.Serve(ctx, authorization.Request{Route: route, Called: called(r), Header: r.Header, Body: body})
		hdr := w.Header()
		if res.Body != nil {
			hdr.Set("Content-Type", "application/json")
		}
		if res.Signature != "" {
			hdr.Set("X-Signature", res.Signature)
			hdr.Set("X-Timestamp", res.Timestamp)
			hdr.Set("X-Endpoint", res.Endpoint)
		}
		w.WriteHeader(res.Status)
		w.Write(res.Body)
		h.logRequest(r, res.Status, res.Outcome, start, calls)
	}
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

func (h *Handler) logRequest(r *http.Request, status int, o authorization.Outcome, start time.Time, calls *roundtrip.Counter) {
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", r.Pattern),
		slog.Int("status", status),
		slog.String("outcome", o.Result),
		slog.Float64("latency_ms", float64(h.now().Sub(start).Microseconds())/1000),
		slog.Int64("store_calls", calls.N()),
	}
	if o.StatusDetail != "" {
		attrs = append(attrs, slog.String("status_detail", string(o.StatusDetail)))
	}
	if o.TransactionType != "" {
		attrs = append(attrs, slog.String("transaction_type", string(o.TransactionType)), slog.String("transaction_id", o.TransactionID))
	}
	if o.Error != "" {
		attrs = append(attrs, slog.String("error", o.Error))
	}
	level := slog.LevelInfo
	if status >= 500 || o.Result == "system_error" {
		level = slog.LevelError
	}
	h.log.LogAttrs(r.Context(), level, "request", attrs...)
}

func (h *Handler) unknownAdjustment(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "UNKNOWN_ADJUSTMENT_TYPE", "adjustment type must be debit or credit")
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "NOT_FOUND", "no route for "+r.Method+" "+r.URL.Path)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	type detail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	writeJSON(w, status, struct {
		Error detail `json:"error"`
	}{detail{code, message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"INTERNAL","message":"could not encode the response"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
