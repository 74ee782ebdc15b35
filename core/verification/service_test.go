package verification_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

const (
	curp  = "HEGG560427MVZRRL04"
	curp2 = "GUPN890412HNECRR06"
)

var t0 = time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type rig struct {
	svc                *verification.Service
	store              *memory
	clock              *clock
	td, palenca, belvo *provider
	logs               *bytes.Buffer
}

// pending starts every request and leaves it waiting.
func pending(name string) *provider {
	n := 0
	var mu sync.Mutex
	return &provider{name: name, window: 24 * time.Hour,
		start: func(verification.Input) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			n++
			return fmt.Sprintf("%s-ref-%d", name, n), nil
		},
		check: func(string) (verification.Result, error) { return verification.Result{}, nil },
	}
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{store: newMemory(), clock: &clock{now: t0}, td: pending("td"), palenca: pending("palenca"), belvo: pending("belvo"), logs: &bytes.Buffer{}}
	r.svc = &verification.Service{
		Store:     r.store,
		Providers: map[string]verification.Provider{"td": r.td, "palenca": r.palenca, "belvo": r.belvo},
		Order:     []string{"td", "palenca", "belvo"},
		PollAfter: 2 * time.Minute, Retention: 720 * time.Hour,
		Now: r.clock.Now, Random: rand.Reader,
		Log: slog.New(slog.NewJSONHandler(&lockedWriter{w: r.logs}, nil)),
	}
	return r
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (r *rig) start(t *testing.T, req verification.Request) verification.Verification {
	t.Helper()
	v, created, err := r.svc.Start(context.Background(), req)
	if err != nil || !created {
		t.Fatalf("Start(%+v) = %+v, %v, %v", req, v, created, err)
	}
	return v
}

func (r *rig) get(t *testing.T, id string) verification.Verification {
	t.Helper()
	v, err := r.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func report() *employment.Report {
	salary, _ := money.Parse("500", "MXN")
	return &employment.Report{Weeks: employment.Weeks{Contributed: 100},
		Jobs: []employment.Job{{Employer: "ACME", EmployerRegistration: "R1", Start: employment.Date{Year: 2020, Month: 1, Day: 1}, DailySalary: salary}}}
}

func problem(code outcome.Code) error { return employment.ProblemOf(code, "as the provider said it") }

func TestStartRefusesBadInput(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		req   verification.Request
		field string
		code  outcome.Code
		says  string
	}{
		{verification.Request{}, "curp", outcome.InvalidCURP, "required"},
		{verification.Request{CURP: "HEGG560427MVZRRL0"}, "curp", outcome.InvalidCURP, "length"},
		{verification.Request{CURP: "HEGG561327MVZRRL04"}, "curp", outcome.InvalidCURP, "date"},
		{verification.Request{CURP: "HEGG560427FVZRRL04"}, "curp", outcome.InvalidCURP, "sex"},
		{verification.Request{CURP: "HEGG560427MXXRRL04"}, "curp", outcome.InvalidCURP, "state"},
		{verification.Request{CURP: "HEGG560427MVZARL04"}, "curp", outcome.InvalidCURP, "format"},
		{verification.Request{CURP: "HEGG560427MVZRRL05"}, "curp", outcome.InvalidCURP, "check digit"},
		// Look-alikes of SIGG560427MVZRRL00, which strings.ToUpper would fold into it.
		{verification.Request{CURP: "S\u0131GG560427MVZRRL00"}, "curp", outcome.InvalidCURP, "format"},
		{verification.Request{CURP: "\u017fIGG560427MVZRRL00"}, "curp", outcome.InvalidCURP, "format"},
		{verification.Request{CURP: curp, NSS: "1234567890"}, "nss", outcome.InvalidNSS, "11 digits"},
		{verification.Request{CURP: curp, NSS: "12345678904"}, "nss", outcome.InvalidNSS, "check digit"},
		{verification.Request{CURP: curp, Provider: "equifax"}, "provider", outcome.InvalidProvider, "td, palenca, belvo"},
		{verification.Request{CURP: curp, ExternalID: strings.Repeat("x", 481)}, "external_id", outcome.InvalidExternalID, "longer"},
		{verification.Request{CURP: curp, ExternalID: "a\x00b"}, "external_id", outcome.InvalidExternalID, "printable"},
		{verification.Request{CURP: curp, ExternalID: " a"}, "external_id", outcome.InvalidExternalID, "printable"},
	} {
		_, _, err := r.svc.Start(context.Background(), tc.req)
		var fe *verification.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || fe.Code != tc.code || !strings.Contains(fe.Message, tc.says) {
			t.Errorf("Start(%+v) = %v; want %s on %s saying %q", tc.req, err, tc.code, tc.field, tc.says)
		}
	}
	if starts, _ := r.td.counts(); starts != 0 || len(r.store.byID) != 0 || len(r.store.windows) != 0 {
		t.Errorf("a refused request called TD %d times and kept %d verifications", starts, len(r.store.byID))
	}
}

