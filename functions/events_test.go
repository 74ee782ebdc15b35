package functions_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
	"github.com/tarjeta-dev/tarjeta/serve"
)

var update = flag.Bool("update", false, "write the sample events under events/ anew")

// The sample events are signed at signedAt with these published sample
// credentials (events/README.md), which no deployment may use; the
// bootstraps under test accept them with a tolerance that covers signedAt.
var (
	signedAt = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

	samplePomelo        = apitest.APIKey + ":" + apitest.APISecret
	sampleTDPartnerCode = "sample-partner"
	sampleTDAccessKey   = "sample-access-key"
	sampleTDSecret      = "sample-access-secret"
	sampleBelvo         = "Bearer sample-belvo-webhook-token"
	samplePalenca       = "sample-palenca-webhook-secret"
)

// The addresses the sample requests come from: Pomelo's sandbox (one of
// its documented source IPs) and a documentation address for the rest.
const (
	pomeloIP = "34.226.254.178"
	otherIP  = "203.0.113.10"
)

// sampleUser is the Pomelo user of the sample authorizations.
const sampleUser = "u-sample"

// sampleEvents are the events under events/, by file name: each
// function's routes as API Gateway hands them over, its schedules' events,
// its stream batches, and reconcile's continuation.
func sampleEvents(t *testing.T) map[string]any {
	out := make(map[string]any)
	for name, ev := range httpEvents(t) {
		out[name] = ev
	}
	out["webhooks/stream.json"] = streamSample(t, "webhooks/pomelo-activity.json")
	out["verify/stream.json"] = streamSample(t, "webhooks/td.json")
	// The rule the template's Schedule event makes fires an EventBridge
	// scheduled event; the reconcile schedule (EventBridge Scheduler) sends
	// its Input, {} for yesterday, and a run continues itself with its date.
	out["verify/schedule.json"] = scheduled("5c1a0b9e-6f3c-4c1e-9a57-0d1f2e3a4b5c", "tarjeta-VerifyFunctionFollowUp-1A2B3C4D5E6F")
	out["webhooks/schedule.json"] = scheduled("0d6f0e7a-2b8c-4d2e-8f3a-6b7c8d9e0f1a", "tarjeta-WebhooksFunctionRetry-6F5E4D3C2B1A")
	out["reconcile/schedule.json"] = struct{}{}
	out["reconcile/continuation.json"] = map[string]string{"date": sampleDay}
	return out
}

// scheduled is the event an EventBridge rule's schedule fires.
func scheduled(id, rule string) events.EventBridgeEvent {
	return events.EventBridgeEvent{
		Version: "0", ID: id, DetailType: "Scheduled Event", Source: "aws.events",
		AccountID: "123456789012", Time: signedAt, Region: "us-east-1",
		Resources: []string{"arn:aws:events:us-east-1:123456789012:rule/" + rule},
		Detail:    json.RawMessage("{}"),
	}
}

