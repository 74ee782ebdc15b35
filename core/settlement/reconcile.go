package settlement

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// DefaultChunk is how many transaction rows a run applies between two
// checkpoints.
const DefaultChunk = 5000

// DefaultLease is how long a run owns its date after each checkpoint: a run
// found RUNNING with its lease passed was cut short and is taken over.
const DefaultLease = 2 * time.Minute

// Config configures a Reconciler. Now and Zone are required.
type Config struct {
	Bucket           Bucket
	Ledger           Ledger
	Runs             Runs
	Now              func() time.Time
	Zone             *time.Location
	TransactionsKey  string // DefaultTransactionsKey when empty
	PresentationsKey string // DefaultPresentationsKey when empty
	Chunk            int    // DefaultChunk when zero
	Lease            time.Duration
	Log              *slog.Logger
}

// Reconciler reconciles Pomelo's daily files against the ledger.
type Reconciler struct {
	c Config
}

// New returns a Reconciler.
func New(c Config) *Reconciler {
	if c.TransactionsKey == "" {
		c.TransactionsKey = DefaultTransactionsKey
	}
	if c.PresentationsKey == "" {
		c.PresentationsKey = DefaultPresentationsKey
	}
	if c.Chunk <= 0 {
		c.Chunk = DefaultChunk
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Reconciler{c: c}
}

// Yesterday is the date a scheduled run covers by default.
func (r *Reconciler) Yesterday() string { return Yesterday(r.c.Zone, r.c.Now()) }

// ErrBusy reports a date another call is running (its lease holds); the
// summary returned with it is that run's progress.
var ErrBusy = errors.New("settlement: another call is running the date")

// Reconcile runs date's reconciliation until it is COMPLETED or FAILED, or
// until the time until (the zero time for no limit) has passed at a
// checkpoint, when it answers RUNNING, lets go of the date, and a later
// call goes on from there. A date another call is running answers that
// run's progress with ErrBusy. Any other error is ErrDate for a date that
// cannot be run, or a store's failure (the run can be called again:
// nothing done is lost).
func (r *Reconciler) Reconcile(ctx context.Context, date string, until time.Time) (Summary, error) {
	day, err := Day(date, r.c.Zone, r.c.Now())
	if err != nil {
		return Summary{}, err
	}
	prev, err := r.c.Runs.Run(ctx, date)
	switch {
	case errors.Is(err, ErrNoRun):
	case err != nil:
		return Summary{}, err
	case prev.Status == Running && prev.LeaseUntil.After(r.c.Now()):
		return prev.summary(), ErrBusy
	}
	run, err := r.start(ctx, day, prev)
	if errors.Is(err, ErrRunConflict) {
		s, err := r.Last(ctx, date)
		if err == nil && s.Status == Running {
			err = ErrBusy
		}
		return s, err
	}
	if err != nil {
		return Summary{}, err
	}
	if run.Status == Failed {
		return r.fail(ctx, day, run, run.Reason)
	}
	return r.resume(ctx, day, run, until)
}

// start claims the date: it resumes a run cut short on the same inputs, or
// starts afresh.
func (r *Reconciler) start(ctx context.Context, day time.Time, prev Run) (Run, error) {
	date := day.Format("2006-01-02")
	run := Run{Date: date, Version: prev.Version, Attempt: prev.Attempt + 1, Status: Running}
	for _, k := range [...]string{Fill(r.c.TransactionsKey, day), Fill(r.c.PresentationsKey, day)} {
		obj, err := Object{}, CheckKey(k)
		if err == nil {
			obj, err = r.c.Bucket.Stat(ctx, k)
		}
		if reason := unusable(k, err); reason != "" {
			if run.Reason != "" {
				run.Reason += "; "
			}
			run.Status, run.Reason = Failed, run.Reason+reason
			run.Inputs = append(run.Inputs, Input{Key: k})
			continue
		}
		if err != nil {
			return Run{}, fmt.Errorf("settlement: %s: stat %s: %w", date, k, err)
		}
		run.Inputs = append(run.Inputs, Input{Key: k, ETag: obj.ETag})
	}
	same := sameInputs(prev.Inputs, run.Inputs)
	switch {
	case run.Status == Failed:
	case prev.Status == Running && same:
		// Cut short: go on from its checkpoint, under its attempt.
		run.Attempt, run.Checkpoint, run.Counts = prev.Attempt, prev.Checkpoint, prev.Counts
		run.Inputs, run.Replaces = prev.Inputs, prev.Replaces
	case same:
		run.Replaces = prev.Replaces
	case prev.Status == Completed || prev.Status == Running && prev.Checkpoint.Rows > 0:
		// The inputs changed after a run that moved money: this one
		// replaces it (and what it replaced).
		run.Replaces = append(slices.Clip(prev.Replaces), prev.Inputs...)
	default:
		run.Replaces = prev.Replaces
	}
	if err := r.save(ctx, &run); err != nil {
		return Run{}, err
	}
	return run, nil
}

// unusable is why the run cannot read the object at key, given Stat's
// error: "" when it can, or when err is the store's failure (the run can be
// called again).
func unusable(key string, err error) string {
	switch {
	case errors.Is(err, ErrNoObject):
		return fmt.Sprintf("no object %s in the bucket", key)
	case errors.Is(err, ErrKey), errors.Is(err, ErrUnreadable):
		return err.Error()
	}
	return ""
}

// save writes the run as its next version, its lease renewed.
func (r *Reconciler) save(ctx context.Context, run *Run) error {
	run.Version++
	run.LeaseUntil = r.c.Now().Add(r.c.Lease)
	if err := r.c.Runs.SaveRun(ctx, *run); err != nil {
		return fmt.Errorf("settlement: %s: save run: %w", run.Date, err)
	}
	return nil
}

func sameInputs(a, b []Input) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].ETag != b[i].ETag {
			return false
		}
	}
	return true
}