func TestStart(t *testing.T) {
	r := newRig(t)
	v := r.start(t, verification.Request{CURP: " hegg560427mvzrrl04 ", NSS: "12345678903", ExternalID: "loan-1"})
	if v.Status != verification.Pending || v.Provider() != "td" || len(v.Attempts) != 1 || v.Attempts[0].Reference != "td-ref-1" ||
		v.Input.CURP != curp || !v.ExpiresAt.Equal(t0.Add(720*time.Hour)) || !verification.ValidID(v.ID) {
		t.Fatalf("started %+v", v)
	}
	byRef, err := r.store.ByReference(context.Background(), "td", "td-ref-1")
	if err != nil || byRef.ID != v.ID {
		t.Errorf("ByReference = %+v, %v", byRef, err)
	}
	if strings.Contains(r.logs.String(), curp) || strings.Contains(r.logs.String(), "12345678903") {
		t.Errorf("the log holds the CURP or the NSS:\n%s", r.logs)
	}
}

// TestRepeats: an external_id repeated with the same input answers its
// verification, with another input fails; 20 at once make one
// verification and call the provider once.
func TestRepeats(t *testing.T) {
	r := newRig(t)
	first := r.start(t, verification.Request{CURP: curp, ExternalID: "loan-1"})
	again, created, err := r.svc.Start(context.Background(), verification.Request{CURP: curp, ExternalID: "loan-1"})
	if err != nil || created || again.ID != first.ID {
		t.Errorf("a repeat = %+v, %v, %v; want the first, not created", again, created, err)
	}
	if _, _, err := r.svc.Start(context.Background(), verification.Request{CURP: curp, NSS: "12345678903", ExternalID: "loan-1"}); !errors.Is(err, verification.ErrExternalIDReused) {
		t.Errorf("another input: err = %v, want ErrExternalIDReused", err)
	}

	ids := make(chan string, 20)
	var made sync.WaitGroup
	createdN := 0
	var mu sync.Mutex
	for range 20 {
		made.Go(func() {
			v, created, err := r.svc.Start(context.Background(), verification.Request{CURP: curp2, ExternalID: "loan-2"})
			if err != nil {
				t.Errorf("a concurrent start: %v", err)
				return
			}
			mu.Lock()
			if created {
				createdN++
			}
			mu.Unlock()
			ids <- v.ID
		})
	}
	made.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if starts, _ := r.td.counts(); len(seen) != 1 || createdN != 1 || starts != 2 {
		t.Errorf("20 concurrent starts: %d ids, %d created, TD called %d times (once for loan-1); want 1, 1, 2", len(seen), createdN, starts)
	}
}

