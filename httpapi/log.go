package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// Logged returns h with the request log: one JSON line per request, whatever
// route it took or failed to take, with its method, route pattern, status,
// outcome, latency, store round trips, the error code if any and the
// attributes the route added. It never logs a body, a header or a path
// value: those carry secrets and personal data. now times the request.
func Logged(h http.Handler, log *slog.Logger, now func() time.Time) http.Handler {
	return &logged{next: h, log: log, now: now}
}

// logged is Logged's handler; it keeps the routes of the handler it logs.
type logged struct {
	next http.Handler
	log  *slog.Logger
	now  func() time.Time
}

// Routes are the routes of the handler logged.
func (l *logged) Routes() []Route { return RoutesOf(l.next) }

func (l *logged) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := l.now()
	ctx, calls := roundtrip.With(r.Context())
	r = r.WithContext(ctx)
	lw := &logWriter{ResponseWriter: w, status: http.StatusOK}
	l.next.ServeHTTP(lw, r) // the mux sets r.Pattern

	o := lw.outcome
	if o.Result == "" {
		o.Result = outcome.OK
		if lw.status >= 400 {
			o.Result = outcome.BadRequest
		}
	}
	attrs := make([]slog.Attr, 0, 8+len(o.Attrs))
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("route", r.Pattern),
		slog.Int("status", lw.status),
		slog.String("outcome", string(o.Result)),
		slog.Float64("latency_ms", float64(l.now().Sub(start).Microseconds())/1000),
		slog.Int64("store_calls", calls.N()),
	)
	attrs = append(attrs, o.Attrs...)
	attrs = append(attrs, lw.noted...)
	if o.Error != "" {
		attrs = append(attrs, slog.String("error", o.Error))
	}
	level := slog.LevelInfo
	if lw.status >= 500 || o.Result == outcome.SystemError {
		level = slog.LevelError
	}
	l.log.LogAttrs(ctx, level, "request", attrs...)
}

// logWriter remembers what the request log needs of an answer.
type logWriter struct {
	http.ResponseWriter
	status  int
	wrote   bool
	outcome outcome.Outcome
	noted   []slog.Attr // Note's, whatever the outcome
}

func (w *logWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Record sets the outcome the request log gives the request w answers; it
// does nothing outside Logged.
func Record(w http.ResponseWriter, o outcome.Outcome) {
	if lw, ok := w.(*logWriter); ok {
		lw.outcome = o
	}
}

// Note adds attrs to the request's log line, whatever its outcome: what a
// route must log of every call (who asked), answered or refused.
func Note(w http.ResponseWriter, attrs ...slog.Attr) {
	if lw, ok := w.(*logWriter); ok {
		lw.noted = append(lw.noted, attrs...)
	}
}

// WriteError answers {"error":{"code","message"}} with code's status.
func WriteError(w http.ResponseWriter, code outcome.Code, message string) {
	Record(w, outcome.Failed(code))
	Write(w, outcome.Status(code), outcome.ErrorBody(code, message))
}

// WriteFailure answers code for a failure of ours, keeping its cause for the
// log.
func WriteFailure(w http.ResponseWriter, code outcome.Code, cause error, message string) {
	o := outcome.Failed(code)
	o.Error = cause.Error()
	Record(w, o)
	Write(w, outcome.Status(code), outcome.ErrorBody(code, message))
}

// Write answers status with body, a JSON document.
func Write(w http.ResponseWriter, status int, body []byte) {
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	w.Write(body)
}

// WriteJSON answers 200 with v encoded, the request's outcome ok.
func WriteJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteFailure(w, outcome.Internal, err, "the answer could not be encoded")
		return
	}
	Record(w, outcome.Outcome{Result: outcome.OK})
	Write(w, http.StatusOK, b)
}
