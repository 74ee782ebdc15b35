package dynamo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BatchKeys is how many keys one BatchGetItem asks for at most.
const BatchKeys = 100

// GetBatch reads the items of table at keys (at most BatchKeys) with
// consistent reads, asking again, after a pause, for what DynamoDB leaves
// unprocessed; with projection, only those attributes of each. An item
// that does not exist is not in the answer.
func GetBatch(ctx context.Context, db API, table string, keys []map[string]types.AttributeValue, projection ...string) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	var expr *string
	var names map[string]string
	if len(projection) > 0 {
		names = make(map[string]string, len(projection))
		parts := make([]string, len(projection))
		for i, a := range projection {
			parts[i] = "#p" + strconv.Itoa(i)
			names[parts[i]] = a
		}
		expr = aws.String(strings.Join(parts, ", "))
	}
	for attempt := 0; len(keys) > 0; attempt++ {
		if attempt > 0 {
			if err := Pause(ctx, attempt); err != nil {
				return out, err
			}
		}
		res, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			table: {Keys: keys, ConsistentRead: aws.Bool(true), ProjectionExpression: expr, ExpressionAttributeNames: names},
		}})
		if err != nil {
			return out, Refused(err)
		}
		out = append(out, res.Responses[table]...)
		keys = res.UnprocessedKeys[table].Keys
	}
	return out, nil
}

// BatchWrites is how many requests one BatchWriteItem takes at most.
const BatchWrites = 25

// WriteBatch sends requests to table, BatchWrites a BatchWriteItem,
// sending again, after a pause, what DynamoDB leaves unprocessed.
func WriteBatch(ctx context.Context, db API, table string, requests []types.WriteRequest) error {
	for len(requests) > 0 {
		n := min(len(requests), BatchWrites)
		batch := requests[:n]
		for attempt := 0; len(batch) > 0; attempt++ {
			if attempt > 0 {
				if err := Pause(ctx, attempt); err != nil {
					return err
				}
			}
			res, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
			if err != nil {
				return Refused(err)
			}
			batch = res.UnprocessedItems[table]
		}
		requests = requests[n:]
	}
	return nil
}

// Pause waits before asking again for what DynamoDB throttled or left
// unprocessed: 20 ms more each attempt, at most 200 ms.
func Pause(ctx context.Context, attempt int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(min(attempt, 10)) * 20 * time.Millisecond):
		return nil
	}
}
