package reconcileapi_test

import (
	"context"
	"encoding/json"
	"errors"
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
