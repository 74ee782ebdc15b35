package e2e_test

import (
	"context"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// TestStreamProcessing runs the path events take in AWS: deliveries kept in
// DynamoDB Local, the table's stream read as Lambda reads it, its batches
// handed to the processor. A failed attempt is reported as a batch item
// failure and counted on the event; the retried batch processes it, and
// processes nothing twice.
func TestStreamProcessing(t *testing.T) {
	ctx := context.Background()
	table := server.EventsTable(t)
	store := eventtable.New(server.Client(), table)
	// The function's clock moves a second at each reading, so that each
	// delivery is received at another second than the one before it.
	at := time.Now()
	var ticks atomic.Int64
	s := apitest.NewWebhooks(t, store, nil, func(d *webhooks.Deps) {
		d.Stream = eventtable.Inserted
		d.Now = func() time.Time { return at.Add(time.Duration(ticks.Add(1)) * time.Second) }
	})
	// The shipment's first processing attempt fails: every call of it.
	s.PomeloAPI.Fail.Store(outbound.DefaultRetries + 1)
	// One clock for both deliveries of each kind: TD's duplicate comes with
	// the same sign, whose second write changes nothing, though received
	// later.
	s.Sender.Now = func() time.Time { return at }
	for _, kind := range []webhooksim.Kind{webhooksim.PomeloActivity, webhooksim.PomeloShipping, webhooksim.TD} {
		xs, err := s.Sender.Send(ctx, kind, webhooksim.Duplicate)
		if err != nil || xs[0].Status >= 300 || xs[1].Status >= 300 {
			t.Fatalf("%s: %v %+v", kind, err, xs)
		}
	}
	// Three events, TD's sign and the item that finds TD's push under its
	// request (its subject), each written once.
	batch := readStream(t, table, 5)
	if len(batch.Records) != 5 {
		t.Fatalf("%d stream records, want 5", len(batch.Records))
	}
	handle := func(batch events.DynamoDBEvent) (res events.DynamoDBEventResponse, err error) {
		apitest.Invoke(t, s.Function, batch, &res)
		return res, nil
	}
	res, _ := handle(batch)
	if len(res.BatchItemFailures) != 1 {
		t.Fatalf("batch item failures = %+v, want the shipment's", res.BatchItemFailures)
	}
	status := func(kind webhooksim.Kind) webhook.Event {
		t.Helper()
		page, _, err := store.Events(ctx, webhook.Filter{}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			if e.Route == kind.Route() {
				return e
			}
		}
		t.Fatalf("no %s event", kind)
		return webhook.Event{}
	}
	if e := status(webhooksim.PomeloShipping); e.Status != webhook.Failed || e.Attempts != 1 {
		t.Errorf("shipping after the failed attempt: %s, %d attempts", e.Status, e.Attempts)
	}
	// Lambda retries the batch from the failed record on.
	retry := events.DynamoDBEvent{}
	for i, r := range batch.Records {
		if r.Change.SequenceNumber == res.BatchItemFailures[0].ItemIdentifier {
			retry.Records = batch.Records[i:]
		}
	}
	if res, err := handle(retry); err != nil || len(res.BatchItemFailures) != 0 {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	// A redelivered batch (Lambda's at-least-once) processes nothing twice.
	if res, err := handle(batch); err != nil || len(res.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: %+v, %v", res, err)
	}
	for _, tc := range []struct {
		route    webhooksim.Kind
		status   webhook.Status
		attempts int
	}{
		{webhooksim.PomeloActivity, webhook.Processed, 1},
		{webhooksim.PomeloShipping, webhook.Processed, 2},
		{webhooksim.TD, webhook.Received, 0}, // for the verify function
	} {
		if e := status(tc.route); e.Status != tc.status || e.Attempts != tc.attempts {
			t.Errorf("%s: %s after %d attempts, want %s after %d", tc.route, e.Status, e.Attempts, tc.status, tc.attempts)
		}
	}
}

// readStream reads every record of the table's stream so far, as the Lambda
// event source mapping would hand them over, waiting up to 5 seconds for
// want of them.
func readStream(t *testing.T, table string, want int) events.DynamoDBEvent {
	t.Helper()
	ctx := context.Background()
	desc, err := server.Client().DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil || desc.Table.LatestStreamArn == nil {
		t.Fatalf("the table has no stream: %v", err)
	}
	cfg, err := dynamo.LocalConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(server.Endpoint) })
	stream, err := client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: desc.Table.LatestStreamArn})
	if err != nil {
		t.Fatal(err)
	}
	var batch events.DynamoDBEvent
	deadline := time.Now().Add(5 * time.Second)
	for len(batch.Records) < want && time.Now().Before(deadline) {
		batch.Records = nil
		for _, shard := range stream.StreamDescription.Shards {
			it, err := client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: desc.Table.LatestStreamArn, ShardId: shard.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.Records {
				batch.Records = append(batch.Records, lambdaRecord(r))
			}
		}
	}
	sort.Slice(batch.Records, func(i, j int) bool {
		return batch.Records[i].Change.SequenceNumber < batch.Records[j].Change.SequenceNumber
	})
	return batch
}

// lambdaRecord is r as Lambda delivers it.
func lambdaRecord(r streamtypes.Record) events.DynamoDBEventRecord {
	image := make(map[string]events.DynamoDBAttributeValue, len(r.Dynamodb.NewImage))
	for k, v := range r.Dynamodb.NewImage {
		image[k] = lambdaValue(v)
	}
	return events.DynamoDBEventRecord{
		EventName:   string(r.EventName),
		EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{
			SequenceNumber: aws.ToString(r.Dynamodb.SequenceNumber),
			NewImage:       image,
		},
	}
}

func lambdaValue(v streamtypes.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *streamtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *streamtypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *streamtypes.AttributeValueMemberM:
		m := make(map[string]events.DynamoDBAttributeValue, len(v.Value))
		for k, e := range v.Value {
			m[k] = lambdaValue(e)
		}
		return events.NewMapAttribute(m)
	}
	return events.NewNullAttribute()
}
