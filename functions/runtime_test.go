package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/s3bucket/s3test"
	"github.com/tarjeta-dev/tarjeta/serve/runtimetest"
)

var (
	ddb   *dynamotest.Server
	s3srv *s3test.Server
	// bootstraps are the functions' binaries, built for linux on this
	// machine's architecture exactly as make build builds them for arm64.
	bootstraps string
)

// TestMain builds every bootstrap and starts DynamoDB Local and versitygw,
// which the bootstraps reach through the AWS SDK's standard endpoint
// variables. A part that cannot start fails the run: there is no silent
// skip.
func TestMain(m *testing.M) {
	code, err := setUp(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func setUp(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "bootstraps-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	for _, fn := range []string{"authorize", "webhooks", "verify", "reconcile"} {
		out := filepath.Join(dir, fn, "bootstrap")
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "./"+fn)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
		if b, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("build %s: %v\n%s", fn, err, b)
		}
	}
	bootstraps = dir
	if ddb, err = dynamotest.Start(); err != nil {
		return 0, err
	}
	defer ddb.Stop()
	if s3srv, err = s3test.Start(); err != nil {
		return 0, err
	}
	defer s3srv.Stop()
	return m.Run(), nil
}

// handshake is what opening a connection to an AWS API costs the
// bootstraps started: nothing on loopback; the cold-start benchmark sets
// what TLS costs in Lambda.
var handshake time.Duration

// bootstrap is a function's process under the Runtime API, with the
// settings it was started with and its DynamoDB and S3 calls recorded.
type bootstrap struct {
	*runtimetest.Runtime
	function string
	env      map[string]string
	ddb, s3  *runtimetest.Recorder
}

// calls are every AWS call the process made.
func (b *bootstrap) calls() []runtimetest.Call {
	return slices.Concat(b.Runtime.Calls(), b.ddb.Calls(), b.s3.Calls())
}

// start runs function's bootstrap under a fresh Runtime API with env.
func start(t testing.TB, function string, env ...string) *bootstrap {
	t.Helper()
	return startWith(t, function, nil, env...)
}

// startWith is start with the secrets Secrets Manager holds, by ARN. The
// process reaches DynamoDB Local and versitygw through recorders, by the
// AWS SDK's standard endpoint variables. (Lambda also sets
// AWS_SESSION_TOKEN, the role's; versitygw refuses a request carrying one.)
func startWith(t testing.TB, function string, secrets map[string]string, env ...string) *bootstrap {
	t.Helper()
	rt, err := runtimetest.New("tarjeta-" + function)
	if err != nil {
		t.Fatal(err)
	}
	b := &bootstrap{Runtime: rt, function: function, env: make(map[string]string)}
	if b.ddb, err = runtimetest.NewRecorder(ddb.Endpoint); err != nil {
		t.Fatal(err)
	}
	if b.s3, err = runtimetest.NewRecorder(s3srv.Endpoint); err != nil {
		t.Fatal(err)
	}
	for id, v := range secrets {
		rt.PutSecret(id, v)
	}
	rt.SetHandshake(handshake)
	b.ddb.SetHandshake(handshake)
	b.s3.SetHandshake(handshake)
	t.Cleanup(func() {
		rt.Close()
		b.ddb.Close()
		b.s3.Close()
		if v := rt.Violations(); len(v) > 0 {
			t.Errorf("%s called the Runtime API out of turn: %v", function, v)
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", function, rt.Log())
		}
	})
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		b.env[k] = v
	}
	env = append([]string{
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_ENDPOINT_URL_DYNAMODB=" + b.ddb.URL(), "AWS_ENDPOINT_URL_S3=" + b.s3.URL(),
		"AWS_ENDPOINT_URL_LAMBDA=" + rt.Endpoint(), "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + rt.Endpoint(),
	}, env...)
	if err := rt.Start(filepath.Join(bootstraps, function, "bootstrap"), env...); err != nil {
		t.Fatal(err)
	}
	return b
}

// invoke hands event to rt and returns its answer; an error the function
// reports fails the test.
func invoke(t *testing.T, rt *bootstrap, event []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := rt.Invoke(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != nil {
		t.Fatalf("the invocation failed: %v", res.Error)
	}
	return res.Payload
}

// answer is an HTTP API response with its body's JSON, if any.
type answer struct {
	events.APIGatewayV2HTTPResponse
	JSON map[string]any
}

// call replays the HTTP sample event and returns the function's answer.
func call(t *testing.T, rt *bootstrap, event []byte) answer {
	t.Helper()
	var a answer
	if err := json.Unmarshal(invoke(t, rt, event), &a.APIGatewayV2HTTPResponse); err != nil {
		t.Fatalf("not an HTTP API response: %v", err)
	}
	if strings.HasPrefix(a.Body, "{") {
		if err := json.Unmarshal([]byte(a.Body), &a.JSON); err != nil {
			t.Fatalf("the body %q is not JSON: %v", a.Body, err)
		}
	}
	return a
}

// errorCode is the code of an error answer.
func (a answer) errorCode() any {
	e, _ := a.JSON["error"].(map[string]any)
	return e["code"]
}

// expectInitError checks that a bootstrap started with env reports an init
// error naming each of names, and exits.
func expectInitError(t *testing.T, function string, env []string, names ...string) {
	t.Helper()
	rt := start(t, function, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := rt.InitError(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !strings.Contains(e.Message, n) {
			t.Errorf("init error %q does not name %s", e.Message, n)
		}
	}
	if e.Type != "Runtime.InitError" || e.Header != "Runtime.InitError" {
		t.Errorf("init error type %q (header %q), want Runtime.InitError", e.Type, e.Header)
	}
}

// expectMetrics checks that the function's log carries each metric line
// (a fragment of its EMF line, e.g. `"Authorizations":1`) besides its
// name's dimension.
func expectMetrics(t *testing.T, rt *bootstrap, fragments ...string) {
	t.Helper()
	log := rt.Log()
	if !strings.Contains(log, `"FunctionName":"`+rt.FunctionName+`"`) {
		t.Errorf("no metric names the function %s", rt.FunctionName)
	}
	for _, f := range fragments {
		if !strings.Contains(log, f) {
			t.Errorf("the log has no %s", f)
		}
	}
}

// decode reads a function's JSON answer into v.
func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("answer %s: %v", b, err)
	}
}
