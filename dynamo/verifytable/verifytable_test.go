package verifytable_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/verifytable"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

var server *dynamotest.Server

func TestMain(m *testing.M) { dynamotest.Main(m, &server) }

func TestConformance(t *testing.T) {
	storetest.RunVerifications(t, func(t *testing.T) verification.Store {
		return verifytable.New(server.Client(), server.Fresh(t, verifytable.Create))
	})
}

// TestExpiry: a verification, its external id's claim and its reference
// carry ttl, the epoch seconds of its ExpiresAt, which DynamoDB's TTL
// removes them by; the window expires 24 hours after its newest creation.
func TestExpiry(t *testing.T) {
	ctx := context.Background()
	table := server.Fresh(t, verifytable.Create)
	s := verifytable.New(server.Client(), table)
	v := storetest.Ver(1)
	v.ExternalID = "loan-1"
	w, _ := s.Window(ctx, "k")
	w.Created = append(w.Created, v.CreatedAt)
	if err := s.Create(ctx, v, w); err != nil {
		t.Fatal(err)
	}
	v.Version = 2
	if err := s.Save(ctx, v, &verification.Reference{Provider: "td", Reference: "seq"}); err != nil {
		t.Fatal(err)
	}
	out, err := server.Client().Scan(ctx, &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 4 {
		t.Fatalf("%d items, want 4", len(out.Items))
	}
	for _, item := range out.Items {
		ttl, err := dynamo.Num(item, "ttl")
		want := v.ExpiresAt.Unix()
		if dynamo.Str(item, "sk") == "WIN" {
			want = v.CreatedAt.Unix() + 24*60*60
		}
		if err != nil || ttl != want {
			t.Errorf("%s: ttl %d, %v; want %d", dynamo.Str(item, "pk"), ttl, err, want)
		}
	}
}