// TestDailyGuard: a fourth verification of a CURP within 24 hours is
// refused before anyone is called; repeats and refusals do not count.
func TestDailyGuard(t *testing.T) {
	r := newRig(t)
	for i := range 3 {
		r.start(t, verification.Request{CURP: curp, ExternalID: fmt.Sprint("e-", i)})
		r.clock.advance(time.Hour)
	}
	if _, _, err := r.svc.Start(context.Background(), verification.Request{CURP: curp, ExternalID: "e-0"}); err != nil {
		t.Errorf("a repeat at the limit: %v", err)
	}
	if _, _, err := r.svc.Start(context.Background(), verification.Request{CURP: curp}); !errors.Is(err, verification.ErrDailyLimit) {
		t.Fatalf("a fourth: err = %v, want ErrDailyLimit", err)
	}
	if starts, _ := r.td.counts(); starts != 3 || len(r.store.byID) != 3 {
		t.Errorf("TD called %d times, %d kept; want 3 and 3", starts, len(r.store.byID))
	}
	r.start(t, verification.Request{CURP: curp2}) // another CURP is not limited
	r.clock.advance(21*time.Hour + time.Second)   // the first is more than 24 hours old
	r.start(t, verification.Request{CURP: curp})
}

func TestFailover(t *testing.T) {
	r := newRig(t)
	r.td.start = func(verification.Input) (string, error) { return "", problem(outcome.ProviderBalance) }
	r.palenca.start = func(verification.Input) (string, error) { return "", errDown }
	v := r.start(t, verification.Request{CURP: curp})
	if v.Status != verification.Pending || v.Provider() != "belvo" || len(v.Attempts) != 3 ||
		v.Attempts[0].Error.Code != outcome.ProviderBalance || v.Attempts[1].Error.Code != outcome.ProviderDown || v.Attempts[2].Status != verification.Pending {
		t.Fatalf("failed over to %+v", v)
	}

	// Pinned: no failover.
	v = r.start(t, verification.Request{CURP: curp2, Provider: "td"})
	if v.Status != verification.Failed || v.Provider() != "td" || len(v.Attempts) != 1 || v.Error.Code != outcome.ProviderBalance {
		t.Errorf("pinned to TD: %+v", v)
	}

	// Every provider down: the last one's problem.
	r.belvo.start = func(verification.Input) (string, error) { return "", context.DeadlineExceeded }
	v = r.start(t, verification.Request{CURP: "PEXA010101XDFRRXA0"})
	if v.Status != verification.Failed || len(v.Attempts) != 3 || v.Error.Code != outcome.ProviderTimeout {
		t.Errorf("all down: %+v", v)
	}
}

// TestPersonProblemIsFinal: a problem about the person ends the
// verification with no other provider asked.
func TestPersonProblemIsFinal(t *testing.T) {
	r := newRig(t)
	r.td.start = func(verification.Input) (string, error) { return "", problem(outcome.CURPNotFound) }
	v := r.start(t, verification.Request{CURP: curp})
	if starts, _ := r.palenca.counts(); v.Status != verification.Failed || v.Error.Code != outcome.CURPNotFound || v.Error.About != outcome.Person || starts != 0 {
		t.Errorf("%+v, Palenca called %d times", v, starts)
	}
}

func event(provider, body string) webhook.Event {
	return webhook.Event{ID: "evt_x", Provider: provider, Type: "T", Body: []byte(body), Status: webhook.Received}
}

