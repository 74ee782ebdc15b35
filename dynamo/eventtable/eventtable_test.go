package eventtable_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

var server *dynamotest.Server

func TestMain(m *testing.M) { dynamotest.Main(m, &server) }

func TestConformance(t *testing.T) {
	storetest.RunEvents(t, func(t *testing.T) webhook.Store {
		return eventtable.New(server.Client(), server.EventsTable(t))
	})
}

func TestErasuresConformance(t *testing.T) {
	storetest.RunErasures(t, func(t *testing.T) erasure.Records {
		return eventtable.New(server.Client(), server.EventsTable(t))
	})
}

// TestExpiry: an event and its TD sign carry ttl, the epoch seconds of
// their ExpiresAt, which DynamoDB's TTL removes them by.
func TestExpiry(t *testing.T) {
	ctx := context.Background()
	table := server.EventsTable(t)
	s := eventtable.New(server.Client(), table)
	e := storetest.Ev("td", "OK", "seq:OK", 0)
	if _, err := s.Receive(ctx, e, &webhook.SignUse{Sign: []byte{0xab}, BodyHash: sha256.Sum256(e.Body)}); err != nil {
		t.Fatal(err)
	}
	out, err := server.Client().Scan(ctx, &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 2 {
		t.Fatalf("%d items, want the event and its sign", len(out.Items))
	}
	for _, item := range out.Items {
		if ttl, err := dynamo.Num(item, "ttl"); err != nil || ttl != e.ExpiresAt.Unix() {
			t.Errorf("item %s: ttl %d, %v; want %d", dynamo.Str(item, "pk"), ttl, err, e.ExpiresAt.Unix())
		}
	}
}
