package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Getter reads an item.
type Getter interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// WarmLimit is how long a start waits for its warm-up.
const WarmLimit = time.Second

// Warm starts reading a key no item has from table, so that db's
// connection (DNS, TCP, TLS) is open before the first request that counts,
// and returns a wait for it that gives up after limit. A cold start opens
// the connection while it reads its secrets, so that its first answer pays
// for neither in turn. It costs one eventually consistent read of nothing;
// one that fails costs only its time: the first request opens the
// connection anyway.
func Warm(ctx context.Context, db Getter, table string, limit time.Duration) (wait func()) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{"pk": S("WARM"), "sk": S("WARM")}})
	}()
	return func() {
		<-done
		cancel()
	}
}
