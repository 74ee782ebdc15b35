package e2e_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tarjeta-dev/tarjeta/config/verify"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/dynamo/verifytable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/tdsim"
)

// TestVerifyStream runs the path a verification takes in AWS: started
// through API Gateway's event, TD's push kept by the webhooks function in
// DynamoDB Local, the webhooks table's stream read as Lambda reads it and
// handed to the verify function, which completes the verification and
// settles the event; a redelivered batch changes nothing; the schedule's
// event runs the follow-up.
func TestVerifyStream(t *testing.T) {
	ctx := context.Background()
	eventsTable := server.EventsTable(t)
	kept := eventtable.New(server.Client(), eventsTable)
	hooks := apitest.NewWebhooks(t, kept, nil)
	push := *hooks.Sender
	push.RetryDelay = 10 * time.Millisecond
	sim := &tdsim.Server{PartnerCode: apitest.TDPartnerCode, PartnerKey: "partner-key", Push: &push, Delay: 10 * time.Millisecond,
		Window: 24 * time.Hour, Now: time.Now}
	td := httptest.NewServer(sim.Handler())
	defer func() { td.Close(); sim.Close() }()

	store := verifytable.New(server.Client(), server.Fresh(t, verifytable.Create))
	c := verify.Config{TDAPIURL: td.URL + tdsim.RequestPath, TDQueryURL: td.URL + tdsim.QueryPath, TDPartnerCode: apitest.TDPartnerCode,
		TDPartnerKey: "partner-key", TDQueryWindow: 24 * time.Hour, ProviderOrder: "td", PollAfter: 2 * time.Minute, Retention: 720 * time.Hour,
		APITimeout: 5 * time.Second, APIRetries: 2, TableName: "unused", WebhooksTableName: "unused", MaxAttempts: 5}
	fn, err := c.Function(ctx, verify.Deps{Store: store, Events: kept, Stream: eventtable.Inserted, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}

	var started events.APIGatewayV2HTTPResponse
	apitest.Invoke(t, fn, apiEvent("POST", "/verifications", `{"curp":"`+people.Known[0].CURP+`"}`), &started)
	var v struct{ ID string }
	if started.StatusCode != 202 || json.Unmarshal([]byte(started.Body), &v) != nil {
		t.Fatalf("POST = %d %s", started.StatusCode, started.Body)
	}
	// The push and TD's sign: two records of the events table's stream.
	batch := readStream(t, eventsTable, 2)
	var res events.DynamoDBEventResponse
	apitest.Invoke(t, fn, batch, &res)
	if len(res.BatchItemFailures) != 0 {
		t.Fatalf("batch item failures: %+v", res.BatchItemFailures)
	}
	done, err := store.Get(ctx, v.ID)
	if err != nil || done.Status != verification.Completed || !strings.Contains(string(done.Report), `"employer":"LEVDOS"`) {
		t.Fatalf("verification %+v, %v", done, err)
	}
	page, _, err := kept.Events(ctx, webhook.Filter{Provider: "td"}, "", 10)
	if err != nil || len(page) != 1 || page[0].Status != webhook.Processed || page[0].Attempts != 1 {
		t.Fatalf("the push's event: %+v, %v", page, err)
	}

	apitest.Invoke(t, fn, batch, &res) // Lambda's at-least-once
	if again, _ := store.Get(ctx, v.ID); len(res.BatchItemFailures) != 0 || again.Version != done.Version {
		t.Errorf("a redelivered batch: %+v, version %d → %d", res, done.Version, again.Version)
	}
	if page, _, _ := kept.Events(ctx, webhook.Filter{Provider: "td"}, "", 10); page[0].Attempts != 1 {
		t.Errorf("a redelivered batch attempted the event again: %+v", page[0])
	}

	scheduled, err := os.ReadFile("../serve/testdata/eventbridge-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var out any
	apitest.Invoke(t, fn, json.RawMessage(scheduled), &out)
}

// apiEvent is an API Gateway HTTP API (payload 2.0) event of an
// IAM-authorized call.
func apiEvent(method, path, body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: method + " " + path, RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
		},
	}
}
