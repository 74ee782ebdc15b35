package belvoapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/providers/belvoapi"
	"github.com/tarjeta-dev/tarjeta/providers/belvosim"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

const authorization = "Bearer belvo-webhook-secret"

var today = employment.Date{Year: 2024, Month: 6, Day: 1}

// hooks is the stack's /webhooks/belvo: it authenticates each webhook as
// the webhooks function does and keeps it.
type hooks struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (h *hooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := (belvo.Scheme{Authorizations: []string{authorization}}).Authenticate(inbound.Delivery{Header: r.Header, Body: body}, time.Now()); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	h.mu.Lock()
	h.bodies = append(h.bodies, body)
	h.mu.Unlock()
	w.Write([]byte(`{"received":true}`))
}

func (h *hooks) wait(t *testing.T) []byte {
	t.Helper()
	for range 200 {
		h.mu.Lock()
		var first []byte
		if len(h.bodies) > 0 {
			first = h.bodies[0]
		}
		h.mu.Unlock()
		if first != nil {
			return first
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no webhook arrived")
	return nil
}

func setup(t *testing.T) (*belvoapi.Client, *belvosim.Server, *hooks) {
	h := &hooks{}
	stack := httptest.NewServer(h)
	t.Cleanup(stack.Close)
	sim := &belvosim.Server{SecretID: "sid", SecretPassword: "spw", Delay: 20 * time.Millisecond, Now: time.Now,
		Push: &webhooksim.Sender{BaseURL: stack.URL, BelvoAuthorization: authorization, RetryDelay: time.Millisecond}}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { srv.Close(); sim.Close() })
	return &belvoapi.Client{BaseURL: srv.URL, SecretID: "sid", SecretPassword: "spw", Out: &outbound.Client{Timeout: time.Second}}, sim, h
}

func person(s people.Scenario) people.Person {
	for _, p := range people.Known {
		if p.Scenario == s {
			return p
		}
	}
	panic(s)
}

// TestRichHistory: a link, its historical_update, and its records over two
// pages, merged.
func TestRichHistory(t *testing.T) {
	client, _, h := setup(t)
	ctx := context.Background()
	p := person(people.Rich)
	known := employment.Person{CURP: p.CURP}
	link, err := client.Start(ctx, "ver_x", verification.Input{CURP: p.CURP})
	if err != nil || link == "" {
		t.Fatalf("Start = %q, %v", link, err)
	}
	if res, err := client.Check(ctx, link, known, employment.Source{}, today); err != nil || res.Report != nil || res.Problem != nil {
		t.Errorf("Check before the records = %+v, %v; want pending", res, err)
	}
	n, err := client.Notice("EMPLOYMENT_RECORDS", h.wait(t))
	if err != nil || n.Reference != link {
		t.Fatalf("Notice = %+v, %v", n, err)
	}
	res, err := client.Check(ctx, link, known, employment.Source{}, today)
	if err != nil || res.Report == nil {
		t.Fatalf("Check = %+v, %v", res, err)
	}
	r := res.Report
	if len(r.Jobs) != 4 || r.Person.NSS != p.NSS || r.Person.Name != p.Name || r.Weeks.Contributed != p.Contributed || r.Source.Reference != link {
		t.Errorf("report %+v", r)
	}
}

func TestRefusals(t *testing.T) {
	client, _, _ := setup(t)
	ctx := context.Background()
	for s, want := range map[people.Scenario]outcome.Code{
		people.CURPNotFound: outcome.CURPNotFound,
		people.NSSNotFound:  outcome.NSSNotFound,
		people.DailyLimit:   outcome.IMSSDailyLimit,
		people.AllDown:      outcome.ProviderDown,
	} {
		_, err := client.Start(ctx, "ver_x", verification.Input{CURP: person(s).CURP})
		var p employment.Problem
		if !errors.As(err, &p) || p.Code != want || p.ProviderMessage == "" {
			t.Errorf("%s: Start = %v; want %s with Belvo's message", s, err, want)
		}
	}
	client.SecretPassword = "wrong"
	_, err := client.Start(ctx, "ver_x", verification.Input{CURP: person(people.Rich).CURP})
	var p employment.Problem
	if !errors.As(err, &p) || p.Code != outcome.ProviderAuth {
		t.Errorf("wrong secret: %v", err)
	}
}

// TestNextOffHost: a next link to another host is not followed with our
// credentials.
func TestNextOffHost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"count":2,"next":"https://elsewhere.example/api/employment-records/?page=2","previous":null,"results":[{"employment_records":[]}]}`))
	}))
	defer srv.Close()
	client := &belvoapi.Client{BaseURL: srv.URL, Out: &outbound.Client{}}
	res, err := client.Check(context.Background(), "l", employment.Person{}, employment.Source{}, today)
	if err != nil || res.Problem == nil || res.Problem.Code != outcome.ProviderBadData {
		t.Errorf("Check = %+v, %v; want PROVIDER_BAD_DATA", res, err)
	}
}

// TestFind: a start whose answer was lost is found by the verification's
// id, which Belvo keeps as the link's external_id.
func TestFind(t *testing.T) {
	client, _, _ := setup(t)
	ctx := context.Background()
	p := person(people.Rich)
	var mine string
	for _, id := range []string{"ver_a", "ver_b"} {
		link, err := client.Start(ctx, id, verification.Input{CURP: p.CURP})
		if err != nil {
			t.Fatal(err)
		}
		if id == "ver_b" {
			mine = link
		}
	}
	if got, err := client.Find(ctx, "ver_b", verification.Input{CURP: p.CURP}, time.Now()); err != nil || got != mine {
		t.Errorf("Find = %q, %v; want %q", got, err, mine)
	}
	if got, err := client.Find(ctx, "ver_z", verification.Input{CURP: p.CURP}, time.Now()); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("Find(another id) = %q, %v; want ErrNotFound", got, err)
	}
	client.SecretPassword = "wrong"
	if _, err := client.Find(ctx, "ver_b", verification.Input{CURP: p.CURP}, time.Now()); err == nil || errors.Is(err, verification.ErrNotFound) {
		t.Errorf("with a wrong password: %v; want a failure to ask", err)
	}
}

// TestErase: a verification's link is deleted at Belvo, no other; erasing
// again finds it gone (deleted); a deletion Belvo refuses fails, and
// succeeds when asked again.
func TestErase(t *testing.T) {
	client, sim, _ := setup(t)
	ctx := context.Background()
	p := person(people.Rich)
	links := map[string]string{}
	for _, id := range []string{"ver_a", "ver_b"} {
		link, err := client.Start(ctx, id, verification.Input{CURP: p.CURP})
		if err != nil {
			t.Fatal(err)
		}
		links[id] = link
	}
	b := erasure.Made{Verification: "ver_b", StartedAt: time.Now(), Reference: links["ver_b"]}
	for _, round := range []string{"first", "again"} {
		if got := client.Erase(ctx, b); len(got) != 1 || got[0] != (erasure.Deletion{Provider: "belvo", Reference: links["ver_b"], Status: erasure.Deleted}) {
			t.Errorf("%s: Erase = %+v", round, got)
		}
	}
	if _, err := client.Find(ctx, "ver_b", verification.Input{}, time.Now()); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("after the erase, Belvo still lists ver_b's link: %v", err)
	}
	if got, err := client.Find(ctx, "ver_a", verification.Input{}, time.Now()); err != nil || got != links["ver_a"] {
		t.Errorf("another verification's link: %q, %v", got, err)
	}
	sim.FailDeletes.Store(100)
	a := erasure.Made{Verification: "ver_a", StartedAt: time.Now(), Reference: links["ver_a"]}
	if got := client.Erase(ctx, a); len(got) != 1 || got[0].Status != erasure.Failed || got[0].Error == "" {
		t.Errorf("with Belvo refusing: %+v", got)
	}
	sim.FailDeletes.Store(0)
	if got := client.Erase(ctx, a); len(got) != 1 || got[0].Status != erasure.Deleted {
		t.Errorf("asked again: %+v", got)
	}
}
