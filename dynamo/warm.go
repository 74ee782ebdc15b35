package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Warm reads a key no item has from table, so that db's connection (DNS,
// TCP, TLS) is open before the first request that counts: a cold start
// opens it while it does the rest of its init. It costs one eventually
// consistent read of nothing.
func Warm(ctx context.Context, db API, table string) error {
	_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: warmKey})
	if err != nil {
		return fmt.Errorf("dynamo: warm %s: %w", table, err)
	}
	return nil
}

var warmKey = map[string]types.AttributeValue{"pk": S("WARM"), "sk": S("WARM")}
