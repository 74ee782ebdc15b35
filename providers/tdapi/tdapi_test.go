package tdapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/td"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/tdapi"
	"github.com/tarjeta-dev/tarjeta/providers/tdsim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

const (
	partner, key            = "demo_partner", "partner-key"
	accessKey, accessSecret = "ak_1", "access-secret"
)

var today = employment.Date{Year: 2024, Month: 6, Day: 1}

// pushes is the stack's /webhooks/td, as far as this test needs it: it
// authenticates each push as the webhooks function does and keeps it.
type pushes struct {
	mu     sync.Mutex
	bodies [][]byte
	failed int
}

func (p *pushes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	scheme := td.Scheme{PartnerCode: partner, Keys: []td.Key{{AccessKey: accessKey, Secret: accessSecret}}}
	if _, err := scheme.Authenticate(inbound.Delivery{Called: r.URL.RequestURI(), Body: body}, time.Now()); err != nil {
		p.mu.Lock()
		p.failed++
		p.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	p.mu.Lock()
	p.bodies = append(p.bodies, body)
	p.mu.Unlock()
	w.Write([]byte(`{"code":200,"message":""}`))
}

func (p *pushes) wait(t *testing.T, n int) [][]byte {
	t.Helper()
	for range 200 {
		p.mu.Lock()
		got := append([][]byte(nil), p.bodies...)
		p.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d pushes arrived, want %d", len(p.bodies), n)
	return nil
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func setup(t *testing.T) (*tdapi.Client, *tdsim.Server, *pushes, *clock) {
	hook := &pushes{}
	stack := httptest.NewServer(hook)
	t.Cleanup(stack.Close)
	c := &clock{now: time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)}
	sim := &tdsim.Server{PartnerCode: partner, PartnerKey: key, Delay: 20 * time.Millisecond, Window: 24 * time.Hour, Now: c.Now,
		Push: &webhooksim.Sender{BaseURL: stack.URL, TDPartnerCode: partner, TDAccessKey: accessKey, TDAccessSecret: accessSecret, RetryDelay: time.Millisecond}}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { srv.Close(); sim.Close() })
	client := &tdapi.Client{RequestURL: srv.URL + tdsim.RequestPath, QueryURL: srv.URL + tdsim.QueryPath, PartnerCode: partner, PartnerKey: key,
		QueryWindow: 24 * time.Hour, Out: &outbound.Client{Timeout: time.Second}}
	return client, sim, hook, c
}

func person(s people.Scenario) people.Person {
	for _, p := range people.Known {
		if p.Scenario == s {
			return p
		}
	}
	panic(s)
}

// TestRichHistory: a request, its signed push, and the query that
// confirms it, in 002's format.
func TestRichHistory(t *testing.T) {
	client, _, hook, clk := setup(t)
	ctx := context.Background()
	p := person(people.Rich)
	known := employment.Person{CURP: p.CURP, NSS: p.NSS}
	seq, err := client.Start(ctx, "ver_x", verification.Input{CURP: p.CURP, NSS: p.NSS})
	if err != nil || seq == "" {
		t.Fatalf("Start = %q, %v", seq, err)
	}
	if res, err := client.Check(ctx, seq, known, employment.Source{}, today); err != nil || res.Report != nil || res.Problem != nil {
		t.Errorf("Check before the result = %+v, %v; want pending", res, err)
	}
	body := hook.wait(t, 1)[0]
	n, err := client.Notice("OK", body)
	if err != nil || n.Reference != seq || n.Claim == nil {
		t.Fatalf("Notice = %+v, %v", n, err)
	}
	clk.add(time.Second)
	res, err := client.Check(ctx, seq, known, employment.Source{}, today)
	if err != nil || res.Report == nil {
		t.Fatalf("Check = %+v, %v", res, err)
	}
	r := res.Report
	if len(r.Jobs) != 4 || !r.Jobs[0].Current() || len(r.Jobs[0].Movements) != 3 || r.Person.Name != p.Name ||
		r.Weeks.Contributed != 512 || r.Source.Provider != "td" || r.Source.Reference != seq {
		t.Errorf("report %+v", r)
	}
	claimed, err := n.Claim(known, employment.Source{}, today)
	if err != nil || !employment.SameData(claimed, *r) {
		t.Errorf("the push and the query differ: %+v, %v", claimed, err)
	}
	clk.add(25 * time.Hour)
	if res, err := client.Check(ctx, seq, known, employment.Source{}, today); err != nil || res.Report != nil {
		t.Errorf("Check past the window = %+v, %v; want pending (9080)", res, err)
	}
}

func TestScenarios(t *testing.T) {
	client, _, hook, clk := setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		scenario people.Scenario
		start    outcome.Code // a problem of Start
		check    outcome.Code // a problem of Check
	}{
		{people.CURPNotFound, "", outcome.CURPNotFound},
		{people.NSSNotFound, "", outcome.NSSNotFound},
		{people.DailyLimit, "", outcome.IMSSDailyLimit},
		{people.TDDown, outcome.ProviderDown, ""},
		{people.AllDown, outcome.ProviderDown, ""},
	} {
		p := person(tc.scenario)
		seq, err := client.Start(ctx, "ver_x", verification.Input{CURP: p.CURP})
		if tc.start != "" {
			var pr employment.Problem
			if !errors.As(err, &pr) || pr.Code != tc.start {
				t.Errorf("%s: Start = %q, %v; want %s", tc.scenario, seq, err, tc.start)
			}
			continue
		}
		clk.add(time.Second)
		hook.wait(t, 1)
		res, err := client.Check(ctx, seq, employment.Person{CURP: p.CURP}, employment.Source{}, today)
		if err != nil || res.Problem == nil || res.Problem.Code != tc.check || res.Problem.ProviderMessage == "" {
			t.Errorf("%s: Check = %+v, %v; want %s", tc.scenario, res, err, tc.check)
		}
	}
}

