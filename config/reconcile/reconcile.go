// Package reconcile is the reconcile function as Lambda and the local stack
// both build it: its settings, their checks, and Function.
package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the zones, also where the system has none (provided.al2023)

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/core/text"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/httpapi/reconcileapi"
	"github.com/tarjeta-dev/tarjeta/metrics"
	"github.com/tarjeta-dev/tarjeta/s3bucket"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// Config is the configuration of the reconcile function.
type Config struct {
	Bucket           string `env:"SETTLEMENT_BUCKET, default=settlement"`
	TransactionsKey  string `env:"SETTLEMENT_TRANSACTIONS_KEY, default=transactions{yyyy}_{mm}_{dd}.csv"`
	PresentationsKey string `env:"SETTLEMENT_PRESENTATIONS_KEY, default=presentations{yyyy}_{mm}_{dd}.csv"`
	TimeZone         string `env:"RECONCILE_TIME_ZONE, default=America/Argentina/Buenos_Aires"`
	LedgerTable      string `env:"LEDGER_TABLE_NAME, default=tarjeta-ledger"`
	// S3Endpoint, when set, is an S3-compatible server (path-style) in
	// place of Amazon S3.
	S3Endpoint string `env:"S3_ENDPOINT"`
}

// bucketName is S3's rule for a bucket name, which the folder bucket
// follows too.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if !bucketName.MatchString(c.Bucket) || strings.Contains(c.Bucket, "..") {
		errs = append(errs, fmt.Errorf("SETTLEMENT_BUCKET %q is not a bucket name (3 to 63 of a-z, 0-9, '.', '-')", c.Bucket))
	}
	for _, k := range []struct{ name, v string }{
		{"SETTLEMENT_TRANSACTIONS_KEY", c.TransactionsKey}, {"SETTLEMENT_PRESENTATIONS_KEY", c.PresentationsKey},
	} {
		if err := settlement.CheckTemplate(k.v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k.name, err))
		}
		if strings.HasPrefix(k.v, "reports/") {
			errs = append(errs, fmt.Errorf("%s %q must be a key outside reports/", k.name, k.v))
		}
	}
	if c.TransactionsKey == c.PresentationsKey {
		errs = append(errs, errors.New("SETTLEMENT_TRANSACTIONS_KEY and SETTLEMENT_PRESENTATIONS_KEY name the same object"))
	}
	if _, err := c.Zone(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Zone is RECONCILE_TIME_ZONE's location.
func (c Config) Zone() (*time.Location, error) {
	z, err := time.LoadLocation(c.TimeZone)
	if err != nil || c.TimeZone == "" || c.TimeZone == "Local" {
		return nil, fmt.Errorf("RECONCILE_TIME_ZONE %q is not an IANA time zone", c.TimeZone)
	}
	return z, nil
}

// Store is what the function keeps in the ledger's store: its postings and
// its run records.
type Store interface {
	settlement.Ledger
	settlement.Runs
}

// Deps are what the reconcile function runs on besides its settings.
type Deps struct {
	Ledger Store
	Bucket settlement.Bucket
	Log    *slog.Logger
	Now    func() time.Time
	// Budget is how long a POST runs before answering RUNNING (zero: to the
	// end), and Continue how a RUNNING run goes on (nil: the next call).
	Budget   time.Duration
	Continue func(ctx context.Context, date string) error
	// Reserve is what a direct or scheduled invocation leaves of its
	// deadline for writing the reports.
	Reserve time.Duration
}

// Function builds the reconcile function: its API, its daily schedule and
// its direct invocation {"date"}.
func (c Config) Function(_ context.Context, d Deps) (serve.Function, error) {
	if err := c.Validate(); err != nil {
		return serve.Function{}, fmt.Errorf("config: %w", err)
	}
	if d.Ledger == nil || d.Bucket == nil || d.Now == nil {
		return serve.Function{}, errors.New("config: reconcile needs a ledger, a bucket and a clock")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	zone, _ := c.Zone()
	r := settlement.New(settlement.Config{
		Bucket: d.Bucket, Ledger: d.Ledger, Runs: d.Ledger, Now: d.Now, Zone: zone, Log: d.Log,
		TransactionsKey: c.TransactionsKey, PresentationsKey: c.PresentationsKey,
	})
	invoke := invoker{r: r, d: d}
	return serve.Function{
		HTTP:     reconcileapi.Handler(r, reconcileapi.Options{Budget: d.Budget, Continue: d.Continue}, d.Log, d.Now),
		Paths:    []string{"/reconciliations", "/reconciliations/"},
		Schedule: invoke.scheduled,
		Invoke:   invoke.direct,
	}, nil
}

// invoker runs a day for an invocation that is not an HTTP request.
type invoker struct {
	r *settlement.Reconciler
	d Deps
}

// errStillRunning fails an invocation that found its day run by another
// call, so that Lambda's retry of an asynchronous invocation comes back
// later.
var errStillRunning = errors.New("reconcile: the date is being run by another call; try later")

// direct takes {"date":"YYYY-MM-DD"} or {} (yesterday's run) and answers
// the summary.
func (v invoker) direct(ctx context.Context, event json.RawMessage) (any, error) {
	date, err := eventDate(event)
	if err != nil {
		return nil, err
	}
	return v.run(ctx, date)
}

// scheduled takes an EventBridge scheduled event, whose detail may name the
// date.
func (v invoker) scheduled(ctx context.Context, e serve.Scheduled) error {
	date := ""
	if len(e.Detail) > 0 {
		var err error
		if date, err = eventDate(e.Detail); err != nil {
			return err
		}
	}
	_, err := v.run(ctx, date)
	return err
}

func (v invoker) run(ctx context.Context, date string) (settlement.Summary, error) {
	if date == "" {
		date = v.r.Yesterday()
	}
	var until time.Time
	if dl, ok := ctx.Deadline(); ok {
		// The time left, on the reconciler's clock.
		until = v.d.Now().Add(time.Until(dl) - v.d.Reserve)
	}
	s, err := v.r.Reconcile(ctx, date, until)
	switch {
	case errors.Is(err, settlement.ErrBusy):
		return s, errStillRunning
	case err != nil:
		return s, err
	case s.Status == settlement.Running && v.d.Continue != nil:
		if err := v.d.Continue(context.WithoutCancel(ctx), date); err != nil {
			return s, fmt.Errorf("reconcile: %s: continue: %w", date, err)
		}
	}
	return s, nil
}

// eventDate reads an invocation's {"date"}; "" when it has none.
func eventDate(event json.RawMessage) (string, error) {
	if err := text.CheckJSON(event); err != nil {
		return "", fmt.Errorf("%w: %w", serve.ErrEvent, err)
	}
	root := gjson.ParseBytes(event)
	var bad error
	root.ForEach(func(k, v gjson.Result) bool {
		if k.Str != "date" || v.Type != gjson.String {
			bad = fmt.Errorf(`%w: a reconcile invocation is {"date":"YYYY-MM-DD"} or {}`, serve.ErrEvent)
		}
		return bad == nil
	})
	return root.Get("date").Str, bad
}

// Metrics are the figures of the reconcile function's log: runs as they end
// (COMPLETED, FAILED), and a completed day's transaction rows by the rule
// that settled them.
var Metrics = append([]metrics.Rule{
	{Message: "reconcile", Metric: "Reconciliations", Dims: []metrics.Dim{{Name: "Status", Attr: "status"}}},
}, rowRules(map[string]string{
	"ReconciledRows": "rows", "ReconciledMatched": "matched", "ReconciledAmountAdjusted": "amount_adjusted",
	"ReconciledAdjusted": "adjusted", "ReconciledHeld": "held", "ReconciledClientOnly": "client_only",
	"ReconciledMalformed": "malformed", "PresentationsFlagged": "flagged",
})...)

func rowRules(byMetric map[string]string) []metrics.Rule {
	names := slices.Sorted(maps.Keys(byMetric))
	rules := make([]metrics.Rule, len(names))
	for i, m := range names {
		rules[i] = metrics.Rule{Message: "reconcile", When: map[string]string{"status": "COMPLETED"}, Metric: m, Value: byMetric[m]}
	}
	return rules
}

// Budget is how long a POST runs in AWS before it answers RUNNING: API
// Gateway gives up at 30 s.
const Budget = 20 * time.Second

// Reserve is what an invocation in AWS keeps of its 15 minutes for the
// part of a run that is not cut into checkpoints.
const Reserve = 3 * time.Minute

// Lambda builds the function in AWS: settings from the environment, the
// ledger's table on DynamoDB, the bucket on S3, and a RUNNING run continued
// by an asynchronous invocation of the function itself.
func Lambda(ctx context.Context, env serve.Env) (serve.Function, error) {
	if err := config.Required("LEDGER_TABLE_NAME", "SETTLEMENT_BUCKET", "AWS_LAMBDA_FUNCTION_NAME"); err != nil {
		return serve.Function{}, err
	}
	var c Config
	if err := config.Process(ctx, &c); err != nil {
		return serve.Function{}, err
	}
	self := lambda.NewFromConfig(env.AWS)
	db := dynamo.NewClient(env.AWS, "")
	// The table's connection opens while the function is built.
	wait := dynamo.Warm(ctx, db, c.LedgerTable, dynamo.WarmLimit)
	defer wait()
	return c.Function(ctx, Deps{
		Ledger: ledgertable.New(db, c.LedgerTable),
		Bucket: s3bucket.New(s3bucket.NewClient(env.AWS, c.S3Endpoint), c.Bucket),
		Log:    metrics.Logger(env.Log, env.Name, Metrics),
		Now:    time.Now,
		Budget: Budget, Reserve: Reserve,
		Continue: func(ctx context.Context, date string) error {
			payload, _ := json.Marshal(map[string]string{"date": date})
			_, err := self.Invoke(ctx, &lambda.InvokeInput{
				FunctionName: aws.String(env.Name), InvocationType: types.InvocationTypeEvent, Payload: payload,
			})
			return err
		},
	})
}
