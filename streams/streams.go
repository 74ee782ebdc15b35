// Package streams feeds the webhooks processor from the events table's
// DynamoDB stream in Lambda, and lets the one webhooks Lambda take both its
// API Gateway requests and its stream's batches.
package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
)

// Handler processes a batch of the events table's stream: each new event
// (an INSERT of an EV# item) is offered to p. Failed attempts are reported
// as batch item failures, so that Lambda retries from the first of them
// (bisecting the batch) and finally sends them to the dead-letter queue;
// every attempt is counted on the event itself.
func Handler(p *webhook.Processor, log *slog.Logger) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return func(ctx context.Context, batch events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var res events.DynamoDBEventResponse
		for _, r := range batch.Records {
			if err := process(ctx, p, r); err != nil {
				log.LogAttrs(ctx, slog.LevelError, "webhook processing", slog.String("sequence", r.Change.SequenceNumber), slog.String("error", err.Error()))
				res.BatchItemFailures = append(res.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
				// Records after a failure are retried with it: stop here so
				// that they are offered in order.
				break
			}
		}
		return res, nil
	}
}

func process(ctx context.Context, p *webhook.Processor, r events.DynamoDBEventRecord) error {
	if r.EventName != string(events.DynamoDBOperationTypeInsert) {
		return nil
	}
	item, err := Item(r.Change.NewImage)
	if err != nil {
		return err
	}
	if pk, _ := item["pk"].(*types.AttributeValueMemberS); pk == nil || !strings.HasPrefix(pk.Value, "EV#") {
		return nil // a TD sign or a processing record
	}
	e, err := eventtable.ParseEvent(item)
	if err != nil {
		return err
	}
	return p.Process(ctx, e)
}

// Item converts a stream image to the DynamoDB client's attribute values.
func Item(image map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(image))
	for k, v := range image {
		av, err := value(v)
		if err != nil {
			return nil, fmt.Errorf("streams: attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func value(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeMap:
		m, err := Item(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			av, err := value(e)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	}
	return nil, errors.New("unknown attribute type")
}

// Either returns one Lambda handler for both an HTTP API's requests and the
// stream's batches, telling them apart by their shape.
func Either(
	api func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error),
	stream func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error),
) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Records []struct {
				EventSource string `json:"eventSource"`
			} `json:"Records"`
		}
		if json.Unmarshal(raw, &probe) == nil && len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:dynamodb" {
			var batch events.DynamoDBEvent
			if err := json.Unmarshal(raw, &batch); err != nil {
				return nil, fmt.Errorf("streams: stream batch: %w", err)
			}
			return stream(ctx, batch)
		}
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("streams: http event: %w", err)
		}
		return api(ctx, req)
	}
}