// TestNoWebhook: no push; the query says "Work in progress" (pending),
// then has the result.
func TestNoWebhook(t *testing.T) {
	client, sim, hook, clk := setup(t)
	ctx := context.Background()
	p := person(people.NoWebhook)
	seq, err := client.Start(ctx, "ver_x", verification.Input{CURP: p.CURP})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := client.Check(ctx, seq, employment.Person{CURP: p.CURP}, employment.Source{}, today); err != nil || res.Report != nil || res.Problem != nil {
		t.Errorf("in progress: %+v, %v; want pending", res, err)
	}
	clk.add(time.Second)
	if res, err := client.Check(ctx, seq, employment.Person{CURP: p.CURP}, employment.Source{}, today); err != nil || res.Report == nil {
		t.Errorf("ready: %+v, %v", res, err)
	}
	time.Sleep(50 * time.Millisecond)
	sim.Close()
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if len(hook.bodies) != 0 {
		t.Errorf("%d pushes for a scenario without", len(hook.bodies))
	}
}

// TestTamperedPush: the push claims what the query does not confirm.
func TestTamperedPush(t *testing.T) {
	client, _, hook, clk := setup(t)
	ctx := context.Background()
	p := person(people.TamperedPush)
	known := employment.Person{CURP: p.CURP}
	seq, _ := client.Start(ctx, "ver_x", verification.Input{CURP: p.CURP})
	n, err := client.Notice("OK", hook.wait(t, 1)[0])
	if err != nil || n.Reference != seq {
		t.Fatal(n, err)
	}
	clk.add(time.Second)
	res, _ := client.Check(ctx, seq, known, employment.Source{}, today)
	claimed, _ := n.Claim(known, employment.Source{}, today)
	if res.Report == nil || employment.SameData(claimed, *res.Report) {
		t.Errorf("the tampered push agrees with the query: %+v", res)
	}
}

func TestWrongPartnerKey(t *testing.T) {
	client, _, _, _ := setup(t)
	client.PartnerKey = "wrong"
	_, err := client.Start(context.Background(), "ver_x", verification.Input{CURP: person(people.Rich).CURP})
	var pr employment.Problem
	if !errors.As(err, &pr) || pr.Code != outcome.ProviderRejected || pr.About != outcome.Provider {
		t.Errorf("Start = %v; want PROVIDER_REQUEST_REJECTED", err)
	}
}

// TestFindCannot: TD's request carries nothing of ours to find it by.
func TestFindCannot(t *testing.T) {
	client, _, _, _ := setup(t)
	if _, err := client.Find(context.Background(), "ver_x", verification.Input{CURP: person(people.Rich).CURP}, time.Now()); !errors.Is(err, verification.ErrCannotFind) {
		t.Errorf("Find = %v; want ErrCannotFind", err)
	}
}

// TestErase: TD documents no deletion: the receipt says so, and TD is not
// called.
func TestErase(t *testing.T) {
	c := &tdapi.Client{}
	got := c.Erase(context.Background(), erasure.Made{Verification: "ver_a", Reference: "1700000012"})
	if len(got) != 1 || got[0].Provider != "td" || got[0].Reference != "1700000012" || got[0].Status != erasure.NotSupported || got[0].Error == "" {
		t.Errorf("Erase = %+v", got)
	}
}
