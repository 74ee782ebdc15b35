package reconcileapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/httpapi/reconcileapi"
)

// days answers Reconcile with a summary of the asked status, or an error,
// and records each call's date and time limit.
type days struct {
	status settlement.Status
	err    error
	dates  []string
	until  []time.Time
}

func (d *days) Reconcile(_ context.Context, date string, until time.Time) (settlement.Summary, error) {
	d.dates, d.until = append(d.dates, date), append(d.until, until)
	s := settlement.Summary{Date: date, Status: d.status}
	if d.status == settlement.Running {
		s.Checkpoint = &settlement.Checkpoint{Rows: 5000}
	}
	return s, d.err
}

func (d *days) Last(_ context.Context, date string) (settlement.Summary, error) {
	if _, err := settlement.Day(date, time.UTC, clock()); err != nil {
		return settlement.Summary{}, err
	}
	if date != "2026-12-01" {
		return settlement.Summary{}, settlement.ErrNoRun
	}
	return settlement.Summary{Date: date, Status: settlement.Completed}, nil
}

func (d *days) Between(_ context.Context, from, to string) ([]settlement.DayRun, error) {
	if from > to || from == "" {
		return nil, settlement.ErrDate
	}
	if d.err != nil {
		return nil, d.err
	}
	return []settlement.DayRun{{Date: from, Status: settlement.Completed, Transactions: settlement.Counts{Rows: 3, Matched: 3}, Anomalies: 1}}, nil
}

func (d *days) Yesterday() string { return "2026-12-04" }

// exceptionsCSV is 2026-12-01's exceptions.csv in the fake.
const exceptionsCSV = "TRANSACTION_ID,RULE,SOURCE,STATUS_DETAIL,ACTION,DETAIL\nt-1,ADJUSTED,ONLINE,APPROVED,DEBIT 5.00 ARS,x\n"

func (d *days) Exceptions(_ context.Context, date string, rule settlement.Rule, cursor string, limit int) ([]settlement.Exception, string, error) {
	if err := d.exceptionsOf(date); err != nil {
		return nil, "", err
	}
	switch {
	case rule == "TELEPORT":
		return nil, "", settlement.ErrRule
	case cursor == "stale":
		return nil, "", settlement.ErrCursor
	case d.err != nil:
		return nil, "", d.err
	}
	return []settlement.Exception{{TransactionID: "t-1", Rule: settlement.Adjusted}}, "next", nil
}

func (d *days) ExceptionsFile(_ context.Context, date string) (io.ReadCloser, int64, error) {
	if err := d.exceptionsOf(date); err != nil {
		return nil, 0, err
	}
	if d.err != nil {
		return nil, 0, d.err
	}
	if d.status == "huge" {
		return io.NopCloser(strings.NewReader("")), reconcileapi.MaxDownload + 1, nil
	}
	return io.NopCloser(strings.NewReader(exceptionsCSV)), int64(len(exceptionsCSV)), nil
}

func (d *days) exceptionsOf(date string) error {
	switch date {
	case "2026-12-01":
		return nil
	case "2026-12-02":
		return settlement.ErrNoReport
	case "2026-12-03":
		return settlement.ErrNoObject
	}
	if _, err := settlement.Day(date, time.UTC, clock()); err != nil {
		return err
	}
	return settlement.ErrNoRun
}