// TestNotification: a notification makes the service ask the provider and
// complete; the same notification again changes nothing; one about no
// verification of ours is noted.
func TestNotification(t *testing.T) {
	r := newRig(t)
	ready := false
	r.td.check = func(string) (verification.Result, error) {
		if !ready {
			return verification.Result{}, nil
		}
		return verification.Result{Report: report()}, nil
	}
	v := r.start(t, verification.Request{CURP: curp})
	ready = true
	r.clock.advance(10 * time.Second)
	note, err := r.svc.Take(context.Background(), event("td", "td-ref-1"))
	if err != nil || note != "" {
		t.Fatalf("Take = %q, %v", note, err)
	}
	got := r.get(t, v.ID)
	if got.Status != verification.Completed || got.Attempts[0].Status != verification.Completed || !got.Attempts[0].Notified || !got.NextCheck.IsZero() {
		t.Fatalf("after the notification: %+v", got)
	}
	var rep struct {
		Person struct{ CURP string }
		Source struct {
			Provider  string
			Confirmed bool
		}
	}
	if err := json.Unmarshal(got.Report, &rep); err != nil || rep.Person.CURP != curp || rep.Source.Provider != "td" || !rep.Source.Confirmed {
		t.Errorf("report %s: %v", got.Report, err)
	}

	saves := r.store.saves
	note, err = r.svc.Take(context.Background(), event("td", "td-ref-1"))
	if err != nil || !strings.Contains(note, "no longer waits") || r.store.saves != saves || r.get(t, v.ID).Version != got.Version {
		t.Errorf("the same notification again: %q, %v; saves %d → %d", note, err, saves, r.store.saves)
	}
	note, err = r.svc.Take(context.Background(), event("td", "someone-elses"))
	if err != nil || !strings.Contains(note, "no verification") {
		t.Errorf("an unknown reference: %q, %v", note, err)
	}
	if _, err := r.svc.Take(context.Background(), event("equifax", "x")); err == nil {
		t.Error("an event of an unconfigured provider was taken")
	}
}

// TestClaimContradicted: what a notification's body claims is never the
// report; the provider's API is, and the difference is logged.
func TestClaimContradicted(t *testing.T) {
	r := newRig(t)
	r.td.check = func(string) (verification.Result, error) { return verification.Result{Report: report()}, nil }
	r.td.notice = func(_ string, body []byte) (verification.Notice, error) {
		return verification.Notice{Reference: string(body), Claim: func(known employment.Person, source employment.Source, today employment.Date) (employment.Report, error) {
			rich := report()
			rich.Jobs[0].DailySalary.Minor *= 10
			return employment.Build(known, rich.Weeks, rich.Jobs, source, today)
		}}, nil
	}
	v := r.start(t, verification.Request{CURP: curp})
	if _, err := r.svc.Take(context.Background(), event("td", "td-ref-1")); err != nil {
		t.Fatal(err)
	}
	got := r.get(t, v.ID)
	if got.Status != verification.Completed || !strings.Contains(string(got.Report), `"daily_salary":"500.00"`) {
		t.Errorf("report %s", got.Report)
	}
	if !strings.Contains(r.logs.String(), "contradicted") {
		t.Errorf("no log line says the claim was contradicted:\n%s", r.logs)
	}
}

// TestNotifiedProblem: a failure the notification reports (Palenca's
// login.error) fails the attempt, and over when it is the provider's.
func TestNotifiedProblem(t *testing.T) {
	r := newRig(t)
	r.td.notice = func(_ string, body []byte) (verification.Notice, error) {
		p := employment.ProblemOf(outcome.ProviderDown, "platform_unavailable")
		return verification.Notice{Reference: string(body), Problem: &p}, nil
	}
	v := r.start(t, verification.Request{CURP: curp})
	if _, err := r.svc.Take(context.Background(), event("td", "td-ref-1")); err != nil {
		t.Fatal(err)
	}
	if got := r.get(t, v.ID); got.Provider() != "palenca" || got.Status != verification.Pending || got.Attempts[0].Error.ProviderMessage != "platform_unavailable" {
		t.Errorf("%+v", got)
	}
}

