package palencaapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
	"github.com/tarjeta-dev/tarjeta/providers/palencaapi"
	"github.com/tarjeta-dev/tarjeta/providers/palencasim"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

const secret = "palenca-webhook-secret"

var today = employment.Date{Year: 2024, Month: 6, Day: 1}

// hooks is the stack's /webhooks/palenca: it checks each webhook's
// signature as the webhooks function does and keeps it.
type hooks struct {
	mu     sync.Mutex
	bodies map[string][]byte // by account
}

func (h *hooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := (palenca.Scheme{Secrets: []string{secret}}).Authenticate(inbound.Delivery{Header: r.Header, Body: body}, time.Now()); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	n, _ := palenca.Decode(body)
	h.mu.Lock()
	h.bodies[n.AccountID] = body
	h.mu.Unlock()
	w.Write([]byte(`{"received":true}`))
}

func (h *hooks) wait(t *testing.T, account string) []byte {
	t.Helper()
	for range 200 {
		h.mu.Lock()
		b := h.bodies[account]
		h.mu.Unlock()
		if b != nil {
			return b
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no webhook for %s", account)
	return nil
}

func setup(t *testing.T) (*palencaapi.Client, *hooks) {
	c, h, _ := setupSim(t)
	return c, h
}

func setupSim(t *testing.T) (*palencaapi.Client, *hooks, *palencasim.Server) {
	h := &hooks{bodies: map[string][]byte{}}
	stack := httptest.NewServer(h)
	t.Cleanup(stack.Close)
	sim := &palencasim.Server{APIKey: "pk", Delay: 20 * time.Millisecond, Now: time.Now,
		Push: &webhooksim.Sender{BaseURL: stack.URL, PalencaSecret: secret, RetryDelay: time.Millisecond}}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { srv.Close(); sim.Close() })
	return &palencaapi.Client{BaseURL: srv.URL, APIKey: "pk", WidgetID: "2b0956a2-58e7-4e97-804d-2852d40f05d7", Out: &outbound.Client{Timeout: time.Second}}, h, sim
}

func person(s people.Scenario) people.Person {
	for _, p := range people.Known {
		if p.Scenario == s {
			return p
		}
	}
	panic(s)
}

func TestRichHistory(t *testing.T) {
	client, h := setup(t)
	ctx := context.Background()
	p := person(people.Rich)
	known := employment.Person{CURP: p.CURP, NSS: p.NSS}
	account, err := client.Start(ctx, "ver_x", verification.Input{CURP: p.CURP})
	if err != nil || account == "" {
		t.Fatalf("Start = %q, %v", account, err)
	}
	if res, err := client.Check(ctx, account, known, employment.Source{}, today); err != nil || res.Report != nil || res.Problem != nil {
		t.Errorf("Check during the login = %+v, %v; want pending", res, err)
	}
	n, err := client.Notice("login.success", h.wait(t, account))
	if err != nil || n.Reference != account || n.Problem != nil {
		t.Fatalf("Notice = %+v, %v", n, err)
	}
	res, err := client.Check(ctx, account, known, employment.Source{}, today)
	if err != nil || res.Report == nil {
		t.Fatalf("Check = %+v, %v", res, err)
	}
	r := res.Report
	if len(r.Jobs) != 4 || !r.Jobs[0].Current() || r.Jobs[0].State != "GUANAJUATO" || len(r.Jobs[0].Movements) != 3 || r.Weeks.Contributed != p.Contributed || r.Person.CURP != p.CURP {
		t.Errorf("report %+v", r)
	}
}

// TestLoginErrors: a failed login's webhook carries its status_details,
// read into the taxonomy; the employment endpoint refuses alike.
func TestLoginErrors(t *testing.T) {
	client, h := setup(t)
	ctx := context.Background()
	for s, want := range map[people.Scenario]outcome.Code{
		people.CURPNotFound: outcome.CURPNotFound,
		people.NSSNotFound:  outcome.NoNSS,
		people.DailyLimit:   outcome.IMSSDailyLimit,
	} {
		p := person(s)
		account, err := client.Start(ctx, "ver_x", verification.Input{CURP: p.CURP})
		if err != nil {
			t.Fatal(err)
		}
		n, err := client.Notice("login.error", h.wait(t, account))
		if err != nil || n.Problem == nil || n.Problem.Code != want {
			t.Errorf("%s: Notice = %+v, %v; want %s", s, n, err, want)
		}
		res, err := client.Check(ctx, account, employment.Person{CURP: p.CURP}, employment.Source{}, today)
		if err != nil || res.Problem == nil || res.Problem.Code != want {
			t.Errorf("%s: Check = %+v, %v; want %s", s, res, err, want)
		}
	}
}

func TestRefusals(t *testing.T) {
	client, _ := setup(t)
	_, err := client.Start(context.Background(), "ver_x", verification.Input{CURP: person(people.AllDown).CURP})
	var p employment.Problem
	if !errors.As(err, &p) || p.Code != outcome.ProviderDown {
		t.Errorf("down: %v", err)
	}
	client.APIKey = "wrong"
	if _, err := client.Start(context.Background(), "ver_x", verification.Input{CURP: person(people.Rich).CURP}); !errors.As(err, &p) || p.Code != outcome.ProviderAuth {
		t.Errorf("wrong key: %v", err)
	}
}

// TestFind: a start whose answer was lost is found by the verification's
// id, which Palenca keeps as the user's external_id, among the users
// created around the start; another id, or a start long before, finds
// nothing.
func TestFind(t *testing.T) {
	client, _ := setup(t)
	ctx := context.Background()
	p := person(people.Rich)
	var mine string
	for _, id := range []string{"ver_a", "ver_b", "ver_c"} {
		account, err := client.Start(ctx, id, verification.Input{CURP: p.CURP, Institution: verification.ISSSTE})
		if err != nil {
			t.Fatal(err)
		}
		if id == "ver_b" {
			mine = account
		}
	}
	if got, err := client.Find(ctx, "ver_b", verification.Input{CURP: p.CURP, Institution: verification.ISSSTE}, time.Now()); err != nil || got != mine {
		t.Errorf("Find = %q, %v; want %q", got, err, mine)
	}
	for _, tc := range []struct {
		id string
		at time.Time
	}{{"ver_z", time.Now()}, {"ver_b", time.Now().AddDate(0, 0, -5)}} {
		if got, err := client.Find(ctx, tc.id, verification.Input{CURP: p.CURP}, tc.at); !errors.Is(err, verification.ErrNotFound) {
			t.Errorf("Find(%s, %s) = %q, %v; want ErrNotFound", tc.id, tc.at, got, err)
		}
	}
	client.APIKey = "wrong"
	if _, err := client.Find(ctx, "ver_b", verification.Input{CURP: p.CURP}, time.Now()); err == nil || errors.Is(err, verification.ErrNotFound) {
		t.Errorf("with a wrong key: %v; want a failure to ask", err)
	}
}

// TestErase: a verification's account and its user are deleted at Palenca,
// no one else's; erasing again finds the account gone (deleted) and no
// user; a deletion Palenca refuses fails, and succeeds when asked again.
func TestErase(t *testing.T) {
	client, _, sim := setupSim(t)
	ctx := context.Background()
	p := person(people.Rich)
	accounts := map[string]string{}
	for _, id := range []string{"ver_a", "ver_b"} {
		account, err := client.Start(ctx, id, verification.Input{CURP: p.CURP})
		if err != nil {
			t.Fatal(err)
		}
		accounts[id] = account
	}
	status := func(ds []erasure.Deletion) string {
		var s []string
		for _, d := range ds {
			s = append(s, string(d.Status))
		}
		return strings.Join(s, " ")
	}
	b := erasure.Made{Verification: "ver_b", StartedAt: time.Now(), Reference: accounts["ver_b"]}
	if got := client.Erase(ctx, b); status(got) != "DELETED DELETED" || got[0].Reference != accounts["ver_b"] || got[1].Provider != "palenca" {
		t.Errorf("Erase = %+v, want the account and the user DELETED", got)
	}
	if _, err := client.Find(ctx, "ver_b", verification.Input{CURP: p.CURP}, time.Now()); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("after the erase, Palenca still has ver_b's user: %v", err)
	}
	if got := client.Erase(ctx, b); status(got) != "DELETED" {
		t.Errorf("again: %+v, want the account deleted already and no user", got)
	}
	if got, err := client.Find(ctx, "ver_a", verification.Input{CURP: p.CURP}, time.Now()); err != nil || got != accounts["ver_a"] {
		t.Errorf("another verification's account: %q, %v", got, err)
	}
	// Palenca down past the client's retries, then back.
	sim.FailDeletes.Store(100)
	a := erasure.Made{Verification: "ver_a", StartedAt: time.Now(), Reference: accounts["ver_a"]}
	if got := client.Erase(ctx, a); status(got) != "FAILED FAILED" || !strings.Contains(got[0].Error, "unavailable") {
		t.Errorf("with Palenca refusing: %+v", got)
	}
	sim.FailDeletes.Store(0)
	if got := client.Erase(ctx, a); status(got) != "DELETED DELETED" {
		t.Errorf("asked again: %+v", got)
	}
}
