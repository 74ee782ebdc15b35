package runtimetest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// call makes one request to the runtime's API, as a bootstrap would.
func call(t *testing.T, r *Runtime, method, path, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+r.Addr()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func newRuntime(t *testing.T) *Runtime {
	r, err := New("fn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// TestProtocol plays a bootstrap's side by hand: an event with its
// headers and deadline, its answer, answers out of turn refused and kept.
func TestProtocol(t *testing.T) {
	r := newRuntime(t)
	r.Timeout = 3 * time.Second
	done := make(chan Result, 1)
	go func() {
		res, err := r.Invoke(context.Background(), []byte(`{"a":1}`))
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	res, body := call(t, r, "GET", "/2018-06-01/runtime/invocation/next", "")
	id := res.Header.Get("Lambda-Runtime-Aws-Request-Id")
	deadline, _ := strconv.ParseInt(res.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if body != `{"a":1}` || len(id) != 36 || res.Header.Get("Lambda-Runtime-Invoked-Function-Arn") != r.ARN() ||
		!strings.HasPrefix(res.Header.Get("Lambda-Runtime-Trace-Id"), "Root=1-") {
		t.Fatalf("next = %s %v", body, res.Header)
	}
	if left := time.Until(time.UnixMilli(deadline)); left <= 0 || left > 3*time.Second {
		t.Errorf("deadline in %s, want within the 3s timeout", left)
	}
	if res, _ := call(t, r, "POST", "/2018-06-01/runtime/invocation/not-"+id+"/response", "x"); res.StatusCode != 400 {
		t.Errorf("an answer to another id: %d, want 400", res.StatusCode)
	}
	if res, _ := call(t, r, "POST", "/2018-06-01/runtime/invocation/"+id+"/response", `"ok"`); res.StatusCode != 202 {
		t.Errorf("the answer: %d, want 202", res.StatusCode)
	}
	if got := <-done; string(got.Payload) != `"ok"` || got.Error != nil || got.Took <= 0 {
		t.Errorf("Invoke = %+v", got)
	}
	if res, _ := call(t, r, "POST", "/2018-06-01/runtime/invocation/"+id+"/error", `{"errorMessage":"m","errorType":"T"}`); res.StatusCode != 400 {
		t.Errorf("a second answer: %d, want 400", res.StatusCode)
	}
	if res, _ := call(t, r, "POST", "/2018-06-01/runtime/init/error", `{"errorMessage":"m","errorType":"T"}`); res.StatusCode != 403 {
		t.Errorf("an init error after next: %d, want 403", res.StatusCode)
	}
	if v := r.Violations(); len(v) != 3 {
		t.Errorf("violations = %v, want the three calls out of turn", v)
	}
}

// TestFailureAndInitError: an invocation's error and an init error are
// read with their types.
func TestFailureAndInitError(t *testing.T) {
	r := newRuntime(t)
	done := make(chan Result, 1)
	go func() {
		res, _ := r.Invoke(context.Background(), []byte(`{}`))
		done <- res
	}()
	res, _ := call(t, r, "GET", "/2018-06-01/runtime/invocation/next", "")
	call(t, r, "POST", "/2018-06-01/runtime/invocation/"+res.Header.Get("Lambda-Runtime-Aws-Request-Id")+"/error",
		`{"errorMessage":"boom","errorType":"errorString"}`, "Lambda-Runtime-Function-Error-Type", "errorString")
	if got := <-done; got.Error == nil || got.Error.Message != "boom" || got.Error.Type != "errorString" || got.Error.Header != "errorString" {
		t.Errorf("Invoke = %+v", got)
	}

	fresh := newRuntime(t)
	if res, _ := call(t, fresh, "POST", "/2018-06-01/runtime/init/error", `{"errorMessage":"LEDGER_TABLE_NAME unset","errorType":"Runtime.InitError"}`,
		"Lambda-Runtime-Function-Error-Type", "Runtime.InitError"); res.StatusCode != 202 {
		t.Fatalf("init error: %d", res.StatusCode)
	}
	select {
	case e := <-fresh.initErr:
		if e.Message != "LEDGER_TABLE_NAME unset" || e.Header != "Runtime.InitError" {
			t.Errorf("init error = %+v", e)
		}
	default:
		t.Error("the init error was not kept")
	}
}

// TestInvokeAPIAndSecrets: the function's asynchronous invocation of itself
// comes back as its next event; GetSecretValue answers what was put, and
// refuses what was not as Secrets Manager does; both are recorded.
func TestInvokeAPIAndSecrets(t *testing.T) {
	r := newRuntime(t)
	if res, _ := call(t, r, "POST", "/2015-03-31/functions/fn/invocations", `{"date":"2026-12-01"}`, "X-Amz-Invocation-Type", "Event"); res.StatusCode != 202 {
		t.Fatalf("async invoke: %d", res.StatusCode)
	}
	if res, _ := call(t, r, "POST", "/2015-03-31/functions/fn/invocations", `{}`, "X-Amz-Invocation-Type", "RequestResponse"); res.StatusCode != 400 {
		t.Errorf("a synchronous invoke: %d, want 400", res.StatusCode)
	}
	res, body := call(t, r, "GET", "/2018-06-01/runtime/invocation/next", "")
	if body != `{"date":"2026-12-01"}` {
		t.Fatalf("next after the async invoke = %s", body)
	}
	call(t, r, "POST", "/2018-06-01/runtime/invocation/"+res.Header.Get("Lambda-Runtime-Aws-Request-Id")+"/response", `{"status":"COMPLETED"}`)
	if async := r.Asynchronous(); len(async) != 1 || string(async[0].Payload) != `{"status":"COMPLETED"}` {
		t.Errorf("asynchronous results = %+v", async)
	}

	r.PutSecret("arn:s", "v")
	if _, body := call(t, r, "POST", "/", `{"SecretId":"arn:s"}`, "X-Amz-Target", "secretsmanager.GetSecretValue"); !strings.Contains(body, `"SecretString":"v"`) {
		t.Errorf("GetSecretValue = %s", body)
	}
	if res, body := call(t, r, "POST", "/", `{"SecretId":"arn:none"}`, "X-Amz-Target", "secretsmanager.GetSecretValue"); res.StatusCode != 400 || !strings.Contains(body, "ResourceNotFoundException") {
		t.Errorf("an unknown secret: %d %s", res.StatusCode, body)
	}
	for _, c := range []Call{{"lambda:InvokeFunction", "function/fn"}, {"secretsmanager:GetSecretValue", "secret/arn:s"}} {
		if !slices.Contains(r.Calls(), c) {
			t.Errorf("%v not recorded in %v", c, r.Calls())
		}
	}
}

// TestRecorder: the actions and resources of DynamoDB and S3 requests, a
// transaction's per item, a connection's first request held.
func TestRecorder(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") }))
	defer upstream.Close()
	rec, err := NewRecorder(upstream.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rec.SetHandshake(50 * time.Millisecond)
	send := func(method, path, target, body string) time.Duration {
		req, _ := http.NewRequest(method, rec.URL()+path, strings.NewReader(body))
		if target != "" {
			req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
		}
		began := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return time.Since(began)
	}
	if took := send("POST", "/", "Query", `{"TableName":"t","IndexName":"i"}`); took < 50*time.Millisecond {
		t.Errorf("the first request took %s, want the 50ms handshake", took)
	}
	if took := send("POST", "/", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"t"}},{"Update":{"TableName":"u"}},{"ConditionCheck":{"TableName":"t"}}]}`); took >= 50*time.Millisecond {
		t.Errorf("a request on an open connection took %s", took)
	}
	send("POST", "/", "BatchGetItem", `{"RequestItems":{"t":{},"u":{}}}`)
	send("HEAD", "/bucket/a/b.csv", "", "")
	send("PUT", "/bucket/reports/x", "", "data")
	send("GET", "/bucket?list-type=2", "", "")
	want := []Call{
		{"dynamodb:Query", "table/t/index/i"}, {"dynamodb:PutItem", "table/t"}, {"dynamodb:UpdateItem", "table/u"},
		{"dynamodb:ConditionCheckItem", "table/t"}, {"dynamodb:BatchGetItem", "table/t"}, {"dynamodb:BatchGetItem", "table/u"},
		{"s3:GetObject", "object/bucket/a/b.csv"}, {"s3:PutObject", "object/bucket/reports/x"}, {"s3:ListBucket", "bucket/bucket"},
	}
	got := rec.Calls()
	for _, c := range want {
		if !slices.Contains(got, c) {
			t.Errorf("%v not recorded", c)
		}
	}
	if len(got) != len(want) {
		t.Errorf("recorded %v, want %v", got, want)
	}
}
