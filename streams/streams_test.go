package streams_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/streams"
)

// TestEither: one Lambda tells its stream's batches from its HTTP API's
// requests.
func TestEither(t *testing.T) {
	var got []string
	h := streams.Either(
		func(_ context.Context, r events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			got = append(got, "http "+r.RawPath)
			return events.APIGatewayV2HTTPResponse{StatusCode: 204}, nil
		},
		func(_ context.Context, b events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			got = append(got, "stream "+b.Records[0].EventName)
			return events.DynamoDBEventResponse{}, nil
		},
	)
	for _, raw := range []string{
		`{"version":"2.0","rawPath":"/webhooks/td","requestContext":{"http":{"method":"POST"}}}`,
		`{"Records":[{"eventID":"1","eventName":"INSERT","eventSource":"aws:dynamodb","dynamodb":{"NewImage":{"pk":{"S":"EV#evt_x"}},"SequenceNumber":"1"}}]}`,
	} {
		if _, err := h(context.Background(), json.RawMessage(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0] != "http /webhooks/td" || got[1] != "stream INSERT" {
		t.Errorf("dispatched %v", got)
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
	item, err := streams.Item(image)
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
}
