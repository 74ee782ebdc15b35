package reconcile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config/reconcile"
	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/filestore/folderbucket"
	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
	"github.com/tarjeta-dev/tarjeta/providers/settlementsim"
	"github.com/tarjeta-dev/tarjeta/s3bucket"
	"github.com/tarjeta-dev/tarjeta/s3bucket/s3test"
	"github.com/tarjeta-dev/tarjeta/serve"
)

var (
	ddb *dynamotest.Server
	s3  *s3test.Server
)

// TestMain starts DynamoDB Local and versitygw: the function is tested on
// them as in AWS, and on the embedded ledger and the folder bucket as the
// local stack runs it.
// A server that cannot start fails the run: there is no silent skip.
func TestMain(m *testing.M) {
	var err error
	if ddb, err = dynamotest.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if s3, err = s3test.Start(); err != nil {
		ddb.Stop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	s3.Stop()
	ddb.Stop()
	os.Exit(code)
}

var (
	zone, _ = time.LoadLocation("America/Argentina/Buenos_Aires")
	day     = time.Date(2026, 12, 1, 0, 0, 0, 0, zone)
	// now is the next day at 06:00, when the schedule fires.
	now = func() time.Time { return day.Add(30 * time.Hour) }
)

func load(t *testing.T, env map[string]string) reconcile.Config {
	t.Helper()
	var c reconcile.Config
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &c, Lookuper: envconfig.MapLookuper(env)}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSettings(t *testing.T) {
	c := load(t, map[string]string{})
	if c.Bucket != "settlement" || c.TransactionsKey != "transactions{yyyy}_{mm}_{dd}.csv" || c.PresentationsKey != "presentations{yyyy}_{mm}_{dd}.csv" ||
		c.TimeZone != "America/Argentina/Buenos_Aires" || c.LedgerTable != "tarjeta-ledger" || c.S3Endpoint != "" {
		t.Errorf("defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, tc := range []struct{ setting, value string }{
		{"SETTLEMENT_BUCKET", "Settlement"},
		{"SETTLEMENT_BUCKET", "a..b"},
		{"SETTLEMENT_BUCKET", "ab"},
		{"SETTLEMENT_TRANSACTIONS_KEY", "transactions.csv"},           // no date in it
		{"SETTLEMENT_TRANSACTIONS_KEY", "t{yyyy}{mm}{dd}{hh}.csv"},    // an unknown field
		{"SETTLEMENT_TRANSACTIONS_KEY", "/abs/{yyyy}{mm}{dd}.csv"},    // not relative
		{"SETTLEMENT_TRANSACTIONS_KEY", "reports/{yyyy}{mm}{dd}.csv"}, // where the reports go
		{"SETTLEMENT_TRANSACTIONS_KEY", "../{yyyy}{mm}{dd}.csv"},
		// Keys no object can have, in S3 or in a folder.
		{"SETTLEMENT_TRANSACTIONS_KEY", "x//transactions{yyyy}_{mm}_{dd}.csv"},
		{"SETTLEMENT_TRANSACTIONS_KEY", "./transactions{yyyy}_{mm}_{dd}.csv"},
		{"SETTLEMENT_TRANSACTIONS_KEY", "transactions{yyyy}_{mm}_{dd}.csv/"},
		{"SETTLEMENT_TRANSACTIONS_KEY", `a\b{yyyy}{mm}{dd}.csv`},
		{"SETTLEMENT_TRANSACTIONS_KEY", "t{yyyy}{mm}{dd}\t.csv"},
		{"SETTLEMENT_PRESENTATIONS_KEY", "transactions{yyyy}_{mm}_{dd}.csv"}, // the same object
		{"RECONCILE_TIME_ZONE", "Mars/Olympus"},
		{"RECONCILE_TIME_ZONE", "Local"},
	} {
		err := load(t, map[string]string{tc.setting: tc.value}).Validate()
		if err == nil || !strings.Contains(err.Error(), tc.setting) {
			t.Errorf("%s=%q: Validate = %v, want it named", tc.setting, tc.value, err)
		}
	}
	if _, err := load(t, map[string]string{"RECONCILE_TIME_ZONE": "x"}).Function(context.Background(), reconcile.Deps{}); err == nil {
		t.Error("Function built with a bad setting")
	}
}

// backend is where a rig keeps the ledger and finds the files.
type backend struct {
	name   string
	ledger func(t *testing.T) reconcile.Store
	bucket func(t *testing.T) settlement.Bucket
}

func backends() []backend {
	return []backend{
		{
			name: "embedded",
			ledger: func(t *testing.T) reconcile.Store {
				s, err := ledgerfile.Open(t.TempDir(), day)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			},
			bucket: func(t *testing.T) settlement.Bucket { return folderbucket.New(t.TempDir(), "settlement") },
		},
		{
			name:   "dynamodb+s3",
			ledger: func(t *testing.T) reconcile.Store { return ledgertable.New(ddb.Client(), ddb.Table(t)) },
			bucket: func(t *testing.T) settlement.Bucket { return s3bucket.New(s3.Client(), s3.Bucket(t)) },
		},
	}
}

// committer is how the authorize function writes the entries a day begins
// with.
type committer interface {
	Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error
}

// generatedDay writes a generated day into the ledger and the bucket and
// returns what its run must count.
func generatedDay(t *testing.T, l reconcile.Store, b settlement.Bucket, rows int) settlementsim.Expect {
	t.Helper()
	ctx := context.Background()
	var tx, pr bytes.Buffer
	var entries []ledger.Entry
	want, err := settlementsim.Write(settlementsim.Spec{Day: day, Rows: rows, Seed: 3, Mix: settlementsim.Mix{
		AmountAdjusted: 60, Approved: 40, Undone: 40, RejectedBoth: 40, Held: 30, Refunds: 40, Malformed: 20, ClientOnly: 10,
	}}, &tx, &pr, func(e ledger.Entry) error { entries = append(entries, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(entries))
	sem := make(chan struct{}, 16)
	for i, e := range entries {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			rec := idempotency.Finish(fmt.Sprintf("k%d", i), idempotency.FingerprintOf("/t", []byte(e.TransactionID)), 200, []byte("{}"), e.CreatedAt, 24*time.Hour)
			errs <- l.(committer).Commit(ctx, rec, &ledger.Posting{Entry: e})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	put(t, b, "transactions2026_12_01.csv", tx.Bytes())
	put(t, b, "presentations2026_12_01.csv", pr.Bytes())
	return want
}

func put(t *testing.T, b settlement.Bucket, key string, body []byte) {
	t.Helper()
	if err := b.Put(context.Background(), key, "text/csv", body); err != nil {
		t.Fatal(err)
	}
}

// invoke sends an event through the Lambda dispatcher.
func invoke(t *testing.T, fn serve.Function, event any) (any, error) {
	t.Helper()
	raw, ok := event.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(event); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	return serve.Lambda(fn, nil)(ctx, raw)
}

func httpEvent(method, path, body string) events.APIGatewayV2HTTPRequest {
	e := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: path, Body: body, Headers: map[string]string{"content-type": "application/json"}}
	e.RequestContext.HTTP.Method = method
	e.RequestContext.HTTP.Path = path
	return e
}

// summaryOf reads the summary out of a direct invocation's result or an
// HTTP response.
func summaryOf(t *testing.T, got any) settlement.Summary {
	t.Helper()
	var raw []byte
	switch g := got.(type) {
	case settlement.Summary:
		return g
	case events.APIGatewayV2HTTPResponse:
		if g.StatusCode != 200 {
			t.Fatalf("status %d: %s", g.StatusCode, g.Body)
		}
		raw = []byte(g.Body)
	default:
		t.Fatalf("result %T", got)
	}
	var s settlement.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEvents runs one generated day through each way the function is
// called in AWS (a direct invocation, the schedule, EventBridge's scheduled
// event, the HTTP API), on each backend: the first run counts what the
// generator expects, every later one answers the same summary and moves
// nothing.
func TestEvents(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			l, b := be.ledger(t), be.bucket(t)
			want := generatedDay(t, l, b, 1500)
			fn, err := load(t, map[string]string{}).Function(context.Background(), reconcile.Deps{Ledger: l, Bucket: b, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			got, err := invoke(t, fn, map[string]string{"date": "2026-12-01"})
			if err != nil {
				t.Fatal(err)
			}
			first := summaryOf(t, got)
			if first.Status != settlement.Completed || first.Transactions != want.Counts || first.Presentations.Rows != want.Presentations {
				t.Fatalf("first run: %s %+v (%s), want %+v", first.Status, first.Transactions, first.Reason, want.Counts)
			}
			for _, k := range []string{"reports/2026/12/01/summary.json", "reports/2026/12/01/exceptions.csv"} {
				if body, err := b.Get(context.Background(), k); err != nil || len(body) == 0 {
					t.Errorf("%s: %d bytes, %v", k, len(body), err)
				}
			}
			balances := func() []int64 {
				var accounts []ledger.Account
				for _, d := range first.Debts {
					accounts = append(accounts, ledger.Account{UserID: d.UserID, Currency: d.Currency})
				}
				got, err := l.Balances(context.Background(), accounts)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			before := balances()
			firstJSON, _ := json.Marshal(first)
			scheduled := events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "aws.events", Time: now(), Detail: json.RawMessage("{}"),
				Resources: []string{"arn:aws:events:us-east-1:1:rule/daily"}}
			for name, event := range map[string]any{
				"a direct invocation of yesterday": map[string]string{},
				"the schedule's input":             []byte("{}"),
				"an EventBridge scheduled event":   scheduled,
				"POST /reconciliations":            httpEvent("POST", "/reconciliations", `{"date":"2026-12-01"}`),
				"GET /reconciliations/{date}":      httpEvent("GET", "/reconciliations/2026-12-01", ""),
			} {
				got, err := invoke(t, fn, event)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if name == "an EventBridge scheduled event" {
					got, err = invoke(t, fn, httpEvent("GET", "/reconciliations/2026-12-01", ""))
					if err != nil {
						t.Fatal(err)
					}
				}
				again, _ := json.Marshal(summaryOf(t, got))
				if !bytes.Equal(again, firstJSON) {
					t.Errorf("%s: the summary changed:\n%s\nfirst:\n%s", name, again, firstJSON)
				}
			}
			if after := balances(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("re-runs moved money: %v, then %v", before, after)
			}
		})
	}
}

// TestRefusedEvents: an invocation the function cannot take fails with
// serve.ErrEvent and runs nothing; an HTTP request that cannot be a run is
// a 400, a date never run a 404.
func TestRefusedEvents(t *testing.T) {
	be := backends()[0]
	l, b := be.ledger(t), be.bucket(t)
	fn, err := load(t, map[string]string{}).Function(context.Background(), reconcile.Deps{Ledger: l, Bucket: b, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, event := range []string{
		`{"date":1}`, `{"day":"2026-12-01"}`, `{"date":"2026-12-01","date":"2026-11-30"}`, `{"date":"2026-12-01"`,
	} {
		if _, err := invoke(t, fn, []byte(event)); !errors.Is(err, serve.ErrEvent) {
			t.Errorf("%s: %v, want serve.ErrEvent", event, err)
		}
	}
	for _, event := range []string{`{"date":"2026-02-30"}`, `{"date":"2026-12-03"}`} {
		if _, err := invoke(t, fn, []byte(event)); !errors.Is(err, settlement.ErrDate) {
			t.Errorf("%s: %v, want settlement.ErrDate", event, err)
		}
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/reconciliations", `{"date":"2026-13-01"}`, 400, "INVALID_INPUT"},
		{"POST", "/reconciliations", `{"date":"2026-12-03"}`, 400, "INVALID_INPUT"}, // after today in the zone
		{"POST", "/reconciliations", `{"date":20261201}`, 400, "INVALID_INPUT"},
		{"POST", "/reconciliations", `{"date":"2026-12-01","force":true}`, 400, "MALFORMED_PAYLOAD"},
		{"POST", "/reconciliations", `{"date":"2026-12-01","date":"2026-12-01"}`, 400, "MALFORMED_PAYLOAD"},
		{"POST", "/reconciliations", `["2026-12-01"]`, 400, "MALFORMED_PAYLOAD"},
		{"GET", "/reconciliations/2026-11-30", "", 404, "RECONCILIATION_NOT_FOUND"},
		{"GET", "/reconciliations/yesterday", "", 400, "INVALID_INPUT"},
	} {
		got, err := invoke(t, fn, httpEvent(tc.method, tc.path, tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp := got.(events.APIGatewayV2HTTPResponse)
		var body struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		json.Unmarshal([]byte(resp.Body), &body)
		if resp.StatusCode != tc.status || body.Error.Code != tc.code {
			t.Errorf("%s %s %s: %d %s, want %d %s", tc.method, tc.path, tc.body, resp.StatusCode, resp.Body, tc.status, tc.code)
		}
	}
	// The refusals ran nothing.
	if _, err := l.Run(context.Background(), "2026-12-01"); !errors.Is(err, settlement.ErrNoRun) {
		t.Errorf("a refused call left a run: %v", err)
	}
}

// TestContinued: an invocation whose deadline leaves less than Reserve
// applies one chunk, answers RUNNING at its checkpoint and asks to be
// continued; each continuation goes on from the checkpoint, and the run
// ends COMPLETED with the counts of a run in one go.
func TestContinued(t *testing.T) {
	be := backends()[0]
	l, b := be.ledger(t), be.bucket(t)
	const rows = 12_000 // two checkpoints and a bit
	put(t, b, "transactions2026_12_01.csv", settlementsim.Rejected(rows, 50))
	put(t, b, "presentations2026_12_01.csv", []byte("TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n"))
	var continued []string
	fn, err := load(t, map[string]string{}).Function(context.Background(), reconcile.Deps{
		Ledger: l, Bucket: b, Now: now, Reserve: time.Hour,
		Continue: func(_ context.Context, date string) error { continued = append(continued, date); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	var s settlement.Summary
	for calls := 1; ; calls++ {
		got, err := invoke(t, fn, map[string]string{"date": "2026-12-01"})
		if err != nil {
			t.Fatal(err)
		}
		s = summaryOf(t, got)
		if s.Status != settlement.Running {
			break
		}
		if s.Checkpoint == nil || s.Checkpoint.Rows != min(calls*5000, rows) || len(continued) != calls {
			t.Fatalf("call %d: checkpoint %+v, %d continuations", calls, s.Checkpoint, len(continued))
		}
		if calls > 5 {
			t.Fatal("the run does not end")
		}
	}
	// Three calls apply a chunk each; the fourth, finding the file applied,
	// writes the report.
	if s.Status != settlement.Completed || s.Transactions.Rows != rows || s.Transactions.Matched != rows || len(continued) != 3 {
		t.Errorf("%s %+v after %d continuations (%v)", s.Status, s.Transactions, len(continued), continued)
	}
}
