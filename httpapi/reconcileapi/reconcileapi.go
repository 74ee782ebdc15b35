// Package reconcileapi serves the reconcile function's routes: POST
// /reconciliations runs a day, GET /reconciliations/{date} shows its last
// run, GET /reconciliations?from=&to= lists the runs of a range of days.
package reconcileapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/core/text"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// MaxBody bounds a request's body.
const MaxBody = 1 << 10

// Page sizes of GET /reconciliations/{date}/exceptions.
const (
	DefaultExceptionsPage = 50
	MaxExceptionsPage     = 500
)

// MaxDownload bounds the exceptions.csv GET /reconciliations/{date}/
// exceptions.csv answers: Lambda answers at most 6 MB.
const MaxDownload = 5 << 20

// Reconciliations is what the routes need of the reconciler.
type Reconciliations interface {
	Reconcile(ctx context.Context, date string, until time.Time) (settlement.Summary, error)
	Last(ctx context.Context, date string) (settlement.Summary, error)
	Between(ctx context.Context, from, to string) ([]settlement.DayRun, error)
	Exceptions(ctx context.Context, date string, rule settlement.Rule, cursor string, limit int) ([]settlement.Exception, string, error)
	ExceptionsFile(ctx context.Context, date string) (io.ReadCloser, int64, error)
	Yesterday() string
}

// Options say how long a POST may run before it answers RUNNING, and how
// a run so answered goes on.
type Options struct {
	// Budget is how long a POST runs the day before answering RUNNING at
	// its next checkpoint; zero runs it to its end.
	Budget time.Duration
	// Continue goes on with a RUNNING run elsewhere (in AWS, an
	// asynchronous invocation of the function); nil when nothing can.
	Continue func(ctx context.Context, date string) error
}

// Handler returns the reconcile function's handler, behind the request log.
func Handler(s Reconciliations, o Options, log *slog.Logger, now func() time.Time) http.Handler {
	mux := httpapi.NewMux()
	mux.Internal("POST /reconciliations", run(s, o, log, now))
	mux.Internal("GET /reconciliations/{date}", last(s))
	mux.Internal("GET /reconciliations", between(s))
	mux.Internal("GET /reconciliations/{date}/exceptions", exceptions(s))
	mux.Internal("GET /reconciliations/{date}/exceptions.csv", exceptionsFile(s))
	return httpapi.Logged(httpapi.Routed(mux), log, now)
}

// readDate reads the body {"date":"YYYY-MM-DD"}; an empty body or one
// without a date is yesterday's run.
func readDate(w http.ResponseWriter, r *http.Request, s Reconciliations) (string, bool) {
	body, failed := httpapi.ReadBody(w, r, MaxBody)
	if failed != nil {
		httpapi.Record(w, failed.Outcome())
		httpapi.Write(w, outcome.Status(failed.Code), outcome.ErrorBody(failed.Code, failed.Message))
		return "", false
	}
	if len(body) == 0 {
		return s.Yesterday(), true
	}
	if err := text.CheckJSON(body); err != nil {
		httpapi.WriteError(w, outcome.MalformedPayload, "the body must be one JSON object: "+err.Error())
		return "", false
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		httpapi.WriteError(w, outcome.MalformedPayload, `the body must be a JSON object {"date":"YYYY-MM-DD"}`)
		return "", false
	}
	date, ok := "", true
	root.ForEach(func(k, v gjson.Result) bool {
		if k.Str != "date" {
			httpapi.WriteError(w, outcome.MalformedPayload, "unknown key "+string(text.AppendJSONString(nil, k.Str))+": the body takes only date")
			ok = false
			return false
		}
		if v.Type != gjson.String {
			httpapi.WriteError(w, outcome.InvalidInput, "date must be a string YYYY-MM-DD")
			ok = false
			return false
		}
		date = v.Str
		return true
	})
	if ok && date == "" {
		date = s.Yesterday()
	}
	return date, ok
}

func run(s Reconciliations, o Options, log *slog.Logger, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		date, ok := readDate(w, r, s)
		if !ok {
			return
		}
		var until time.Time
		if o.Budget > 0 {
			until = now().Add(o.Budget)
		}
		sum, err := s.Reconcile(r.Context(), date, until)
		switch {
		case errors.Is(err, settlement.ErrBusy):
		case errors.Is(err, settlement.ErrDate):
			httpapi.WriteError(w, outcome.InvalidInput, err.Error())
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the reconciliation could not go on; nothing done is lost: send it again")
			return
		case sum.Status == settlement.Running && o.Continue != nil:
			if err := o.Continue(context.WithoutCancel(r.Context()), date); err != nil {
				log.Error("reconcile", "date", date, "continue", err.Error())
			}
		}
		answer(w, sum)
	}
}

func last(s Reconciliations) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sum, err := s.Last(r.Context(), r.PathValue("date"))
		switch {
		case errors.Is(err, settlement.ErrDate):
			httpapi.WriteError(w, outcome.InvalidInput, err.Error())
			return
		case errors.Is(err, settlement.ErrNoRun):
			httpapi.WriteError(w, outcome.UnknownReconciliation, "the date was never reconciled: POST /reconciliations {\"date\"} runs it")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the reconciliation could not be read; retry")
			return
		}
		answer(w, sum)
	}
}