// TestFollowUp: an attempt without a notification is polled after
// PollAfter; one that cannot be checked is tried again; one past its
// provider's window expires.
func TestFollowUp(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	var answer verification.Result
	var fail error
	r.td.check = func(string) (verification.Result, error) { return answer, fail }
	v := r.start(t, verification.Request{CURP: curp})

	r.clock.advance(time.Minute)
	if n, err := r.svc.FollowUp(ctx); n != 0 || err != nil {
		t.Errorf("before VERIFY_POLL_AFTER: looked at %d, %v", n, err)
	}
	r.clock.advance(time.Minute)
	fail = errDown
	if n, err := r.svc.FollowUp(ctx); n != 1 || err != nil {
		t.Fatalf("after VERIFY_POLL_AFTER: looked at %d, %v", n, err)
	}
	if got := r.get(t, v.ID); got.Status != verification.Pending || !got.NextCheck.Equal(r.clock.Now().Add(30*time.Second)) {
		t.Errorf("a check that failed: %+v", got)
	}
	fail = nil
	answer = verification.Result{Report: report()}
	r.clock.advance(30 * time.Second)
	r.svc.FollowUp(ctx)
	if got := r.get(t, v.ID); got.Status != verification.Completed {
		t.Errorf("polled: %+v", got)
	}

	answer = verification.Result{}
	w := r.start(t, verification.Request{CURP: curp2})
	r.clock.advance(24*time.Hour + time.Second)
	r.svc.FollowUp(ctx)
	got := r.get(t, w.ID)
	if got.Status != verification.Expired || got.Error.Code != outcome.VerificationExpiry || got.Attempts[0].Status != verification.Expired {
		t.Errorf("past the window: %+v", got)
	}
	if _, checks := r.td.counts(); checks != 3 {
		t.Errorf("TD checked %d times, want 3", checks)
	}
}

// TestFollowUpStartsWhatItsCreatorLeft: a verification kept but never
// started (its creator stopped) is started by the follow-up.
func TestFollowUpStartsWhatItsCreatorLeft(t *testing.T) {
	r := newRig(t)
	v := verification.Verification{ID: "ver_aaaaaaaaaaaaaaaaaaaaaaaaaa", Input: verification.Input{CURP: curp}, Status: verification.Pending,
		CreatedAt: t0, NextCheck: t0.Add(time.Minute), Version: 1}
	if err := r.store.Create(context.Background(), v, verification.Window{Key: "k"}); err != nil {
		t.Fatal(err)
	}
	r.clock.advance(time.Minute)
	r.svc.FollowUp(context.Background())
	if got := r.get(t, v.ID); got.Provider() != "td" || len(got.Attempts) != 1 || got.Status != verification.Pending {
		t.Errorf("%+v", got)
	}
}

// TestISSSTE: a verification of ISSSTE's records goes to the providers that
// read them: TD reads IMSS's only.
func TestISSSTE(t *testing.T) {
	r := newRig(t)
	v := r.start(t, verification.Request{CURP: curp, Institution: "issste"})
	if v.Provider() != "palenca" || len(v.Attempts) != 1 || v.Input.Institution != verification.ISSSTE {
		t.Errorf("%+v", v)
	}
	for _, req := range []verification.Request{{CURP: curp, Institution: "issste", Provider: "td"}, {CURP: curp, Institution: "sat"}} {
		var fe *verification.FieldError
		if _, _, err := r.svc.Start(context.Background(), req); !errors.As(err, &fe) {
			t.Errorf("%+v: %v", req, err)
		}
	}
	// The same external_id for the other institution is another input.
	r.start(t, verification.Request{CURP: curp2, ExternalID: "e"})
	if _, _, err := r.svc.Start(context.Background(), verification.Request{CURP: curp2, ExternalID: "e", Institution: "issste"}); !errors.Is(err, verification.ErrExternalIDReused) {
		t.Errorf("another institution: %v", err)
	}
	if _, created, err := r.svc.Start(context.Background(), verification.Request{CURP: curp2, ExternalID: "e", Institution: "imss"}); created || err != nil {
		t.Errorf("imss said, the default: %v, %v", created, err)
	}
}

