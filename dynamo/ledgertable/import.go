package ledgertable

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// Import writes entries into a table that does not hold them yet and adds
// their amounts to their accounts' balances: a bulk load, for moving a
// ledger in from elsewhere and for load tests, at 25 entries a request
// instead of a transaction each. It writes no idempotency record, so a
// Pomelo call retried for an imported entry is not known as a repeat, and
// it overwrites an entry of the same key: it is not for a live table.
// Entries are checked, as Commit checks them, before anything is written.
func (s *Store) Import(ctx context.Context, entries []ledger.Entry) error {
	sums := map[ledger.Account]int64{}
	for i, e := range entries {
		err := ledger.Posting{Entry: e}.Check()
		if e.UserID == "" || e.TransactionID == "" || e.Currency == "" {
			err = fmt.Errorf("%w: an entry needs a user, a transaction id and a currency", storable.ErrInvalid)
		}
		if err != nil {
			return fmt.Errorf("ledgertable: import entry %d: %w", i, err)
		}
		a := ledger.Account{UserID: e.UserID, Currency: e.Currency}
		// Both terms are within ±MaxBalance: the sum cannot overflow.
		sum := sums[a] + e.Amount
		if sum > ledger.MaxBalance || sum < -ledger.MaxBalance {
			return fmt.Errorf("ledgertable: import entry %d: %w", i, ledger.ErrBalanceLimit)
		}
		sums[a] = sum
	}
	batches := slices.Collect(slices.Chunk(entries, dynamo.BatchWrites))
	err := dynamo.InParallel(len(batches), readers, func(i int) error {
		requests := make([]types.WriteRequest, len(batches[i]))
		for j, e := range batches[i] {
			requests[j] = types.WriteRequest{PutRequest: &types.PutRequest{Item: entryItem(e)}}
		}
		return dynamo.WriteBatch(ctx, s.db, s.table, requests)
	})
	if err != nil {
		return fmt.Errorf("ledgertable: import: %w", err)
	}
	accounts := make([]ledger.Account, 0, len(sums))
	for a := range sums {
		accounts = append(accounts, a)
	}
	err = dynamo.InParallel(len(accounts), readers, func(i int) error {
		a := accounts[i]
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:        &s.table,
			Key:              balanceKey(a),
			UpdateExpression: aws.String("SET currency = :cur ADD available :delta"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":cur": dynamo.S(a.Currency), ":delta": dynamo.N(sums[a]),
			},
		})
		return dynamo.Refused(err)
	})
	if err != nil {
		return fmt.Errorf("ledgertable: import balances: %w", err)
	}
	return nil
}
