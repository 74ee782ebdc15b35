package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// getter answers GetItem after delay, or when its context ends.
type getter struct {
	delay time.Duration
	table chan string
}

func (g getter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	g.table <- *in.TableName
	select {
	case <-time.After(g.delay):
		return &dynamodb.GetItemOutput{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestWarm: the read starts at once, on the table named; the wait returns
// when it does, and gives up on one that outlives the limit.
func TestWarm(t *testing.T) {
	for _, tc := range []struct {
		name     string
		delay    time.Duration
		min, max time.Duration
	}{
		{"answered", 20 * time.Millisecond, 20 * time.Millisecond, 150 * time.Millisecond},
		{"past the limit", time.Hour, 200 * time.Millisecond, 2 * time.Second},
	} {
		g := getter{delay: tc.delay, table: make(chan string, 1)}
		began := time.Now()
		wait := dynamo.Warm(context.Background(), g, "ledger", 200*time.Millisecond)
		if table := <-g.table; table != "ledger" {
			t.Errorf("%s: read %s", tc.name, table)
		}
		wait()
		if took := time.Since(began); took < tc.min || took > tc.max {
			t.Errorf("%s: the wait took %s, want %s to %s", tc.name, took, tc.min, tc.max)
		}
	}
}