// TestStartClaimedOnce: a notification and the follow-up that act on one
// verification at once, both finding its provider failed, start the next
// provider once: the start is claimed by the write that wins, and the
// loser, reading it again, calls no one.
func TestStartClaimedOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	var both sync.WaitGroup
	both.Add(2)
	r.td.check = func(string) (verification.Result, error) {
		both.Done()
		both.Wait() // both writers read the verification before either saves
		p := employment.ProblemOf(outcome.ProviderDown, "Service unavailable")
		return verification.Result{Problem: &p}, nil
	}
	v := r.start(t, verification.Request{CURP: curp})
	r.clock.advance(2 * time.Minute) // due for the follow-up too
	var work sync.WaitGroup
	work.Go(func() {
		if _, err := r.svc.Take(ctx, event("td", "td-ref-1")); err != nil {
			t.Errorf("Take: %v", err)
		}
	})
	work.Go(func() {
		if _, err := r.svc.FollowUp(ctx); err != nil {
			t.Errorf("FollowUp: %v", err)
		}
	})
	work.Wait()
	got := r.get(t, v.ID)
	if starts, _ := r.palenca.counts(); starts != 1 || len(got.Attempts) != 2 || got.Provider() != "palenca" || got.Attempts[1].Reference != "palenca-ref-1" {
		t.Fatalf("Palenca started %d times; %+v", starts, got)
	}
	if n := strings.Count(r.logs.String(), `"msg":"verification started","provider":"palenca"`); n != 1 {
		t.Errorf("%d log lines say Palenca started; want 1:\n%s", n, r.logs)
	}
}

// TestUnconfirmedStart: a start whose answer was never recorded (the store
// failed after the provider took it; a crash does the same) is not started
// again, neither by a repeat of its external_id nor by the follow-up, which
// asks the provider for it after startGrace and records what it finds, or
// fails it over when the provider holds none or cannot say.
func TestUnconfirmedStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		find func(made map[string]string) func(string) (string, error)
		// want is the provider in use after the follow-up, and the status
		// of the first attempt.
		want     string
		firstIs  verification.Status
		findings int
	}{
		{"found", nil, "td", verification.Pending, 1},
		{"not held", func(map[string]string) func(string) (string, error) {
			return func(string) (string, error) { return "", verification.ErrNotFound }
		}, "palenca", verification.Failed, 1},
		{"cannot be asked (TD)", func(map[string]string) func(string) (string, error) {
			return func(string) (string, error) { return "", verification.ErrCannotFind }
		}, "palenca", verification.Failed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			ctx := context.Background()
			if tc.find != nil {
				r.td.find = tc.find(nil)
			}
			r.store.down = true
			if _, _, err := r.svc.Start(ctx, verification.Request{CURP: curp, ExternalID: "loan-1"}); !errors.Is(err, errStoreDown) {
				t.Fatalf("Start with the store down after the call: %v", err)
			}
			r.store.down = false
			again, created, err := r.svc.Start(ctx, verification.Request{CURP: curp, ExternalID: "loan-1"})
			if err != nil || created || len(again.Attempts) != 1 || !again.Attempts[0].Unconfirmed() {
				t.Fatalf("the client sends it again: %+v, %v, %v", again, created, err)
			}
			r.clock.advance(30 * time.Second)
			if n, _ := r.svc.FollowUp(ctx); n != 0 {
				t.Errorf("the follow-up looked at a start in its grace")
			}
			r.clock.advance(31 * time.Second)
			if _, err := r.svc.FollowUp(ctx); err != nil {
				t.Fatal(err)
			}
			got := r.get(t, again.ID)
			starts, _ := r.td.counts()
			if starts != 1 || r.td.finds != tc.findings || got.Provider() != tc.want || got.Attempts[0].Status != tc.firstIs || got.Status != verification.Pending {
				t.Fatalf("TD started %d times, asked %d times; %+v", starts, r.td.finds, got)
			}
			if tc.want == "td" {
				if got.Attempts[0].Reference != "td-ref-1" || !got.NextCheck.Equal(r.clock.Now()) {
					t.Errorf("found: %+v", got)
				}
				if byRef, err := r.store.ByReference(ctx, "td", "td-ref-1"); err != nil || byRef.ID != got.ID {
					t.Errorf("the found reference is not claimed: %v", err)
				}
			} else if got.Attempts[0].Error.Code != outcome.ProviderError || got.Attempts[1].Reference != "palenca-ref-1" {
				t.Errorf("failed over: %+v", got)
			}
		})
	}
}