// TestExceptions: GET /reconciliations/{date}/exceptions pages a completed
// day's exceptions as JSON, .../exceptions.csv answers the file; every
// failure has its status.
func TestExceptions(t *testing.T) {
	status, body := call(t, serve(t, &days{}, reconcileapi.Options{}), "GET", "/reconciliations/2026-12-01/exceptions?rule=ADJUSTED&limit=1", "")
	if status != 200 || body["next_cursor"] != "next" || len(body["exceptions"].([]any)) != 1 ||
		body["exceptions"].([]any)[0].(map[string]any)["transaction_id"] != "t-1" {
		t.Errorf("a page: %d %v", status, body)
	}
	for _, tc := range []struct {
		path string
		err  error
		want int
		code string
	}{
		{"/reconciliations/2026-12-01/exceptions?limit=0", nil, 400, "INVALID_LIMIT"},
		{"/reconciliations/2026-12-01/exceptions?limit=501", nil, 400, "INVALID_LIMIT"},
		{"/reconciliations/2026-12-01/exceptions?rule=TELEPORT", nil, 400, "INVALID_INPUT"},
		{"/reconciliations/2026-12-01/exceptions?from=2026-12-01", nil, 400, "INVALID_INPUT"},
		{"/reconciliations/2026-12-01/exceptions?cursor=stale", nil, 400, "INVALID_CURSOR"},
		{"/reconciliations/2026-13-01/exceptions", nil, 400, "INVALID_INPUT"},
		{"/reconciliations/2026-11-30/exceptions", nil, 404, "RECONCILIATION_NOT_FOUND"},
		{"/reconciliations/2026-12-03/exceptions.csv", nil, 404, "RECONCILIATION_NOT_FOUND"},
		{"/reconciliations/2026-12-02/exceptions", nil, 409, "REPORT_NOT_READY"},
		{"/reconciliations/2026-12-02/exceptions.csv", nil, 409, "REPORT_NOT_READY"},
		{"/reconciliations/2026-12-01/exceptions", errors.New("connection refused"), 503, "STORE_UNAVAILABLE"},
		{"/reconciliations/2026-12-01/exceptions.csv", errors.New("connection refused"), 503, "STORE_UNAVAILABLE"},
	} {
		status, body := call(t, serve(t, &days{err: tc.err}, reconcileapi.Options{}), "GET", tc.path, "")
		if e, _ := body["error"].(map[string]any); status != tc.want || e["code"] != tc.code {
			t.Errorf("%s: %d %v, want %d %s", tc.path, status, body, tc.want, tc.code)
		}
	}
	status, body = call(t, serve(t, &days{status: "huge"}, reconcileapi.Options{}), "GET", "/reconciliations/2026-12-01/exceptions.csv", "")
	if e, _ := body["error"].(map[string]any); status != 409 || e["code"] != "REPORT_TOO_LARGE" || !strings.Contains(e["message"].(string), "reports/2026/12/01/exceptions.csv") {
		t.Errorf("a file too large: %d %v", status, body)
	}
	res, err := http.Get(serve(t, &days{}, reconcileapi.Options{}).URL + "/reconciliations/2026-12-01/exceptions.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(b) != exceptionsCSV || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="exceptions-2026-12-01.csv"` {
		t.Errorf("the download: %d %v %q", res.StatusCode, res.Header, b)
	}
}

// TestList: GET /reconciliations?from=&to= lists the days run; a bad range
// or query is 400 INVALID_INPUT, a store that fails 503.
func TestList(t *testing.T) {
	status, body := call(t, serve(t, &days{}, reconcileapi.Options{}), "GET", "/reconciliations?from=2026-12-01&to=2026-12-03", "")
	list, _ := body["reconciliations"].([]any)
	if status != 200 || len(list) != 1 {
		t.Fatalf("%d %v", status, body)
	}
	day := list[0].(map[string]any)
	if day["date"] != "2026-12-01" || day["status"] != "COMPLETED" || day["anomalies"] != float64(1) || day["transactions"].(map[string]any)["rows"] != float64(3) {
		t.Errorf("day %v", day)
	}
	for _, tc := range []struct {
		query string
		err   error
		want  int
	}{
		{"?from=2026-12-03&to=2026-12-01", nil, 400},
		{"", nil, 400},
		{"?from=2026-12-01&to=2026-12-03&limit=5", nil, 400},
		{"?from=2026-12-01&from=2026-12-02&to=2026-12-03", nil, 400},
		{"?from=2026-12-01&to=2026-12-03", errors.New("connection refused"), 503},
	} {
		if status, body := call(t, serve(t, &days{err: tc.err}, reconcileapi.Options{}), "GET", "/reconciliations"+tc.query, ""); status != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.query, status, body, tc.want)
		}
	}
}

func clock() time.Time { return time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC) }

func serve(t testing.TB, d *days, o reconcileapi.Options) *httptest.Server {
	srv := httptest.NewServer(reconcileapi.Handler(d, o, slog.New(slog.DiscardHandler), clock))
	t.Cleanup(srv.Close)
	return srv
}

func call(t testing.TB, srv *httptest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s %q: the answer is not JSON: %v", method, path, body, err)
	}
	return res.StatusCode, out
}