// resume applies the transaction file from the run's checkpoint, then
// finishes the run.
func (r *Reconciler) resume(ctx context.Context, day time.Time, run Run, until time.Time) (Summary, error) {
	// Both files' headers are read before the first posting: a run that
	// fails for a file moves nothing.
	if err := r.checkPresentations(ctx, run); err != nil {
		return r.failOrErr(ctx, day, run, err)
	}
	a, err := r.openTransactions(ctx, day, run)
	if err != nil {
		return r.failOrErr(ctx, day, run, err)
	}
	defer a.close()
	// Every call applies a chunk at least, or finishes, so that calls with
	// too little time still end the run.
	applied := false
	for done := run.Checkpoint.Done; !done; {
		if applied && r.past(until) {
			return r.pause(ctx, run)
		}
		done, err = a.chunk(ctx, &run)
		if err != nil {
			return r.failOrErr(ctx, day, run, err)
		}
		applied = true
		run.Checkpoint.Done = done
		if err := r.save(ctx, &run); err != nil {
			return Summary{}, err
		}
	}
	if applied && r.past(until) {
		// What is left of the run is not cut into checkpoints: start it
		// with the time it may need.
		return r.pause(ctx, run)
	}
	return r.finish(ctx, day, run, a.index)
}

func (r *Reconciler) past(until time.Time) bool {
	return !until.IsZero() && !r.c.Now().Before(until)
}

// pause answers a run RUNNING at its checkpoint and lets go of its date,
// so that the next call goes on at once.
func (r *Reconciler) pause(ctx context.Context, run Run) (Summary, error) {
	run.Version++
	run.LeaseUntil = time.Time{}
	if err := r.c.Runs.SaveRun(ctx, run); err != nil {
		return Summary{}, fmt.Errorf("settlement: %s: save run: %w", run.Date, err)
	}
	return run.summary(), nil
}

