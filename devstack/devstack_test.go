package devstack_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/devstack"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

func start(t *testing.T, dir string) (*devstack.Stack, string) {
	t.Helper()
	return startLogging(t, dir, io.Discard)
}

func startLogging(t *testing.T, dir string, log io.Writer) (*devstack.Stack, string) {
	t.Helper()
	c := settings(t, map[string]string{"DATA_DIR": dir, "DEBUGGER_DIR": t.TempDir()})
	var out bytes.Buffer
	random := io.MultiReader(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), rand.Reader)
	s, err := devstack.Start(context.Background(), c, &out, slog.New(slog.NewJSONHandler(log, nil)), random)
	if err != nil {
		t.Fatal(err)
	}
	return s, out.String()
}

// TestEveryRequestLogged: whatever the local stack is asked, one request log
// line says how it ended: the debugger's files, unknown routes and wrong
// methods included.
func TestEveryRequestLogged(t *testing.T) {
	logs := &apitest.LogBuffer{}
	s, _ := startLogging(t, t.TempDir(), logs)
	defer s.Close(context.Background())
	for _, tc := range []struct {
		method, path string
		status       int
		route        string
	}{
		{"GET", "/ledger/accounts/u-1", 200, "GET /ledger/accounts/{user_id}"},
		{"GET", "/nowhere", 404, ""},
		{"GET", "/transactions/authorizations", 405, ""},
		{"GET", "/debugger/", 404, "/debugger/"}, // not built in this test
	} {
		before := len(logs.Lines(t))
		req, _ := http.NewRequest(tc.method, "http://"+s.Addr+tc.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// The line is written before the answer leaves the server.
		lines := logs.Lines(t)[before:]
		if len(lines) != 1 {
			t.Errorf("%s %s: %d log lines, want 1", tc.method, tc.path, len(lines))
			continue
		}
		l := lines[0]
		if res.StatusCode != tc.status || l["msg"] != "request" || l["route"] != tc.route || l["status"] != float64(tc.status) {
			t.Errorf("%s %s: status %d, log %v, want %d on route %q", tc.method, tc.path, res.StatusCode, l, tc.status, tc.route)
		}
	}
}

// TestPastedExample does what a new user does: start the stack, paste the
// printed snippet into a shell, and get signed answers.
func TestPastedExample(t *testing.T) {
	dir := t.TempDir()
	s, banner := start(t, dir)
	m := regexp.MustCompile(`POMELO_API_CREDENTIALS=(\S+):(\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("banner does not show the credentials:\n%s", banner)
	}
	secret, _ := base64.StdEncoding.DecodeString(m[2])
	snippet := banner[strings.Index(banner, "sign() {"):]

	out, err := exec.Command("sh", "-c", snippet).CombinedOutput()
	if err != nil {
		t.Fatalf("snippet failed: %v\n%s", err, out)
	}
	answers := strings.Split(string(out), "HTTP/1.1 ")[1:]
	if len(answers) != 2 {
		t.Fatalf("want two HTTP answers, got:\n%s", out)
	}
	for i, path := range []string{"/transactions/adjustments/credit", "/transactions/authorizations"} {
		status, header, body := parseAnswer(answers[i])
		if status != "200" {
			t.Errorf("%s: status %s\n%s", path, status, answers[i])
		}
		if header["X-Endpoint"] != path {
			t.Errorf("%s: x-endpoint %q", path, header["X-Endpoint"])
		}
		if want := signature.Sign(secret, header["X-Timestamp"], path, []byte(body)); header["X-Signature"] != want {
			t.Errorf("%s: answer signature %q, want %q over %q", path, header["X-Signature"], want, body)
		}
	}
	if !strings.Contains(answers[1], `"status":"APPROVED"`) || !strings.Contains(answers[1], `"available":"749.50"`) {
		t.Errorf("purchase or balance missing:\n%s", answers[1])
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A restart keeps the ledger and the credentials, and says where they are.
	s, banner = start(t, dir)
	defer s.Close(context.Background())
	if strings.Contains(banner, m[2]) || !strings.Contains(banner, filepath.Join(dir, devstack.CredentialsFile)) {
		t.Errorf("second start banner:\n%s", banner)
	}
	b := get(t, "http://"+s.Addr+"/ledger/accounts/u-demo")
	if !strings.Contains(string(b), `"available":"749.50"`) {
		t.Errorf("after restart: %s", b)
	}
	if st, _ := os.Stat(filepath.Join(dir, devstack.CredentialsFile)); st.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", st.Mode().Perm())
	}
}

// parseAnswer splits one `curl -i` answer (after "HTTP/1.1 ") into status,
// headers and body; the body is the line after the blank line.
func parseAnswer(s string) (string, map[string]string, string) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	head, rest, _ := strings.Cut(s, "\n\n")
	lines := strings.Split(head, "\n")
	status, _, _ := strings.Cut(lines[0], " ")
	h := make(map[string]string)
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ": ")
		h[http.CanonicalHeaderKey(k)] = v
	}
	body, _, _ := strings.Cut(rest, "\n")
	return status, h, body
}

// settings is the local stack's configuration from env, defaults filled in
// as `make run` reads them.
func settings(t *testing.T, env map[string]string) devstack.Config {
	t.Helper()
	if _, ok := env["PORT"]; !ok {
		env["PORT"] = "0"
	}
	c, err := devstack.Load(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRefusesAWSOnlySettings(t *testing.T) {
	c := settings(t, map[string]string{"DATA_DIR": t.TempDir(), "POMELO_CREDENTIALS_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x"})
	if _, err := devstack.Start(context.Background(), c, io.Discard, slog.Default(), rand.Reader); err == nil {
		t.Error("Start accepted POMELO_CREDENTIALS_SECRET_ARN")
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	var c devstack.Config
	err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &c, Lookuper: envconfig.MapLookuper(map[string]string{
		"PORT": "9090", "DATA_DIR": "/var/tarjeta", "POMELO_SIGNATURE_TOLERANCE": "90s", "POMELO_API_CREDENTIALS": "k:c2VjcmV0",
	})})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9090 || c.DataDir != "/var/tarjeta" || c.Authorize.Tolerance != 90*time.Second ||
		c.Authorize.Credentials != "k:c2VjcmV0" || c.Authorize.Deadline != 1500*time.Millisecond {
		t.Errorf("config = %+v", c)
	}
}

// TestDynamoDBEndpoint runs the local stack over DynamoDB Local instead of the
// embedded store, as DYNAMODB_ENDPOINT asks, table created on start.
func TestDynamoDBEndpoint(t *testing.T) {
	ddb, err := dynamotest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer ddb.Stop()
	c := settings(t, map[string]string{
		"DATA_DIR": t.TempDir(), "DYNAMODB_ENDPOINT": ddb.Endpoint, "POMELO_API_CREDENTIALS": apiKey + ":" + apiSecret,
		"TABLE_NAME": "local-ledger", "WEBHOOKS_TABLE_NAME": "local-webhooks",
	})
	s, err := devstack.Start(context.Background(), c, io.Discard, slog.New(slog.NewJSONHandler(io.Discard, nil)), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	secret, _ := base64.StdEncoding.DecodeString(apiSecret)
	sim := &pomelosim.Client{BaseURL: "http://" + s.Addr, APIKey: apiKey, Secret: secret, HTTP: http.DefaultClient, Now: time.Now}
	r, err := sim.Send(context.Background(), "/transactions/authorizations",
		pomelosim.Transaction{Type: "REFUND", ID: "ctx-1", UserID: "u-1", Total: "12.34"}.JSON(), "key-1")
	if err != nil || r.Status != 200 || r.Signed != nil || !strings.Contains(string(r.Body), `"APPROVED"`) {
		t.Fatalf("refund over DynamoDB Local: %v %d %s (signature %v)", err, r.Status, r.Body, r.Signed)
	}
	b := get(t, "http://"+s.Addr+"/ledger/accounts/u-1")
	if !strings.Contains(string(b), `"available":"12.34"`) {
		t.Errorf("statement: %s", b)
	}
}

const (
	apiKey    = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	apiSecret = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
)

// get returns the body of a GET of url.
func get(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWebhooksLocally is the webhooks' part of `make run`: with every
// webhook setting unset, `make simulate`'s sender reaches every route with
// the credentials the stack generated; the redeliveries are acknowledged
// alike; every event is PROCESSED within seconds, once: Pomelo's by the
// webhooks function, TD's, Belvo's and Palenca's by the verify function,
// which notes that they are about no verification of its own.
func TestWebhooksLocally(t *testing.T) {
	dir := t.TempDir()
	s, _ := start(t, dir)
	defer s.Close(context.Background())
	sender, err := devstack.Sender("http://"+s.Addr, dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range webhooksim.Kinds {
		xs, err := sender.Send(context.Background(), kind, webhooksim.Duplicate)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			if x.Status != 200 && x.Status != 204 {
				t.Errorf("%s: %d %s", kind, x.Status, x.Answer)
			}
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var page struct {
			Events []struct {
				Provider, Type, Status string
				Attempts               int
				Note                   *string
			}
		}
		if err := json.Unmarshal(get(t, "http://"+s.Addr+"/webhooks/events"), &page); err != nil {
			t.Fatal(err)
		}
		processed, done := 0, len(page.Events) == len(webhooksim.Kinds)
		for _, e := range page.Events {
			switch {
			case e.Status == "PROCESSED" && e.Attempts == 1 && (e.Provider == "pomelo" || e.Note != nil && strings.Contains(*e.Note, "no verification")):
				processed++
			case e.Status == "RECEIVED":
				done = false
			default:
				t.Fatalf("%s event is %s after %d attempts, note %v", e.Provider, e.Status, e.Attempts, e.Note)
			}
		}
		if done && processed == len(webhooksim.Kinds) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("events after 5 s: %+v", page.Events)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
