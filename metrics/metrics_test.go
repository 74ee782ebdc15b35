package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/config/authorize"
	"github.com/tarjeta-dev/tarjeta/config/reconcile"
	"github.com/tarjeta-dev/tarjeta/config/verify"
	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/metrics"
)

var update = flag.Bool("update", false, "write testdata/emf.golden anew")

var at = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

// line is a log line as a function writes it.
type line struct {
	msg   string
	attrs []slog.Attr
}

// TestGolden runs the functions' own rule tables over the lines their code
// logs, and compares the EMF output with testdata/emf.golden (-update
// writes it).
func TestGolden(t *testing.T) {
	var out bytes.Buffer
	base := slog.NewJSONHandler(&out, nil)
	for _, fn := range []struct {
		name  string
		rules []metrics.Rule
		lines []line
	}{
		{"tarjeta-authorize", authorize.Metrics, []line{
			{"request", []slog.Attr{slog.String("route", "POST /transactions/authorizations"), slog.Int("status", 200), slog.String("outcome", "approved"),
				slog.Float64("latency_ms", 4.2), slog.Int("store_calls", 1), slog.String("status_detail", "APPROVED")}},
			{"request", []slog.Attr{slog.String("route", "POST /transactions/authorizations"), slog.Int("status", 200), slog.String("outcome", "rejected"),
				slog.String("status_detail", "SYSTEM_ERROR"), slog.String("error", "deadline")}},
			{"request", []slog.Attr{slog.String("route", "POST /transactions/adjustments/credit"), slog.Int("status", 200), slog.String("outcome", "adjusted")}},
			// A replay is not counted again; a read carries no metric.
			{"request", []slog.Attr{slog.String("route", "POST /transactions/authorizations"), slog.String("outcome", "replayed")}},
			{"request", []slog.Attr{slog.String("route", "GET /ledger/accounts/{user_id}"), slog.String("outcome", "ok")}},
		}},
		{"tarjeta-webhooks", webhooks.Metrics, []line{
			{"request", []slog.Attr{slog.String("route", "POST /webhooks/td"), slog.String("outcome", "received"), slog.String("provider", "td")}},
			{"request", []slog.Attr{slog.String("route", "POST /webhooks/td"), slog.String("outcome", "replayed"), slog.String("provider", "td")}},
			{"event attempt", []slog.Attr{slog.String("provider", "pomelo"), slog.String("type", "ACTIVITY_CREATED"), slog.String("status", "PROCESSED")}},
			// A refusal names no provider: no metric.
			{"request", []slog.Attr{slog.String("route", "POST /webhooks/belvo"), slog.String("outcome", "unauthorized")}},
		}},
		{"tarjeta-verify", verify.Metrics, []line{
			{"verification finished", []slog.Attr{slog.String("provider", "palenca"), slog.String("verification", "v1"), slog.String("status", "COMPLETED")}},
			{"verification finished", []slog.Attr{slog.String("provider", "td"), slog.String("code", "CURP_NOT_FOUND"), slog.String("verification", "v2"), slog.String("status", "FAILED")}},
			{"webhook backlog", []slog.Attr{slog.String("provider", "belvo"), slog.Float64("oldest_received_age_s", 312.5)}},
		}},
		{"tarjeta-reconcile", reconcile.Metrics, []line{
			{"reconcile", []slog.Attr{slog.String("date", "2026-11-30"), slog.String("status", "RUNNING"), slog.Int("rows", 5000)}},
			{"reconcile", []slog.Attr{slog.String("date", "2026-11-30"), slog.String("status", "COMPLETED"), slog.Int("rows", 12000), slog.Int("matched", 11900),
				slog.Int("amount_adjusted", 40), slog.Int("adjusted", 30), slog.Int("held", 20), slog.Int("client_only", 3), slog.Int("malformed", 10),
				slog.Int("presentations", 11000), slog.Int("flagged", 2)}},
		}},
	} {
		log := metrics.Logger(slog.New(base), fn.name, fn.rules)
		for _, l := range fn.lines {
			r := slog.NewRecord(at, slog.LevelInfo, l.msg, 0)
			r.AddAttrs(l.attrs...)
			if err := log.Handler().Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		checkEMF(t, l)
	}
	if *update {
		if err := os.WriteFile("testdata/emf.golden", out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/emf.golden")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("EMF output differs from testdata/emf.golden (-update writes it):\n%s", out.String())
	}
}

// checkEMF checks a line against the EMF specification's rules: every
// directive's dimensions and metrics are top-level members, dimensions
// strings and metrics numbers, at most 30 dimensions a set and 100 metrics
// a directive.
func checkEMF(t *testing.T, l string) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(l), &doc); err != nil {
		t.Fatalf("not JSON: %s", l)
	}
	raw, ok := doc["_aws"]
	if !ok {
		return
	}
	b, _ := json.Marshal(raw)
	var meta struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.Timestamp != at.UnixMilli() || len(meta.CloudWatchMetrics) == 0 {
		t.Fatalf("bad _aws %s: %v", b, err)
	}
	for _, d := range meta.CloudWatchMetrics {
		if d.Namespace != metrics.Namespace || len(d.Metrics) == 0 || len(d.Metrics) > 100 {
			t.Errorf("directive %+v", d)
		}
		for _, set := range d.Dimensions {
			if len(set) == 0 || len(set) > 30 || set[0] != metrics.FunctionDimension {
				t.Errorf("dimension set %v", set)
			}
			for _, name := range set {
				if _, ok := doc[name].(string); !ok {
					t.Errorf("dimension %s is not a top-level string in %s", name, l)
				}
			}
		}
		for _, m := range d.Metrics {
			if _, ok := doc[m.Name].(float64); !ok {
				t.Errorf("metric %s is not a top-level number in %s", m.Name, l)
			}
		}
	}
}