// fail ends the run FAILED for reason, with its summary written.
func (r *Reconciler) fail(ctx context.Context, day time.Time, run Run, reason string) (Summary, error) {
	run.Status, run.Reason = Failed, reason
	s := run.summary()
	if err := r.writeSummary(ctx, day, s); err != nil && !errors.Is(err, ErrNoObject) {
		r.c.Log.Warn("reconcile", "date", run.Date, "error", err.Error())
	}
	if err := r.save(ctx, &run); err != nil {
		return Summary{}, err
	}
	r.logRun(s)
	return s, nil
}

// MaxRange is how many days Between lists at most.
const MaxRange = 62

// DayRun is a day's run as a listing shows it.
type DayRun struct {
	Date         string `json:"date"`
	Status       Status `json:"status"`
	Transactions Counts `json:"transactions"`
	Anomalies    int    `json:"anomalies"`
}

// Between lists the runs of the days from from to to, both included
// (dates YYYY-MM-DD up to today, at most MaxRange days), oldest first: the
// days never run are left out. A bad range fails with ErrDate.
func (r *Reconciler) Between(ctx context.Context, from, to string) ([]DayRun, error) {
	first, err := Day(from, r.c.Zone, r.c.Now())
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	last, err := Day(to, r.c.Zone, r.c.Now())
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	var dates []string
	for d := first; !d.After(last); d = nextDay(d) {
		if len(dates) == MaxRange {
			return nil, fmt.Errorf("%w: from %s to %s is more than %d days", ErrDate, from, to, MaxRange)
		}
		dates = append(dates, d.Format("2006-01-02"))
	}
	if len(dates) == 0 {
		return nil, fmt.Errorf("%w: from %s is after to %s", ErrDate, from, to)
	}
	runs, err := r.c.Runs.RunsOf(ctx, dates)
	if err != nil {
		return nil, err
	}
	out := make([]DayRun, 0, len(runs))
	for _, run := range runs {
		out = append(out, DayRun{Date: run.Date, Status: run.Status, Transactions: run.Counts, Anomalies: run.Anomalies})
	}
	return out, nil
}

// Last returns the date's last summary: the one written when it finished,
// or its progress while it runs. It fails with ErrNoRun for a date never
// run.
func (r *Reconciler) Last(ctx context.Context, date string) (Summary, error) {
	day, err := Day(date, r.c.Zone, r.c.Now())
	if err != nil {
		return Summary{}, err
	}
	run, err := r.c.Runs.Run(ctx, date)
	if err != nil {
		return Summary{}, err
	}
	if run.Status != Completed {
		return run.summary(), nil
	}
	return r.readSummary(ctx, day)
}

// summary is the summary of a run that has not completed.
func (run Run) summary() Summary {
	s := Summary{
		Date: run.Date, Status: run.Status, Reason: run.Reason,
		Inputs: run.Inputs, Replaces: run.Replaces, Transactions: run.Counts,
		Debts: []Debt{}, Anomalies: []Anomaly{},
		Presentations: Presentations{
			Debt: Totals{}, ByFunctionCode: map[string]int{}, InterchangeFees: Totals{}, Taxes: Totals{},
		},
	}
	if run.Status == Running {
		cp := run.Checkpoint
		s.Checkpoint = &cp
	}
	return s
}

func (r *Reconciler) logRun(s Summary) {
	t := s.Transactions
	r.c.Log.Info("reconcile", "date", s.Date, "status", string(s.Status), "reason", s.Reason,
		"rows", t.Rows, "matched", t.Matched, "amount_adjusted", t.AmountAdjusted, "adjusted", t.Adjusted,
		"held", t.Held, "client_only", t.ClientOnly, "malformed", t.Malformed,
		"presentations", s.Presentations.Rows, "flagged", s.Presentations.Flagged,
		"debts", len(s.Debts), "anomalies", len(s.Anomalies))
}