// httpEvents are the HTTP API events under events/, by file name.
func httpEvents(t testing.TB) map[string]events.APIGatewayV2HTTPRequest {
	secret, _ := base64.StdEncoding.DecodeString(apitest.APISecret)
	pomelo := &pomelosim.Client{APIKey: apitest.APIKey, Secret: secret, Now: func() time.Time { return signedAt }}
	hooks := &webhooksim.Sender{
		Now: func() time.Time { return signedAt }, PomeloAPIKey: apitest.APIKey, PomeloSecret: secret,
		TDPartnerCode: sampleTDPartnerCode, TDAccessKey: sampleTDAccessKey, TDAccessSecret: sampleTDSecret,
		BelvoAuthorization: sampleBelvo, PalencaSecret: samplePalenca,
	}
	out := make(map[string]events.APIGatewayV2HTTPRequest)
	fromPomelo := func(name, route string, path string, tx pomelosim.Transaction, key string) {
		req, err := pomelo.Request(context.Background(), path, tx.JSON(), key)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = httpEvent(t, route, req, pomeloIP, false)
	}
	fromPomelo("authorize/adjustment-credit.json", "POST /transactions/adjustments/{type}", "/transactions/adjustments/credit",
		pomelosim.Transaction{Type: "PAYMENT", ID: "ctx-sample-fund", UserID: sampleUser, Total: "1000.00"}, "sample-fund-1")
	fromPomelo("authorize/authorization.json", "POST /transactions/authorizations", "/transactions/authorizations",
		pomelosim.Transaction{Type: "PURCHASE", ID: "ctx-sample-purchase", UserID: sampleUser, Total: "250.50"}, "sample-purchase-1")
	out["authorize/ledger-account.json"] = internal(t, "GET /ledger/accounts/{user_id}", "GET", "/ledger/accounts/"+sampleUser, "limit=10", nil)

	for _, k := range []struct {
		name string
		kind webhooksim.Kind
		ip   string
	}{
		{"webhooks/pomelo-shipping.json", webhooksim.PomeloShipping, pomeloIP},
		{"webhooks/pomelo-activity.json", webhooksim.PomeloActivity, pomeloIP},
		{"webhooks/pomelo-identity.json", webhooksim.PomeloIdentity, pomeloIP},
		{"webhooks/td.json", webhooksim.TD, otherIP},
		{"webhooks/belvo.json", webhooksim.Belvo, otherIP},
		{"webhooks/palenca.json", webhooksim.Palenca, otherIP},
	} {
		req, err := hooks.Request(context.Background(), k.kind, webhooksim.Body(k.kind, "sample", 1), webhooksim.Valid)
		if err != nil {
			t.Fatal(err)
		}
		out[k.name] = httpEvent(t, "POST "+k.kind.Path(), req, k.ip, false)
	}
	out["webhooks/events-list.json"] = internal(t, "GET /webhooks/events", "GET", "/webhooks/events", "limit=20", nil)
	out["webhooks/events-hourly.json"] = internal(t, "GET /webhooks/events/hourly", "GET", "/webhooks/events/hourly", "", nil)
	out["webhooks/event-detail.json"] = internal(t, "GET /webhooks/events/{id}", "GET", "/webhooks/events/"+sampleActivityEvent(t), "", nil)
	out["webhooks/event-retry.json"] = internal(t, "POST /webhooks/events/{id}/retry", "POST", "/webhooks/events/"+sampleActivityEvent(t)+"/retry", "", nil)
	out["webhooks/event-check.json"] = internal(t, "POST /webhooks/events/{id}/check", "POST", "/webhooks/events/"+sampleActivityEvent(t)+"/check", "", nil)

	out["verify/start.json"] = internal(t, "POST /verifications", "POST", "/verifications", "",
		[]byte(`{"curp":"ROMA880315MDFDRR07","external_id":"sample-verification-1"}`))
	out["verify/by-external-id.json"] = internal(t, "GET /verifications", "GET", "/verifications", "external_id=sample-verification-1", nil)
	out["verify/person.json"] = internal(t, "GET /people/{curp}", "GET", "/people/ROMA880315MDFDRR07", "", nil)
	out["verify/erase.json"] = internal(t, "DELETE /people/{curp}", "DELETE", "/people/ROMA880315MDFDRR07", "", nil)
	out["verify/erasure.json"] = internal(t, "GET /erasures/{id}", "GET", "/erasures/"+sampleErasure, "", nil)
	out["verify/detail.json"] = internal(t, "GET /verifications/{id}", "GET", "/verifications/"+sampleVerification, "", nil)

	out["reconcile/run.json"] = internal(t, "POST /reconciliations", "POST", "/reconciliations", "", []byte(`{"date":"`+sampleDay+`"}`))
	out["reconcile/summary.json"] = internal(t, "GET /reconciliations/{date}", "GET", "/reconciliations/"+sampleDay, "", nil)
	out["reconcile/exceptions.json"] = internal(t, "GET /reconciliations/{date}/exceptions", "GET", "/reconciliations/"+sampleDay+"/exceptions", "limit=100", nil)
	out["reconcile/exceptions-csv.json"] = internal(t, "GET /reconciliations/{date}/exceptions.csv", "GET", "/reconciliations/"+sampleDay+"/exceptions.csv", "", nil)
	out["reconcile/list.json"] = internal(t, "GET /reconciliations", "GET", "/reconciliations", "from="+sampleDay+"&to="+sampleDay, nil)
	return out
}

