// Package browser_test drives the console in headless Chromium against the
// local stack, seeded through the simulators: make simulate's deliveries,
// the settlement generator, the verification simulators.
package browser_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"

	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/browsertest"
	"github.com/tarjeta-dev/tarjeta/console"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/devstack"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

var screenshots = flag.Bool("screenshots", false, "write the views' screenshots into docs/console/ (the README shows them)")

// settlementUsers are the users of the generated day: Rows/20.
const settlementUsers = 6

// bulkEvents are the events kept besides the simulators' deliveries: the
// Events view's first page is measured over them.
const bulkEvents = 10_000

func TestConsoleInChromium(t *testing.T) {
	dir := t.TempDir()
	secret := make([]byte, 32)
	rand.Read(secret)
	pomeloCredentials := "console-key:" + base64.StdEncoding.EncodeToString(secret)
	// Pomelo's API fails every shipment read until the browser retries the
	// shipment's event; one attempt a event, so nothing retries it before.
	api := &pomelosim.API{ClientID: "console", ClientSecret: "console-secret", Audience: "console"}
	api.Fail.Store(1 << 30)
	pomeloAPI := httptest.NewServer(api)
	defer pomeloAPI.Close()
	env := map[string]string{
		"PORT": "0", "DATA_DIR": dir, "DEBUGGER_DIR": t.TempDir(), "SIMULATOR_DELAY": "50ms",
		"POMELO_API_CREDENTIALS": pomeloCredentials, "POMELO_API_BASE_URL": pomeloAPI.URL,
		"POMELO_CLIENT_ID": api.ClientID, "POMELO_CLIENT_SECRET": api.ClientSecret, "POMELO_AUDIENCE": api.Audience,
		"WEBHOOK_MAX_ATTEMPTS": "1", "POMELO_API_RETRIES": "0",
	}
	ctx := context.Background()

	s := start(t, env)
	base := "http://" + s.Addr
	sender, err := devstack.Sender(base, dir, func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range webhooksim.Kinds {
		if _, err := sender.Send(ctx, kind, webhooksim.Valid); err != nil {
			t.Fatal(err)
		}
	}
	failed := waitEvent(t, base, "?provider=pomelo&status=FAILED")
	genuine := waitEvent(t, base, "?provider=pomelo&type=ACTIVITY_CREATED")
	rich := verify(t, base, "ROMA880315MDFDRR07", "console-rich")
	verify(t, base, "NOEX900101HNENNN04", "console-not-found")
	zone, _ := time.LoadLocation("America/Argentina/Buenos_Aires")
	day, _, want, err := devstack.SettlementDay{URL: base, DataDir: dir, Bucket: "settlement", Zone: zone, Rows: 120, Seed: 28, Credentials: pomeloCredentials}.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	date := day.Format("2006-01-02")
	// A debit Pomelo forces on each of the day's users, past their money:
	// the day's postings to their accounts leave debts.
	pomelo := &pomelosim.Client{BaseURL: base, APIKey: "console-key", Secret: secret, HTTP: http.DefaultClient, Now: time.Now}
	for u := range settlementUsers {
		id := fmt.Sprint("console-debit-", u)
		if r, err := pomelo.Send(ctx, "/transactions/adjustments/debit", pomelosim.Transaction{Type: "PURCHASE", ID: id, UserID: fmt.Sprint("user-", u), Total: "1000000.00"}.JSON(), id); err != nil || r.Status != 200 {
			t.Fatalf("the debit: %v %+v", err, r)
		}
	}
	var summary struct {
		Status string
		Debts  []struct {
			UserID string `json:"user_id"`
		}
	}
	post(t, base+"/reconciliations", `{"date":"`+date+`"}`, &summary)
	if summary.Status != "COMPLETED" || len(summary.Debts) == 0 {
		t.Fatalf("the settlement day: %+v", summary)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	forged, signatures := seedStore(t, dir, genuine)
	api.Fail.Store(0)

	s = start(t, env)
	defer s.Close(ctx)
	// The same page through make console's proxy, read-only, in front of
	// the local stack (which takes the signed calls as any other).
	stack, _ := url.Parse("http://" + s.Addr)
	readOnly := httptest.NewServer((&console.Proxy{API: stack, Region: "us-east-1", Log: slog.New(slog.DiscardHandler), Now: time.Now,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDCONSOLETEST", "console-test-secret", "")}).Handler())
	defer readOnly.Close()
	shots := t.TempDir()
	if *screenshots {
		shots, _ = filepath.Abs("../../docs/console")
	}
	config, _ := json.Marshal(map[string]any{
		"failed": failed, "genuine": genuine, "forged": forged, "verification": "console-rich", "verificationID": rich,
		"date": date, "rows": want.Counts.Rows, "readOnly": readOnly.URL + "/console/", "debtor": summary.Debts[0].UserID, "screenshots": shots,
		// What no answer and no view may show: the credentials, the
		// signatures, who a person is.
		"forbidden": append(signatures, base64.StdEncoding.EncodeToString(secret), "console-secret", "console-test-secret", "David HE", "MARIA RODRIGUEZ DORANTES", "ROMA880315MDFDRR07", "92139110743"),
		// What the events API and the Events view mask besides, as a
		// delivery's body carries it (a report shows its jobs).
		"masked_in_events": []string{"CAPITAL ARRECIFE", "334.26"},
	})
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out := browsertest.Run(runCtx, t, []string{"CONSOLE_TEST=" + string(config)}, "console.mjs", "http://"+s.Addr+"/console/")
	t.Logf("measured: %s", out)
}

func start(t *testing.T, env map[string]string) *devstack.Stack {
	t.Helper()
	c, err := devstack.Load(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	s, err := devstack.Start(context.Background(), c, io.Discard, slog.New(slog.DiscardHandler), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seedStore keeps, with the stack stopped, a forged copy of the genuine
// event (its body changed after it was signed) and bulkEvents events spread
// over the last day, and returns the forged one's id and the signatures the
// deliveries kept carry.
func seedStore(t *testing.T, dir, genuine string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	store, err := eventfile.Open(filepath.Join(dir, "store"), now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	e, err := store.Event(ctx, genuine)
	if err != nil {
		t.Fatal(err)
	}
	forged := e
	forged.DedupeKey += "-forged"
	forged.ID = webhook.IDOf(e.Route, forged.DedupeKey)
	forged.Body = []byte(strings.Replace(string(e.Body), `"total_amount":"1200.15"`, `"total_amount":"9200.15"`, 1))
	forged.ReceivedAt = now.Add(-time.Minute)
	if string(forged.Body) == string(e.Body) {
		t.Fatalf("nothing to forge in %s", e.Body)
	}
	if _, err := store.Receive(ctx, forged, nil); err != nil {
		t.Fatal(err)
	}
	signatures := keptSignatures(t, store)
	providers := []string{"pomelo", "td", "belvo", "palenca"}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < bulkEvents; i += 16 {
				p := providers[i%len(providers)]
				key := fmt.Sprintf("bulk-%05d", i)
				_, err := store.Receive(ctx, webhook.Event{
					ID: webhook.IDOf("bulk", key), Provider: p, Route: "bulk-" + p, Type: "BULK_TEST", DedupeKey: key,
					Status: webhook.Unhandled, ReceivedAt: now.Add(-time.Duration(i+60) * 8 * time.Second), ExpiresAt: now.Add(24 * time.Hour),
					Auth: "test", Headers: map[string]string{}, Body: []byte(`{"n":` + fmt.Sprint(i) + `}`),
				}, nil)
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	return forged.ID, signatures
}

// keptSignatures are the signatures in the kept headers of every event:
// Pomelo's and Palenca's signature headers, TD's sign.
func keptSignatures(t *testing.T, store *eventfile.Store) []string {
	t.Helper()
	ctx := context.Background()
	page, _, err := store.Events(ctx, webhook.Filter{}, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, listed := range page {
		e, err := store.Event(ctx, listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range e.Headers {
			switch name = strings.ToLower(name); {
			case strings.Contains(name, "signature"):
				out = append(out, strings.TrimPrefix(v, "hmac-sha256 "))
			case name == "query":
				q, _ := url.ParseQuery(v)
				if sign := q.Get("sign"); sign != "" {
					out = append(out, sign)
				}
			}
		}
	}
	if len(out) < 4 {
		t.Fatalf("%d signatures kept, want Pomelo's and TD's at least: %q", len(out), out)
	}
	return out
}

// waitEvent waits for an event of the query and returns its id.
func waitEvent(t *testing.T, base, query string) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var page struct {
			Events []struct{ ID string }
		}
		get(t, base+"/webhooks/events"+query, &page)
		if len(page.Events) > 0 {
			return page.Events[0].ID
		}
	}
	var all any
	get(t, base+"/webhooks/events", &all)
	t.Fatalf("no event %s in %v", query, all)
	return ""
}

// verify starts a verification and waits for its end; it returns its id.
func verify(t *testing.T, base, curp, external string) string {
	t.Helper()
	var v struct{ ID, Status string }
	post(t, base+"/verifications", `{"curp":"`+curp+`","external_id":"`+external+`"}`, &v)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		get(t, base+"/verifications/"+v.ID, &v)
		if v.Status != "PENDING" {
			return v.ID
		}
	}
	t.Fatalf("verification of %s still %s", curp, v.Status)
	return ""
}

func get(t *testing.T, url string, out any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, res, out)
}

func post(t *testing.T, url, body string, out any) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	decode(t, res, out)
}

func decode(t *testing.T, res *http.Response, out any) {
	t.Helper()
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", res.Request.Method, res.Request.URL, res.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v: %s", res.Request.URL, err, b)
	}
}
