package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/serve"
)

func fixture(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDispatch: one Lambda handler routes each event, by its shape, to the
// handler the function declared, and refuses what it does not serve.
func TestDispatch(t *testing.T) {
	var got []string
	full := serve.Function{
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = append(got, "http "+r.Method+" "+r.URL.Path)
			w.WriteHeader(204)
		}),
		Stream: func(_ context.Context, c serve.Change) error {
			got = append(got, "stream "+c.Name+" "+c.Sequence+" "+c.Keys["pk"].(*types.AttributeValueMemberS).Value)
			return nil
		},
		Schedule: func(_ context.Context, e serve.Scheduled) error {
			got = append(got, "schedule "+e.Time.Format(time.RFC3339)+" "+e.Rule)
			return nil
		},
		Invoke: func(_ context.Context, event json.RawMessage) (any, error) {
			got = append(got, "invoke "+string(event))
			return "done", nil
		},
	}
	handle := serve.Lambda(full, slog.New(slog.DiscardHandler))
	for _, name := range []string{"authorization-base64.json", "dynamodb-stream-batch.json", "eventbridge-scheduled.json"} {
		if _, err := handle(context.Background(), fixture(t, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, raw := range []string{`{"date":"2026-12-03"}`, `{}`} {
		if out, err := handle(context.Background(), json.RawMessage(raw)); err != nil || out != "done" {
			t.Fatalf("%s: %v %v", raw, out, err)
		}
	}
	for _, raw := range []string{`[]`, `"date"`, `{"date":`} {
		if _, err := handle(context.Background(), json.RawMessage(raw)); !errors.Is(err, serve.ErrEvent) {
			t.Errorf("%s: err = %v, want ErrEvent", raw, err)
		}
	}
	want := []string{
		"http POST /transactions/authorizations",
		"stream INSERT 111 EV#evt_aaaaaaaaaaaaaaaaaaaaaaaa", "stream MODIFY 222 EV#evt_bbbbbbbbbbbbbbbbbbbbbbbb",
		"schedule 2026-12-04T09:00:00Z arn:aws:events:us-east-1:123456789012:rule/tarjeta-reconcile-daily",
		`invoke {"date":"2026-12-03"}`, "invoke {}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dispatched\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	httpOnly := serve.Lambda(serve.Function{HTTP: full.HTTP}, slog.New(slog.DiscardHandler))
	for _, raw := range []string{
		string(fixture(t, "dynamodb-stream-batch.json")), string(fixture(t, "eventbridge-scheduled.json")),
		`{"Records":[{"eventSource":"aws:sqs"}]}`, `{"date":"2026-12-03"}`, `[]`,
	} {
		if _, err := httpOnly(context.Background(), json.RawMessage(raw)); !errors.Is(err, serve.ErrEvent) {
			t.Errorf("%.40s: err = %v, want ErrEvent", raw, err)
		}
	}
}

// TestStreamFailure: a record that fails is reported as the batch item
// failure, and the records after it are left for Lambda's retry.
func TestStreamFailure(t *testing.T) {
	var seen []string
	handle := serve.Lambda(serve.Function{Stream: func(_ context.Context, c serve.Change) error {
		seen = append(seen, c.Sequence)
		return errors.New("down")
	}}, slog.New(slog.DiscardHandler))
	out, err := handle(context.Background(), fixture(t, "dynamodb-stream-batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := out.(events.DynamoDBEventResponse)
	if len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "111" || len(seen) != 1 {
		t.Errorf("failures %+v after handling %v", res.BatchItemFailures, seen)
	}
}

// TestItem: a stream image converts to the client's attribute values,
// nested ones included.
func TestItem(t *testing.T) {
	var image map[string]events.DynamoDBAttributeValue
	raw := `{"s":{"S":"x"},"n":{"N":"42"},"b":{"B":"AQI="},"t":{"BOOL":true},"z":{"NULL":true},"m":{"M":{"k":{"S":"v"}}},"l":{"L":[{"N":"1"}]}}`
	if err := json.Unmarshal([]byte(raw), &image); err != nil {
		t.Fatal(err)
	}
	item, err := serve.Item(image)
	if err != nil {
		t.Fatal(err)
	}
	if v := item["s"].(*types.AttributeValueMemberS).Value; v != "x" {
		t.Errorf("s = %q", v)
	}
	if v := item["n"].(*types.AttributeValueMemberN).Value; v != "42" {
		t.Errorf("n = %q", v)
	}
	if v := item["b"].(*types.AttributeValueMemberB).Value; len(v) != 2 || v[1] != 2 {
		t.Errorf("b = %v", v)
	}
	if !item["t"].(*types.AttributeValueMemberBOOL).Value || !item["z"].(*types.AttributeValueMemberNULL).Value {
		t.Error("bool or null lost")
	}
	if v := item["m"].(*types.AttributeValueMemberM).Value["k"].(*types.AttributeValueMemberS).Value; v != "v" {
		t.Errorf("m.k = %q", v)
	}
	if v := item["l"].(*types.AttributeValueMemberL).Value[0].(*types.AttributeValueMemberN).Value; v != "1" {
		t.Errorf("l[0] = %q", v)
	}
	// Image is Item's inverse.
	back, err := serve.Image(item)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	json.Unmarshal(b, &got)
	json.Unmarshal([]byte(raw), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Image(Item(x)) = %s, want %s", b, raw)
	}
}
