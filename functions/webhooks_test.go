package functions_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/td"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
)

// TestWebhooksBootstrap: the webhooks bootstrap keeps every provider's
// sample delivery and acknowledges it as the provider expects, lists and
// shows them, and processes the Pomelo activity its stream offers.
func TestWebhooksBootstrap(t *testing.T) {
	// Every secret from Secrets Manager, as deployed.
	settings := webhookSettings(ddb.Fresh(t, eventtable.Create))
	held := make(map[string]string)
	for _, name := range []string{"TD_ACCESS_SECRET", "BELVO_WEBHOOK_AUTHORIZATION", "PALENCA_WEBHOOK_SECRET"} {
		arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:tarjeta/" + strings.ToLower(name)
		held[arn] = settings[name]
		delete(settings, name)
		settings[name+"_ARN"] = arn
	}
	held[pomeloSecretARN] = settings["POMELO_API_CREDENTIALS"]
	delete(settings, "POMELO_API_CREDENTIALS")
	settings["POMELO_CREDENTIALS_SECRET_ARN"] = pomeloSecretARN
	rt := startWith(t, "webhooks", held, envOf(settings)...)
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"webhooks/pomelo-shipping.json", 204, ""},
		{"webhooks/pomelo-activity.json", 204, ""},
		{"webhooks/pomelo-identity.json", 204, ""},
		{"webhooks/td.json", 200, `{"code":200,"message":""}`},
		{"webhooks/belvo.json", 200, `{"received":true}`},
		{"webhooks/palenca.json", 200, `{"received":true}`},
	} {
		if a := call(t, rt, sample(t, tc.name)); a.StatusCode != tc.status || a.Body != tc.body {
			t.Errorf("%s: %d %s, want %d %s", tc.name, a.StatusCode, a.Body, tc.status, tc.body)
		}
	}
	list := call(t, rt, sample(t, "webhooks/events-list.json"))
	if kept, _ := list.JSON["events"].([]any); list.StatusCode != 200 || len(kept) != 6 {
		t.Errorf("events list: %d %s, want the 6 kept", list.StatusCode, list.Body)
	}
	var batch struct{ BatchItemFailures []any }
	decode(t, invoke(t, rt, sample(t, "webhooks/stream.json")), &batch)
	if len(batch.BatchItemFailures) != 0 {
		t.Errorf("stream batch: failures %v", batch.BatchItemFailures)
	}
	detail := call(t, rt, sample(t, "webhooks/event-detail.json"))
	if detail.StatusCode != 200 || detail.JSON["status"] != "PROCESSED" || detail.JSON["type"] != "ACTIVITY_CREATED" {
		t.Errorf("the activity after its stream record: %d %s, want PROCESSED", detail.StatusCode, detail.Body)
	}
	// The activity is PROCESSED: only a FAILED event is retried.
	if retry := call(t, rt, sample(t, "webhooks/event-retry.json")); retry.StatusCode != 409 || retry.errorCode() != "EVENT_NOT_FAILED" {
		t.Errorf("retry of a processed event: %d %s", retry.StatusCode, retry.Body)
	}
	if check := call(t, rt, sample(t, "webhooks/event-check.json")); check.StatusCode != 200 || check.JSON["valid"] != true || check.JSON["scheme"] != "pomelo-hmac-sha256" {
		t.Errorf("check of the sample activity: %d %s", check.StatusCode, check.Body)
	}
	if hourly := call(t, rt, sample(t, "webhooks/events-hourly.json")); hourly.StatusCode != 200 || !strings.Contains(hourly.Body, `"provider":"pomelo","status":"PROCESSED","count":1`) {
		t.Errorf("the last 24 hours' counts: %d %s", hourly.StatusCode, hourly.Body)
	}
	expectMetrics(t, rt, `"Provider":"td","Status":"RECEIVED","WebhookEvents":1`, `"Provider":"pomelo","Status":"PROCESSED","WebhookEvents":1`)
	expectGranted(t, rt)
	expectInitError(t, "webhooks", nil, "WEBHOOKS_TABLE_NAME")
}

// TestWebhooksBootstrapSchedule: the schedule offers again an event the
// stream left RECEIVED (the stream sample's, kept long ago), and it is
// processed.
func TestWebhooksBootstrapSchedule(t *testing.T) {
	table := ddb.Fresh(t, eventtable.Create)
	seed(t, table, sample(t, "webhooks/stream.json"))
	rt := start(t, "webhooks", envOf(webhookSettings(table))...)
	if got := invoke(t, rt, sample(t, "webhooks/schedule.json")); string(got) != "null" {
		t.Errorf("the schedule answered %s", got)
	}
	detail := call(t, rt, sample(t, "webhooks/event-detail.json"))
	if detail.StatusCode != 200 || detail.JSON["status"] != "PROCESSED" {
		t.Errorf("the stream's leftover after the schedule: %d %s, want PROCESSED", detail.StatusCode, detail.Body)
	}
	expectMetrics(t, rt, `"Provider":"pomelo","Status":"PROCESSED","WebhookEvents":1`)
	expectGranted(t, rt)
}

