package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// streamBatch hands each record of a DynamoDB stream batch to handle, in
// order. A record that fails is reported as a batch item failure, so that
// Lambda retries from it (bisecting the batch) and finally sends it to the
// dead-letter queue; the records after it are left for that retry, so that
// they are handled in order.
func streamBatch(ctx context.Context, handle func(context.Context, Change) error, batch events.DynamoDBEvent, log *slog.Logger) events.DynamoDBEventResponse {
	var res events.DynamoDBEventResponse
	for _, r := range batch.Records {
		err := handleRecord(ctx, handle, r)
		if err == nil {
			continue
		}
		log.LogAttrs(ctx, slog.LevelError, "stream record", slog.String("sequence", r.Change.SequenceNumber), slog.String("error", err.Error()))
		res.BatchItemFailures = append(res.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
		break
	}
	return res
}

func handleRecord(ctx context.Context, handle func(context.Context, Change) error, r events.DynamoDBEventRecord) error {
	keys, err := Item(r.Change.Keys)
	if err != nil {
		return err
	}
	image, err := Item(r.Change.NewImage)
	if err != nil {
		return err
	}
	return handle(ctx, Change{Name: r.EventName, Sequence: r.Change.SequenceNumber, Keys: keys, NewImage: image})
}

// Item converts a stream image to the DynamoDB client's attribute values.
func Item(image map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(image))
	for k, v := range image {
		av, err := value(v)
		if err != nil {
			return nil, fmt.Errorf("serve: attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

// Image converts an item to a stream image, as a DynamoDB stream record
// carries it: Item's inverse.
func Image(item map[string]types.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	out := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		iv, err := imageValue(v)
		if err != nil {
			return nil, fmt.Errorf("serve: attribute %s: %w", k, err)
		}
		out[k] = iv
	}
	return out, nil
}

func imageValue(v types.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *types.AttributeValueMemberM:
		m, err := Image(v.Value)
		return events.NewMapAttribute(m), err
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			iv, err := imageValue(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, err
			}
			l[i] = iv
		}
		return events.NewListAttribute(l), nil
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unknown attribute type %T", v)
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
