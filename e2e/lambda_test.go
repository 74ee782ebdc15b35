package e2e_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// TestLambdaEvent runs a recorded API Gateway (HTTP API, payload 2.0) event
// through the function's handler as Lambda would: base64 body, Pomelo's
// headers, signed at 1700000000. The user has no funds.
func TestLambdaEvent(t *testing.T) {
	b, err := os.ReadFile("testdata/purchase-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Unix(1_700_000_002, 0) }
	store := ledgertable.New(server.Client(), server.Table(t))
	fn := serve.Function{HTTP: apitest.Handler(t, apitest.Settings(0), store, &apitest.LogBuffer{}, now)}

	for range 2 { // the second time as Pomelo's retry: the same answer
		var res events.APIGatewayV2HTTPResponse
		apitest.Invoke(t, fn, ev, &res)
		want := `{"status":"REJECTED","message":"insufficient funds","status_detail":"INSUFFICIENT_FUNDS"}`
		if res.StatusCode != 200 || res.Body != want || res.IsBase64Encoded {
			t.Fatalf("response = %d %s, want 200 %s", res.StatusCode, res.Body, want)
		}
		secret, _ := base64.StdEncoding.DecodeString(apitest.APISecret)
		h := res.Headers
		if h["X-Timestamp"] != "1700000002" || h["X-Endpoint"] != "/transactions/authorizations" ||
			h["X-Signature"] != signature.Sign(secret, "1700000002", "/transactions/authorizations", []byte(res.Body)) {
			t.Errorf("response headers %v are not a signature of the body", h)
		}
	}
}

// TestLambdaRepeatedHeader: API Gateway joins a repeated header with commas;
// the function refuses that as the local stack refuses the repeat itself
// (httpapi's TestRepeatedHeaders), and writes nothing.
func TestLambdaRepeatedHeader(t *testing.T) {
	b, err := os.ReadFile("testdata/purchase-event.json")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Unix(1_700_000_002, 0) }
	store := ledgertable.New(server.Client(), server.Table(t))
	logs := &apitest.LogBuffer{}
	fn := serve.Function{HTTP: apitest.Handler(t, apitest.Settings(0), store, logs, now)}
	for _, name := range []string{"x-signature", "x-timestamp", "x-endpoint", "x-api-key", "x-idempotency-key"} {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		v, ok := ev.Headers[name]
		if !ok {
			t.Fatalf("the recorded event has no %s", name)
		}
		ev.Headers[name] = v + "," + v
		var res events.APIGatewayV2HTTPResponse
		apitest.Invoke(t, fn, ev, &res)
		if res.StatusCode != 400 || !strings.Contains(res.Body, `"REPEATED_HEADER"`) {
			t.Errorf("%s repeated: %d %s, want 400 REPEATED_HEADER", name, res.StatusCode, res.Body)
		}
	}
	for _, line := range logs.Lines(t) {
		if line["msg"] == "request" && line["store_calls"] != float64(0) {
			t.Errorf("a refused event reached the store: %v", line)
		}
	}
}