// TestUnmatched: a line without a dimension's attribute, or with a value
// that is not a number, carries no metric and is passed on as it is.
func TestUnmatched(t *testing.T) {
	var out bytes.Buffer
	log := metrics.Logger(slog.New(slog.NewJSONHandler(&out, nil)), "f", []metrics.Rule{
		{Message: "m", Metric: "WithDim", Dims: []metrics.Dim{{Name: "P", Attr: "provider"}}},
		{Message: "m", Metric: "WithValue", Value: "age"},
	})
	log.Info("m", "age", "old")
	log.Info("other", "provider", "td", "age", 3)
	if strings.Contains(out.String(), "_aws") {
		t.Errorf("metrics invented: %s", out.String())
	}
	out.Reset()
	log.With("request_id", "r1").Info("m", "provider", "td", "age", 3)
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc["WithDim"] != 1.0 || doc["WithValue"] != 3.0 || doc["P"] != "td" || doc["request_id"] != "r1" {
		t.Errorf("both rules on one line: %s (%v)", out.String(), err)
	}
}

// BenchmarkRequestLine is what the metrics add to an approved
// authorization's request log line, on the answer's path in Lambda.
func BenchmarkRequestLine(b *testing.B) {
	for _, bc := range []struct {
		name  string
		rules []metrics.Rule
	}{{"plain", nil}, {"with metrics", authorize.Metrics}} {
		b.Run(bc.name, func(b *testing.B) {
			log := metrics.Logger(slog.New(slog.NewJSONHandler(io.Discard, nil)), "tarjeta-authorize", bc.rules)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", "POST"), slog.String("route", "POST /transactions/authorizations"),
					slog.Int("status", 200), slog.String("outcome", "approved"), slog.Float64("latency_ms", 4.2), slog.Int64("store_calls", 1),
					slog.String("transaction_type", "PURCHASE"), slog.String("transaction_id", "ctx-1"), slog.String("status_detail", "APPROVED"))
			}
		})
	}
}
