package functions_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/dynamo/verifytable"
	"github.com/tarjeta-dev/tarjeta/providers/tdsim"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// TestVerifyBootstrap: the verify bootstrap, over TD's simulator, starts
// the sample verification, finds it by its external id and by its id,
// follows up on its schedule, and settles the TD push its stream offers.
func TestVerifyBootstrap(t *testing.T) {
	sim := &tdsim.Server{PartnerCode: sampleTDPartnerCode, PartnerKey: "sample-partner-key", Window: 24 * time.Hour, Now: time.Now}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	verifications, hooks := ddb.Fresh(t, verifytable.Create), ddb.Fresh(t, eventtable.Create)
	const partnerKeyARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tarjeta/td-partner-key"
	const erasureKeyARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tarjeta/erasure-key"
	rt := startWith(t, "verify", map[string]string{partnerKeyARN: "sample-partner-key", erasureKeyARN: strings.Repeat("k", 64)},
		"ERASURE_KEY_ARN="+erasureKeyARN,
		"VERIFICATIONS_TABLE_NAME="+verifications, "WEBHOOKS_TABLE_NAME="+hooks,
		"VERIFY_PROVIDER_ORDER=td", "TD_API_URL="+srv.URL+tdsim.RequestPath, "TD_QUERY_URL="+srv.URL+tdsim.QueryPath,
		"TD_PARTNER_CODE="+sampleTDPartnerCode, "TD_PARTNER_KEY_ARN="+partnerKeyARN)

	started := call(t, rt, sample(t, "verify/start.json"))
	id, _ := started.JSON["id"].(string)
	if started.StatusCode != 202 || started.JSON["status"] != "PENDING" || started.JSON["provider"] != "td" || id == "" {
		t.Fatalf("start: %d %s", started.StatusCode, started.Body)
	}
	if again := call(t, rt, sample(t, "verify/start.json")); again.StatusCode != 200 || again.JSON["id"] != id {
		t.Errorf("the start again: %d %s, want 200 and %s", again.StatusCode, again.Body, id)
	}
	listed := call(t, rt, sample(t, "verify/by-external-id.json"))
	if vs, _ := listed.JSON["verifications"].([]any); listed.StatusCode != 200 || len(vs) != 1 || vs[0].(map[string]any)["id"] != id {
		t.Errorf("by external id: %d %s", listed.StatusCode, listed.Body)
	}
	if d := call(t, rt, withPath(t, "verify/detail.json", id)); d.StatusCode != 200 || d.JSON["id"] != id {
		t.Errorf("detail: %d %s", d.StatusCode, d.Body)
	}
	if d := call(t, rt, sample(t, "verify/detail.json")); d.StatusCode != 404 || d.errorCode() != "VERIFICATION_NOT_FOUND" {
		t.Errorf("the sample's own id: %d %s, want 404", d.StatusCode, d.Body)
	}
	// The person's own request: their verification, whole; the call logged
	// with the caller API Gateway authorized and the CURP's hash only.
	if p := call(t, rt, sample(t, "verify/person.json")); p.StatusCode != 200 || p.JSON["curp"] != "ROMA880315MDFDRR07" ||
		len(p.JSON["verifications"].([]any)) != 1 {
		t.Errorf("person: %d %s", p.StatusCode, p.Body)
	}
	// The function's log reaches the runtime after its answer.
	logged := func(log string) bool {
		return strings.Contains(log, `"caller":"arn:aws:sts::123456789012:assumed-role/tarjeta-operator/operator"`) && strings.Contains(log, `"curp_hash":"`)
	}
	log := rt.Log()
	for deadline := time.Now().Add(5 * time.Second); !logged(log) && time.Now().Before(deadline); log = rt.Log() {
		time.Sleep(20 * time.Millisecond)
	}
	if !logged(log) || strings.Contains(log, "ROMA880315MDFDRR07") {
		t.Errorf("the person's request is not logged as it must be:\n%s", log)
	}
	if got := invoke(t, rt, sample(t, "verify/schedule.json")); string(got) != "null" {
		t.Errorf("the follow-up answered %s", got)
	}
	// The person's erase: their verification gone from the table, TD's
	// request NOT_SUPPORTED, the receipt read again by its id.
	erased := call(t, rt, sample(t, "verify/erase.json"))
	erasure, _ := erased.JSON["erasure_id"].(string)
	if n, _ := erased.JSON["erased"].(map[string]any); erased.StatusCode != 200 || n["verifications"] != 1.0 ||
		!strings.Contains(string(erased.Body), `"provider":"td"`) || !strings.Contains(string(erased.Body), `"status":"NOT_SUPPORTED"`) {
		t.Errorf("erase: %d %s", erased.StatusCode, erased.Body)
	}
	if r := call(t, rt, withPath(t, "verify/erasure.json", erasure)); r.StatusCode != 200 || r.JSON["erasure_id"] != erasure {
		t.Errorf("the erasure: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, rt, sample(t, "verify/erasure.json")); r.StatusCode != 404 || r.errorCode() != "ERASURE_NOT_FOUND" {
		t.Errorf("the sample's own erasure id: %d %s, want 404", r.StatusCode, r.Body)
	}
	if d := call(t, rt, withPath(t, "verify/detail.json", id)); d.StatusCode != 404 {
		t.Errorf("the erased verification: %d %s, want 404", d.StatusCode, d.Body)
	}

	// The stream offers a TD push the webhooks function kept: the sample's
	// sequence id belongs to no verification of ours, so the event is
	// settled as such and the batch has no failure.
	batch := sample(t, "verify/stream.json")
	seed(t, hooks, batch)
	var res struct{ BatchItemFailures []any }
	decode(t, invoke(t, rt, batch), &res)
	if len(res.BatchItemFailures) != 0 {
		t.Errorf("stream batch: failures %v", res.BatchItemFailures)
	}
	var ev events.DynamoDBEvent
	decode(t, batch, &ev)
	keys, _ := serve.Item(ev.Records[0].Change.Keys)
	item, err := ddb.Client().GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &hooks, Key: keys})
	if err != nil {
		t.Fatal(err)
	}
	if status := item.Item["status"].(*types.AttributeValueMemberS).Value; status != "PROCESSED" {
		t.Errorf("the TD event after its stream record is %s, want PROCESSED", status)
	}
	expectMetrics(t, rt, `"WebhookOldestReceivedAge":0`, `"Provider":"td","Status":"PROCESSED","WebhookEvents":1`)
	expectGranted(t, rt)
	expectInitError(t, "verify", []string{"WEBHOOKS_TABLE_NAME=" + hooks}, "VERIFICATIONS_TABLE_NAME")
	expectInitError(t, "verify", []string{"WEBHOOKS_TABLE_NAME=" + hooks, "VERIFICATIONS_TABLE_NAME=" + verifications, "TD_PARTNER_KEY=k"},
		"TD_API_URL", "TD_QUERY_URL", "TD_PARTNER_CODE")
}

// TestVerifyBootstrapNoProvider: with no provider's credential the verify
// function starts, and refuses a start with 503 NO_PROVIDER_CONFIGURED.
func TestVerifyBootstrapNoProvider(t *testing.T) {
	rt := start(t, "verify", "VERIFICATIONS_TABLE_NAME="+ddb.Fresh(t, verifytable.Create), "WEBHOOKS_TABLE_NAME="+ddb.Fresh(t, eventtable.Create))
	if a := call(t, rt, sample(t, "verify/start.json")); a.StatusCode != 503 || a.errorCode() != "NO_PROVIDER_CONFIGURED" {
		t.Errorf("start without providers: %d %s", a.StatusCode, a.Body)
	}
}

// seed puts the new image of every record of a stream batch in table, as
// the write that made the record left it.
func seed(t *testing.T, table string, batch []byte) {
	t.Helper()
	var ev events.DynamoDBEvent
	decode(t, batch, &ev)
	for _, r := range ev.Records {
		item, err := serve.Item(r.Change.NewImage)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ddb.Client().PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
			t.Fatal(err)
		}
	}
}