// TestWebhooksBootstrapSources: with production's Pomelo addresses, the
// sample Pomelo deliveries (from sandbox's) are refused and nothing is
// kept; the other providers' routes take any address.
func TestWebhooksBootstrapSources(t *testing.T) {
	settings := webhookSettings(ddb.Fresh(t, eventtable.Create))
	settings["POMELO_SOURCE_IPS"] = strings.Join(allowlist.PomeloProduction, ",")
	rt := start(t, "webhooks", envOf(settings)...)
	for _, name := range []string{"webhooks/pomelo-shipping.json", "webhooks/pomelo-activity.json", "webhooks/pomelo-identity.json"} {
		if a := call(t, rt, sample(t, name)); a.StatusCode != 403 || a.errorCode() != "SOURCE_NOT_ALLOWED" {
			t.Errorf("%s from sandbox's address: %d %s", name, a.StatusCode, a.Body)
		}
	}
	if a := call(t, rt, sample(t, "webhooks/belvo.json")); a.StatusCode != 200 {
		t.Errorf("Belvo's delivery: %d %s", a.StatusCode, a.Body)
	}
	list := call(t, rt, sample(t, "webhooks/events-list.json"))
	if kept, _ := list.JSON["events"].([]any); list.StatusCode != 200 || len(kept) != 1 {
		t.Errorf("events list: %d %s, want Belvo's alone", list.StatusCode, list.Body)
	}
}

// TestWebhooksBootstrapPalencaUnsigned: deployed without Palenca's secret,
// Palenca's notifications are refused, unless PALENCA_UNSIGNED_HINTS takes
// them as hints.
func TestWebhooksBootstrapPalencaUnsigned(t *testing.T) {
	for _, hints := range []string{"false", "true"} {
		rt := start(t, "webhooks", "WEBHOOKS_TABLE_NAME="+ddb.Fresh(t, eventtable.Create), "PALENCA_UNSIGNED_HINTS="+hints)
		a := call(t, rt, sample(t, "webhooks/palenca.json"))
		switch {
		case hints == "false" && (a.StatusCode != 401 || !strings.Contains(a.Body, "CREDENTIAL_NOT_SET")):
			t.Errorf("no secret, no hints: %d %s, want 401 CREDENTIAL_NOT_SET", a.StatusCode, a.Body)
		case hints == "true" && a.StatusCode != 200:
			t.Errorf("no secret, hints: %d %s, want 200", a.StatusCode, a.Body)
		}
	}
}

// TestWebhooksBootstrapErased: with the erasure key from Secrets Manager, a
// TD push for a request an erasure marked (on DynamoDB) is acknowledged
// and listed DROPPED.
func TestWebhooksBootstrapErased(t *testing.T) {
	table := ddb.Fresh(t, eventtable.Create)
	const key = "a sample erasure key, 32 bytes at least"
	h := erasure.Hasher{Key: []byte(key)}
	r := erasure.Receipt{ID: "era_" + strings.Repeat("b", 26), PersonHash: h.Person("ROMA880315MDFDRR07"), At: time.Now(), Status: erasure.Completed}
	gone := []string{h.Gone(inbound.Subject(td.Provider, "17000000sample"))}
	if err := eventtable.New(ddb.Client(), table).Begin(context.Background(), erasure.Tombstone{PersonHash: r.PersonHash}, r, gone); err != nil {
		t.Fatal(err)
	}
	const keyARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tarjeta/erasure-key"
	settings := webhookSettings(table)
	settings["ERASURE_KEY_ARN"] = keyARN
	rt := startWith(t, "webhooks", map[string]string{keyARN: key}, envOf(settings)...)
	if a := call(t, rt, sample(t, "webhooks/td.json")); a.StatusCode != 200 {
		t.Fatalf("td: %d %s", a.StatusCode, a.Body)
	}
	list := call(t, rt, sample(t, "webhooks/events-list.json"))
	kept, _ := list.JSON["events"].([]any)
	if len(kept) != 1 || kept[0].(map[string]any)["status"] != "DROPPED" {
		t.Errorf("events: %s", list.Body)
	}
}