func TestRoutes(t *testing.T) {
	for _, tc := range []struct {
		name         string
		status       settlement.Status
		err          error
		method, path string
		body         string
		want         int
		code         string // of an error, or the summary's status
		date         string // the date run, if one is
	}{
		{"a date", settlement.Completed, nil, "POST", "/reconciliations", `{"date":"2026-12-01"}`, 200, "COMPLETED", "2026-12-01"},
		{"an empty body is yesterday", settlement.Completed, nil, "POST", "/reconciliations", ``, 200, "COMPLETED", "2026-12-04"},
		{"no date is yesterday", settlement.Completed, nil, "POST", "/reconciliations", `{}`, 200, "COMPLETED", "2026-12-04"},
		{"a FAILED run is a 200", settlement.Failed, nil, "POST", "/reconciliations", `{"date":"2026-12-01"}`, 200, "FAILED", "2026-12-01"},
		{"a date another call runs answers its progress", settlement.Running, settlement.ErrBusy, "POST", "/reconciliations", `{"date":"2026-12-01"}`, 200, "RUNNING", "2026-12-01"},
		{"an invalid date", "", settlement.ErrDate, "POST", "/reconciliations", `{"date":"2026-12-32"}`, 400, "INVALID_INPUT", "2026-12-32"},
		{"a store that fails", "", errors.New("connection refused"), "POST", "/reconciliations", `{"date":"2026-12-01"}`, 503, "STORE_UNAVAILABLE", "2026-12-01"},
		{"a date that is not a string", "", nil, "POST", "/reconciliations", `{"date":null}`, 400, "INVALID_INPUT", ""},
		{"an unknown key", "", nil, "POST", "/reconciliations", `{"date":"2026-12-01","dry_run":true}`, 400, "MALFORMED_PAYLOAD", ""},
		{"a repeated key", "", nil, "POST", "/reconciliations", `{"date":"2026-12-01","date":"2026-11-01"}`, 400, "MALFORMED_PAYLOAD", ""},
		{"not JSON", "", nil, "POST", "/reconciliations", `date=2026-12-01`, 400, "MALFORMED_PAYLOAD", ""},
		{"a body past the cap", "", nil, "POST", "/reconciliations", `{"date":"` + strings.Repeat("1", reconcileapi.MaxBody) + `"}`, 413, "BODY_TOO_LARGE", ""},
		{"the last run", "", nil, "GET", "/reconciliations/2026-12-01", ``, 200, "COMPLETED", ""},
		{"a date never run", "", nil, "GET", "/reconciliations/2026-11-30", ``, 404, "RECONCILIATION_NOT_FOUND", ""},
		{"a GET of no date", "", nil, "GET", "/reconciliations/first", ``, 400, "INVALID_INPUT", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &days{status: tc.status, err: tc.err}
			status, body := call(t, serve(t, d, reconcileapi.Options{}), tc.method, tc.path, tc.body)
			got, _ := body["status"].(string)
			if e, ok := body["error"].(map[string]any); ok {
				got, _ = e["code"].(string)
			}
			if status != tc.want || got != tc.code {
				t.Errorf("%d %v, want %d %s", status, body, tc.want, tc.code)
			}
			if ran := strings.Join(d.dates, ","); ran != tc.date {
				t.Errorf("ran %q, want %q", ran, tc.date)
			}
		})
	}
}

// TestBudget: with a budget, a POST runs until now+budget, and a RUNNING
// answer is continued elsewhere; a continuation that cannot start still
// answers the summary.
func TestBudget(t *testing.T) {
	var continued []string
	fail := false
	o := reconcileapi.Options{Budget: 20 * time.Second, Continue: func(_ context.Context, date string) error {
		continued = append(continued, date)
		if fail {
			return errors.New("throttled")
		}
		return nil
	}}
	d := &days{status: settlement.Running}
	srv := serve(t, d, o)
	for range 2 {
		status, body := call(t, srv, "POST", "/reconciliations", `{"date":"2026-12-01"}`)
		if status != 200 || body["status"] != "RUNNING" || body["checkpoint"] == nil {
			t.Errorf("%d %v, want 200 RUNNING with its checkpoint", status, body)
		}
		fail = true
	}
	if len(continued) != 2 || !d.until[0].Equal(clock().Add(20*time.Second)) {
		t.Errorf("continued %v, until %v", continued, d.until)
	}
	d.status = settlement.Completed
	call(t, srv, "POST", "/reconciliations", `{"date":"2026-12-01"}`)
	if len(continued) != 2 {
		t.Errorf("a COMPLETED run was continued")
	}
}

// FuzzRun: whatever the body, the answer is JSON, a 200 only for a run, and
// never a 5xx.
func FuzzRun(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"date":"2026-12-01"}`, `{"date":"2026-12-01","date":"x"}`, `{"date":1}`, `[]`, `{"a":{"b":[`, "\xff"} {
		f.Add(s)
	}
	d := &days{status: settlement.Completed}
	srv := serve(f, d, reconcileapi.Options{})
	f.Fuzz(func(t *testing.T, body string) {
		before := len(d.dates)
		status, _ := call(t, srv, "POST", "/reconciliations", body)
		ran := len(d.dates) > before
		if status >= 500 || (status == 200) != ran {
			t.Errorf("%q: %d, ran %v", body, status, ran)
		}
	})
}