// sampleActivityEvent is the id the webhooks function gives the sample
// Pomelo activity: webhook.IDOf of its route and its name's parts.
func sampleActivityEvent(t testing.TB) string {
	n, err := pomelo.NameActivity(webhooksim.Body(webhooksim.PomeloActivity, "sample", 1))
	if err != nil {
		t.Fatal(err)
	}
	return webhook.IDOf("pomelo/activities", n.Parts...)
}

// sampleVerification is the verification id of verify/detail.json; the
// test puts the id its start answered in its place.
const sampleVerification = "vsampleverificationid0000"

// sampleErasure is the erasure id of verify/erasure.json: of the shape of
// one, never given.
const sampleErasure = "era_sampleerasureid23456723456"

// sampleDay is the day the sample reconciliation runs.
const sampleDay = "2026-12-01"

// httpEvent is req as API Gateway's HTTP API (payload 2.0) hands it over.
func httpEvent(t testing.TB, routeKey string, req *http.Request, sourceIP string, iam bool) events.APIGatewayV2HTTPRequest {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			t.Fatal(err)
		}
	}
	h := make(map[string]string)
	for k, v := range req.Header {
		h[strings.ToLower(k)] = strings.Join(v, ",")
	}
	h["user-agent"] = "sample"
	return event(routeKey, req.Method, req.URL.Path, req.URL.RawQuery, h, body, sourceIP, iam)
}

// internal is a request to an IAM-authorized route, signed with SigV4 by
// an engineer's role.
func internal(t testing.TB, routeKey, method, path, query string, body []byte) events.APIGatewayV2HTTPRequest {
	h := map[string]string{"user-agent": "aws-cli/2", "x-amz-date": signedAt.Format("20060102T150405Z")}
	if body != nil {
		h["content-type"] = "application/json"
	}
	return event(routeKey, method, path, query, h, body, otherIP, true)
}

func event(routeKey, method, path, query string, h map[string]string, body []byte, sourceIP string, iam bool) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: path, RawQueryString: query, Headers: h, Body: string(body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, AccountID: "123456789012", Stage: "$default", RequestID: "sample-" + strings.ReplaceAll(strings.Trim(path, "/"), "/", "-"),
			APIID: "a1b2c3d4e5", DomainName: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", DomainPrefix: "a1b2c3d4e5",
			Time: signedAt.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: signedAt.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: sourceIP, UserAgent: h["user-agent"]},
		},
	}
	if query != "" {
		ev.QueryStringParameters = map[string]string{}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			ev.QueryStringParameters[k] = v
		}
	}
	if i := strings.Index(routeKey, "{"); i >= 0 {
		name := routeKey[i+1 : len(routeKey)-1]
		ev.PathParameters = map[string]string{name: path[strings.LastIndex(path, "/")+1:]}
	}
	if iam {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
			AccessKey: "ASIASAMPLEACCESSKEY0", AccountID: "123456789012", CallerID: "AROASAMPLEROLEID0000:operator",
			UserARN: "arn:aws:sts::123456789012:assumed-role/tarjeta-operator/operator", UserID: "AROASAMPLEROLEID0000:operator",
		}}
	}
	return ev
}