// TestUnconfirmedStartUnreachable: a provider that cannot be asked about an
// unconfirmed start is asked again later, and the attempt failed over once
// its window has passed.
func TestUnconfirmedStartUnreachable(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.td.window = time.Hour
	r.td.find = func(string) (string, error) { return "", errDown }
	r.store.down = true
	v, _, _ := r.svc.Start(ctx, verification.Request{CURP: curp, ExternalID: "loan-1"})
	r.store.down = false
	r.clock.advance(2 * time.Minute)
	r.svc.FollowUp(ctx)
	got := r.get(t, v.ID)
	if got.Provider() != "td" || !got.Attempts[0].Unconfirmed() || !got.NextCheck.Equal(r.clock.Now().Add(30*time.Second)) {
		t.Fatalf("TD unreachable: %+v", got)
	}
	r.clock.advance(time.Hour)
	r.svc.FollowUp(ctx)
	if got := r.get(t, v.ID); got.Provider() != "palenca" || r.td.starts != 1 {
		t.Errorf("past TD's window: %+v", got)
	}
}

// unsigned is a notification nothing authenticated, as the webhooks
// function keeps Palenca's when PALENCA_UNSIGNED_HINTS accepts them.
func unsigned(provider, body string) webhook.Event {
	e := event(provider, body)
	e.Auth, e.Hint = provider+"-unsigned", true
	return e
}

// TestUnauthenticatedProblem: a failure a body reports decides nothing
// unless the body is authenticated: an unsigned login.error (about the
// person, or a made-up reason that would fail over) only makes the service
// ask the provider's API, whose answer decides; while the API has none,
// the attempt waits.
func TestUnauthenticatedProblem(t *testing.T) {
	for _, code := range []outcome.Code{outcome.NoNSS, outcome.ProviderError} {
		t.Run(string(code), func(t *testing.T) {
			r := newRig(t)
			ctx := context.Background()
			var answer verification.Result
			r.palenca.check = func(string) (verification.Result, error) { return answer, nil }
			r.palenca.notice = func(_ string, body []byte) (verification.Notice, error) {
				p := employment.ProblemOf(code, "made up")
				return verification.Notice{Reference: string(body), Problem: &p}, nil
			}
			v := r.start(t, verification.Request{CURP: curp, Provider: "palenca"})
			w := r.start(t, verification.Request{CURP: curp2})
			if _, err := r.svc.Take(ctx, unsigned("palenca", "palenca-ref-1")); err != nil {
				t.Fatal(err)
			}
			got := r.get(t, v.ID)
			if _, checks := r.palenca.counts(); got.Status != verification.Pending || len(got.Attempts) != 1 || !got.Attempts[0].Notified || checks != 1 {
				t.Fatalf("an unsigned login.error the API does not confirm: %+v, %d checks", got, checks)
			}
			// A TD push is a hint too (its sign covers the query, not the
			// body): a problem it claimed would not be believed either.
			r.td.notice = r.palenca.notice
			e := event("td", "td-ref-1")
			e.Hint = true
			r.svc.Take(ctx, e)
			if got := r.get(t, w.ID); got.Status != verification.Pending || got.Provider() != "td" {
				t.Errorf("a problem in a hint's body decided %+v", got)
			}

			p := employment.ProblemOf(outcome.NoNSS, "not_registered")
			answer = verification.Result{Problem: &p}
			r.clock.advance(2 * time.Second)
			r.svc.FollowUp(ctx)
			if got := r.get(t, v.ID); got.Status != verification.Failed || got.Error.Code != outcome.NoNSS {
				t.Errorf("once the API says it: %+v", got)
			}
		})
	}
}

