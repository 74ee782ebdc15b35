// Package ledgertable keeps the ledger and the idempotency records in one DynamoDB
// table, committing each authorization as a single TransactWriteItems call.
//
// Layout of the table (partition key pk, sort key sk, both strings):
//
//	U#<user>  B#<currency>        balance: available (N, minor units)
//	U#<user>  E#<class>#<txn id>  ledger entry; gsi1pk/gsi1sk order it by time,
//	                              day_pk/day_sk (Pomelo's entries) by the hour
//	U#<user>  E#SETTLE#<ref>#<txn id>  settlement posting
//	U#<user>  S#<txn id>          the transaction's settlement postings: r:<ref> = amount
//	I#<key>   I                   idempotency record; ttl lets DynamoDB expire it
//	RUN#<date> RUN                a reconciliation's run record
package ledgertable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// Store is the ledger's DynamoDB store.
type Store struct {
	db    dynamo.API
	table string
}

// New returns a store over the named table.
func New(db dynamo.API, table string) *Store {
	return &Store{db: db, table: table}
}

// maxConflictRetries bounds the retries of a transaction that collided with
// another one on an account item (not on its own idempotency key).
const maxConflictRetries = 3

// Commit writes rec and applies p in one TransactWriteItems; see
// authorization.Store for the errors it returns. What no store can take
// is refused first, as authorization.Check refuses it (the reconcile
// function links this store without the authorization package).
func (s *Store) Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error {
	if err := rec.Check(); err != nil {
		return fmt.Errorf("ledgertable: commit: %w", err)
	}
	if p != nil {
		if err := p.Check(); err != nil {
			return fmt.Errorf("ledgertable: commit: %w", err)
		}
	}
	if p == nil {
		return s.putRecord(ctx, rec)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:                           &s.table,
		Item:                                recordItem(rec),
		ConditionExpression:                 aws.String(recordFree),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": dynamo.Millis(rec.CreatedAt)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}
	items = append(items, s.postingItems(*p)...)
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return fmt.Errorf("ledgertable: commit %s: %w", rec.Key, dynamo.Refused(err))
		}
		err = s.cancelled(ctx, rec, *p, tce.CancellationReasons)
		if !errors.Is(err, errAccountConflict) || attempt == maxConflictRetries {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ledgertable: commit %s: %w", rec.Key, ctx.Err())
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
}

// recordFree is the condition under which a record may be written: no record
// holds the key (see idempotency.Blocks).
const recordFree = "attribute_not_exists(pk) OR expires_at <= :now"

// putRecord writes a record that comes with no posting: a single-item write
// needs no transaction, which costs twice as much.
func (s *Store) putRecord(ctx context.Context, rec idempotency.Record) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           &s.table,
		Item:                                recordItem(rec),
		ConditionExpression:                 aws.String(recordFree),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": dynamo.Millis(rec.CreatedAt)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	var conflict *types.TransactionConflictException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ccf):
		return s.held(ctx, rec.Key, ccf.Item)
	case errors.As(err, &conflict):
		return fmt.Errorf("ledgertable: put record %s: %w", rec.Key, idempotency.ErrBusy)
	}
	return fmt.Errorf("ledgertable: put record %s: %w", rec.Key, dynamo.Refused(err))
}

// held returns the HeldError for the record that refused a write; item is the
// record as the refusal returned it, or nil when it did not.
func (s *Store) held(ctx context.Context, key string, item map[string]types.AttributeValue) error {
	if item == nil {
		out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: recordKey(key), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return fmt.Errorf("ledgertable: read record %s: %w", key, err)
		}
		if out.Item == nil {
			// Deleted since it refused us: someone is rewriting the key.
			return fmt.Errorf("ledgertable: record %s: %w", key, idempotency.ErrBusy)
		}
		item = out.Item
	}
	r, err := parseRecord(item)
	if err != nil {
		return fmt.Errorf("ledgertable: record %s: %w", key, err)
	}
	return &idempotency.HeldError{Record: r}
}

var errAccountConflict = errors.New("ledgertable: transaction conflict on an account item")

// cancelled turns the cancellation reasons of a refused commit into the
// caller's error. Reasons come in the order of the items: the idempotency
// record, then the posting's items (see postingItems).
func (s *Store) cancelled(ctx context.Context, rec idempotency.Record, p ledger.Posting, reasons []types.CancellationReason) error {
	code := func(i int) string {
		if i < len(reasons) && reasons[i].Code != nil {
			return *reasons[i].Code
		}
		return ""
	}
	switch code(0) {
	case dynamo.ConditionFailed:
		return s.held(ctx, rec.Key, reasons[0].Item)
	case dynamo.Conflict:
		return fmt.Errorf("ledgertable: commit %s: %w", rec.Key, idempotency.ErrBusy)
	}
	layout := layoutOf(p)
	for i := range reasons {
		if code(i) == dynamo.Conflict {
			return errAccountConflict
		}
	}
	switch {
	case code(layout.entry) == dynamo.ConditionFailed:
		return fmt.Errorf("%w: %s", ledger.ErrAlreadyPosted, p.Entry.Key())
	case layout.original > 0 && code(layout.original) == dynamo.ConditionFailed:
		return reversalFailure(p, reasons[layout.original].Item)
	case layout.balance > 0 && code(layout.balance) == dynamo.ConditionFailed:
		if p.RequireFunds {
			// A balance that covers a debit is inside the bound after it.
			return ledger.ErrInsufficientFunds
		}
		return ledger.ErrBalanceLimit
	}
	return fmt.Errorf("ledgertable: commit %s: cancelled: %s", rec.Key, dynamo.Describe(reasons))
}

// reversalFailure says why the draw-down of an original entry was refused,
// from the original as DynamoDB returned it (nil when it does not exist).
func reversalFailure(p ledger.Posting, orig map[string]types.AttributeValue) error {
	r := p.Reverses
	if orig == nil || dynamo.Str(orig, "kind") != r.OriginalKind {
		return fmt.Errorf("%w: %s", ledger.ErrOriginalNotFound, r.OriginalID)
	}
	if c := dynamo.Str(orig, "currency"); c != p.Entry.Currency {
		return fmt.Errorf("%w: original %s is in %s", ledger.ErrCurrencyMismatch, r.OriginalID, c)
	}
	left, _ := dynamo.Num(orig, "reversible")
	return fmt.Errorf("%w: %d left of %s", ledger.ErrReversalExceeds, left, r.OriginalID)
}

// Create creates the ledger table with the layout of template.yaml when it
// does not exist yet (DynamoDB Local).
func Create(ctx context.Context, db dynamo.TableAPI, table string) error {
	return dynamo.Create(ctx, db, dynamo.Table{
		Name: table, TTL: "ttl",
		Indexes: []dynamo.Index{{Name: entriesIndex, PK: "gsi1pk", SK: "gsi1sk"}, {Name: hourIndex, PK: "day_pk", SK: "day_sk"}},
	})
}