// TestSampleEvents checks that the events under events/ are what the
// simulators sign and the webhooks function keeps today (go test
// ./functions -run TestSampleEvents -update writes them anew).
func TestSampleEvents(t *testing.T) {
	want := sampleEvents(t)
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := json.MarshalIndent(want[name], "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, '\n')
		path := filepath.Join("..", "events", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./functions -run TestSampleEvents -update writes it)", err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s is not what the simulators sign today: go test ./functions -run TestSampleEvents -update", path)
		}
	}
}

// sample reads a sample event.
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withPath is an HTTP sample event with its last path segment replaced.
func withPath(t testing.TB, name, last string) []byte {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(sample(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndex(ev.RawPath, "/")
	ev.RawPath = ev.RawPath[:i+1] + last
	ev.RequestContext.HTTP.Path = ev.RawPath
	for k := range ev.PathParameters {
		ev.PathParameters[k] = last
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// webhookSettings are the webhooks function's settings over table, with
// the sample credentials, accepting the samples' old signatures.
func webhookSettings(table string) map[string]string {
	return map[string]string{
		"WEBHOOKS_TABLE_NAME": table, "POMELO_API_CREDENTIALS": samplePomelo, "POMELO_SIGNATURE_TOLERANCE": "87600h",
		"TD_PARTNER_CODE": sampleTDPartnerCode, "TD_ACCESS_KEY": sampleTDAccessKey, "TD_ACCESS_SECRET": sampleTDSecret,
		"TD_SIGNATURE_TOLERANCE": "87600h", "BELVO_WEBHOOK_AUTHORIZATION": sampleBelvo, "PALENCA_WEBHOOK_SECRET": samplePalenca,
	}
}

// envOf is settings as a process's environment.
func envOf(settings map[string]string) []string {
	var env []string
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

// streamSample is the webhooks table's stream batch of one INSERT: the
// event the webhooks function keeps, on DynamoDB Local at signedAt, of the
// HTTP sample event name.
func streamSample(t testing.TB, name string) events.DynamoDBEvent {
	ctx := context.Background()
	table := ddb.Fresh(t, eventtable.Create)
	var c webhooks.Config
	if err := config.ProcessWith(ctx, &c, envconfig.MapLookuper(webhookSettings(table))); err != nil {
		t.Fatal(err)
	}
	fn, err := c.Function(ctx, webhooks.Deps{Store: eventtable.New(ddb.Client(), table), Now: func() time.Time { return signedAt },
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(httpEvents(t)[name])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := serve.Lambda(fn, slog.New(slog.DiscardHandler))(ctx, raw); err != nil {
		t.Fatal(err)
	}
	items, err := ddb.Client().Scan(ctx, &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range items.Items {
		pk, _ := item["pk"].(*types.AttributeValueMemberS)
		if pk == nil || !strings.HasPrefix(pk.Value, "EV#") {
			continue
		}
		image, err := serve.Image(item)
		if err != nil {
			t.Fatal(err)
		}
		size, _ := json.Marshal(image)
		return events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{
			AWSRegion: "us-east-1", EventID: "c4ca4238a0b923820dcc509a6f75849b", EventName: "INSERT", EventSource: "aws:dynamodb", EventVersion: "1.1",
			EventSourceArn: "arn:aws:dynamodb:us-east-1:123456789012:table/tarjeta-WebhooksTable-1A2B3C4D5E6F/stream/2026-12-01T00:00:00.000",
			Change: events.DynamoDBStreamRecord{
				ApproximateCreationDateTime: events.SecondsEpochTime{Time: signedAt},
				Keys:                        map[string]events.DynamoDBAttributeValue{"pk": image["pk"], "sk": image["sk"]},
				NewImage:                    image, SequenceNumber: "4421584500000000017450439091", SizeBytes: int64(len(size)), StreamViewType: "NEW_IMAGE",
			},
		}}}
	}
	t.Fatalf("%s kept no event", name)
	return events.DynamoDBEvent{}
}