// TestHintsCoalesced: however many unauthenticated hints arrive for one
// attempt, at once or one after another, the provider is asked once; the
// follow-up asks on its own ticks after.
func TestHintsCoalesced(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	v := r.start(t, verification.Request{CURP: curp, Provider: "palenca"})
	var wg sync.WaitGroup
	notes := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			note, err := r.svc.Take(ctx, unsigned("palenca", "palenca-ref-1"))
			if err != nil {
				t.Error(err)
			}
			notes <- note
		})
	}
	wg.Wait()
	close(notes)
	coalesced := 0
	for n := range notes {
		if strings.Contains(n, "coalesced") {
			coalesced++
		}
	}
	if _, checks := r.palenca.counts(); checks != 1 || coalesced != 19 {
		t.Fatalf("20 hints: Palenca asked %d times, %d coalesced; want 1 and 19", checks, coalesced)
	}
	r.svc.Take(ctx, unsigned("palenca", "palenca-ref-1"))
	if _, checks := r.palenca.counts(); checks != 1 {
		t.Errorf("a hint after the first was answered: Palenca asked %d times", checks)
	}
	// The follow-up looks again at each tick while notifiedWait lasts,
	// then every PollAfter.
	r.clock.advance(2 * time.Second)
	r.svc.FollowUp(ctx)
	if got := r.get(t, v.ID); !got.NextCheck.Equal(r.clock.Now().Add(time.Second)) {
		t.Errorf("within notifiedWait: next check %s", got.NextCheck)
	}
	r.clock.advance(16 * time.Minute)
	r.svc.FollowUp(ctx)
	if got := r.get(t, v.ID); !got.NextCheck.Equal(r.clock.Now().Add(2 * time.Minute)) {
		t.Errorf("after notifiedWait: next check %s, want PollAfter on", got.NextCheck)
	}
}

// TestFollowUpLanes: a provider that hangs holds up none of another
// provider's verifications, and once its checks have failed to reach it
// circuitTrips times its remaining verifications are left for the next
// run, untouched.
func TestFollowUpLanes(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	release := make(chan struct{})
	r.td.check = func(string) (verification.Result, error) {
		<-release
		return verification.Result{}, context.DeadlineExceeded
	}
	r.palenca.check = func(string) (verification.Result, error) { return verification.Result{Report: report()}, nil }
	var tds []verification.Verification
	for i := range 8 {
		tds = append(tds, r.start(t, verification.Request{CURP: curp2, ExternalID: fmt.Sprint("td-", i)}))
		r.store.windows = map[string]verification.Window{} // past the daily guard: not what this tests
	}
	p := r.start(t, verification.Request{CURP: curp, Provider: "palenca"})
	r.clock.advance(2 * time.Minute)

	type result struct {
		n   int
		err error
	}
	done := make(chan result)
	go func() {
		n, err := r.svc.FollowUp(ctx)
		done <- result{n, err}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for r.get(t, p.ID).Status != verification.Completed {
		if time.Now().After(deadline) {
			t.Fatal("Palenca's verification waited for TD's")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	res := <-done
	// Four checks hang at once; as they fail, a freed slot may take one
	// more before the third failure opens the circuit (and one taken just
	// as it opens asks no one).
	_, checks := r.td.counts()
	untouched := 0
	for _, v := range tds {
		if got := r.get(t, v.ID); got.Version == v.Version {
			untouched++
		}
	}
	touched := 8 - untouched
	if res.err != nil || res.n != touched+1 || checks < 3 || checks > touched || touched > 6 {
		t.Fatalf("FollowUp looked at %d (%v), TD checked %d times, %d of its verifications touched; want one round, then the circuit open", res.n, res.err, checks, touched)
	}
	if !strings.Contains(r.logs.String(), fmt.Sprintf(`"msg":"follow-up skipped a provider that is not answering","provider":"td","skipped":%d`, untouched)) {
		t.Errorf("no log line says %d were skipped:\n%s", untouched, r.logs)
	}
}