// between lists the runs of the days from ?from= to ?to=.
func between(s Reconciliations) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for name, vs := range q {
			if name != "from" && name != "to" || len(vs) != 1 {
				httpapi.WriteError(w, outcome.InvalidInput, "the query takes from and to, once each: ?from=YYYY-MM-DD&to=YYYY-MM-DD")
				return
			}
		}
		days, err := s.Between(r.Context(), q.Get("from"), q.Get("to"))
		switch {
		case errors.Is(err, settlement.ErrDate):
			httpapi.WriteError(w, outcome.InvalidInput, err.Error())
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the reconciliations could not be read; retry")
			return
		}
		b, err := json.Marshal(struct {
			Reconciliations []settlement.DayRun `json:"reconciliations"`
		}{append([]settlement.DayRun{}, days...)})
		if err != nil {
			httpapi.WriteFailure(w, outcome.Internal, err, "the list could not be encoded")
			return
		}
		httpapi.Record(w, outcome.Outcome{Result: outcome.OK, Attrs: []slog.Attr{slog.Int("days", len(days))}})
		httpapi.Write(w, http.StatusOK, b)
	}
}

// exceptions lists a page of the date's exceptions.csv, of ?rule= only
// when given.
func exceptions(s Reconciliations) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for name, vs := range q {
			if name != "rule" && name != "limit" && name != "cursor" || len(vs) != 1 {
				httpapi.WriteError(w, outcome.InvalidInput, "the query takes rule, limit and cursor, once each")
				return
			}
		}
		limit, ok := httpapi.Limit(w, r, DefaultExceptionsPage, MaxExceptionsPage)
		if !ok {
			return
		}
		page, next, err := s.Exceptions(r.Context(), r.PathValue("date"), settlement.Rule(q.Get("rule")), q.Get("cursor"), limit)
		if err != nil {
			exceptionsError(w, err)
			return
		}
		out := struct {
			Exceptions []settlement.Exception `json:"exceptions"`
			NextCursor *string                `json:"next_cursor"`
		}{Exceptions: page}
		if next != "" {
			out.NextCursor = &next
		}
		httpapi.WriteJSON(w, out)
	}
}

// exceptionsFile answers the date's exceptions.csv as the run wrote it.
func exceptionsFile(s Reconciliations) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		date := r.PathValue("date")
		in, size, err := s.ExceptionsFile(r.Context(), date)
		if err != nil {
			exceptionsError(w, err)
			return
		}
		defer in.Close()
		if size > MaxDownload {
			httpapi.WriteError(w, outcome.ReportTooLarge, fmt.Sprintf("exceptions.csv is %d bytes, more than one answer carries (%d): copy reports/%s/exceptions.csv from SETTLEMENT_BUCKET (aws s3 cp), or page through GET /reconciliations/%s/exceptions",
				size, MaxDownload, strings.ReplaceAll(date, "-", "/"), date))
			return
		}
		b, err := io.ReadAll(io.LimitReader(in, MaxDownload+1))
		if err != nil {
			exceptionsError(w, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="exceptions-`+date+`.csv"`)
		httpapi.Record(w, outcome.Outcome{Result: outcome.OK, Attrs: []slog.Attr{slog.Int("bytes", len(b))}})
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	}
}

func exceptionsError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, settlement.ErrDate), errors.Is(err, settlement.ErrRule):
		httpapi.WriteError(w, outcome.InvalidInput, err.Error())
	case errors.Is(err, settlement.ErrCursor):
		httpapi.WriteError(w, outcome.InvalidCursor, "the cursor was not issued for this day and rule, or the day was run again since: start from the first page")
	case errors.Is(err, settlement.ErrNoRun):
		httpapi.WriteError(w, outcome.UnknownReconciliation, "the date was never reconciled: POST /reconciliations {\"date\"} runs it")
	case errors.Is(err, settlement.ErrNoObject):
		httpapi.WriteError(w, outcome.UnknownReconciliation, "the day's exceptions.csv is no longer in the bucket: POST /reconciliations {\"date\"} writes it again")
	case errors.Is(err, settlement.ErrNoReport):
		httpapi.WriteError(w, outcome.ReportNotReady, err.Error())
	case errors.Is(err, settlement.ErrChanged):
		httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the day was run again while its exceptions were read; retry")
	default:
		httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the exceptions could not be read; retry")
	}
}

// answer writes a summary, whatever its status, with 200.
func answer(w http.ResponseWriter, s settlement.Summary) {
	b, err := json.Marshal(s)
	if err != nil {
		httpapi.WriteFailure(w, outcome.Internal, err, "the summary could not be encoded")
		return
	}
	t := s.Transactions
	httpapi.Record(w, outcome.Outcome{Result: outcome.OK, Attrs: []slog.Attr{
		slog.String("date", s.Date), slog.String("run_status", string(s.Status)), slog.Int("rows", t.Rows),
		slog.Int("adjusted", t.Adjusted+t.AmountAdjusted), slog.Int("anomalies", len(s.Anomalies)),
	}})
	httpapi.Write(w, http.StatusOK, b)
}
