package eventtable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// The erasures the events table keeps beside the events (erasure.Records):
//
//	TOMB#<person hash>  TOMB           version, erasures (a list of ids)
//	ERA#<erasure id>    ERA            doc: the receipt as JSON
//	ERAPEND             <at>#<id>      a receipt whose provider deletions are asked again
//	GONE#<key>          GONE           an erased reference (erasure.Hasher.Gone)
//
// None expires: a receipt answers a person's request for as long as the
// fintech must prove it.

var _ erasure.Records = (*Store)(nil)

func tombKey(person string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S("TOMB#" + person), "sk": dynamo.S("TOMB")}
}

func receiptKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S("ERA#" + id), "sk": dynamo.S("ERA")}
}

func pendingKey(r erasure.Receipt) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S("ERAPEND"), "sk": dynamo.S(r.At.UTC().Format(dynamo.TimeLayout) + "#" + r.ID)}
}

func goneKey(k string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S("GONE#" + k), "sk": dynamo.S("GONE")}
}

// Tombstone implements erasure.Records: one GetItem.
func (st *Store) Tombstone(ctx context.Context, person string) (erasure.Tombstone, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: tombKey(person), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return erasure.Tombstone{}, fmt.Errorf("eventtable: tombstone: %w", dynamo.Refused(err))
	}
	t := erasure.Tombstone{PersonHash: person}
	if out.Item == nil {
		return t, nil
	}
	if t.Version, err = dynamo.Num(out.Item, "version"); err != nil {
		return t, fmt.Errorf("eventtable: tombstone: %w", err)
	}
	if l, ok := out.Item["erasures"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			if s, ok := v.(*types.AttributeValueMemberS); ok {
				t.Erasures = append(t.Erasures, s.Value)
			}
		}
	}
	return t, nil
}

// Begin implements erasure.Records: the marks, 100 a TransactWriteItems,
// then one TransactWriteItems of the tombstone at its version and the
// receipt.
func (st *Store) Begin(ctx context.Context, t erasure.Tombstone, r erasure.Receipt, gone []string) error {
	for len(gone) > 0 {
		n := min(len(gone), 100)
		items := make([]types.TransactWriteItem, n)
		for i, k := range gone[:n] {
			item := goneKey(k)
			item["erasure"] = dynamo.S(r.ID)
			items[i] = types.TransactWriteItem{Put: &types.Put{TableName: &st.table, Item: item}}
		}
		if _, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
			return fmt.Errorf("eventtable: mark erased: %w", dynamo.Refused(err))
		}
		gone = gone[n:]
	}
	tomb := tombKey(t.PersonHash)
	erasures := make([]types.AttributeValue, len(t.Erasures))
	for i, id := range t.Erasures {
		erasures[i] = dynamo.S(id)
	}
	tomb["erasures"] = &types.AttributeValueMemberL{Value: erasures}
	tomb["version"] = dynamo.N(t.Version + 1)
	put := &types.Put{TableName: &st.table, Item: tomb, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if t.Version > 0 {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": dynamo.N(t.Version)}
	}
	items, err := st.receiptWrites(r)
	if err != nil {
		return err
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append([]types.TransactWriteItem{{Put: put}}, items...)})
	var tce *types.TransactionCanceledException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tce) && dynamo.Reason(tce.CancellationReasons, 0) == dynamo.ConditionFailed:
		return fmt.Errorf("eventtable: tombstone: %w", erasure.ErrConflict)
	}
	return fmt.Errorf("eventtable: record erasure %s: %w", r.ID, dynamo.Refused(err))
}

// Keep implements erasure.Records: one TransactWriteItems of the receipt
// and its pending mark, put or deleted.
func (st *Store) Keep(ctx context.Context, r erasure.Receipt) error {
	items, err := st.receiptWrites(r)
	if err != nil {
		return err
	}
	if _, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return fmt.Errorf("eventtable: keep erasure %s: %w", r.ID, dynamo.Refused(err))
	}
	return nil
}

// receiptWrites put r, and put its pending mark while it is Pending, or
// delete it.
func (st *Store) receiptWrites(r erasure.Receipt) ([]types.TransactWriteItem, error) {
	doc, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("eventtable: erasure %s: %w", r.ID, err)
	}
	item := receiptKey(r.ID)
	item["doc"] = dynamo.S(string(doc))
	pending := types.TransactWriteItem{Delete: &types.Delete{TableName: &st.table, Key: pendingKey(r)}}
	if r.Pending() {
		mark := pendingKey(r)
		mark["erasure"] = dynamo.S(r.ID)
		pending = types.TransactWriteItem{Put: &types.Put{TableName: &st.table, Item: mark}}
	}
	return []types.TransactWriteItem{{Put: &types.Put{TableName: &st.table, Item: item}}, pending}, nil
}

// Receipt implements erasure.Records: one GetItem.
func (st *Store) Receipt(ctx context.Context, id string) (erasure.Receipt, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: receiptKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return erasure.Receipt{}, fmt.Errorf("eventtable: erasure: %w", dynamo.Refused(err))
	}
	if out.Item == nil {
		return erasure.Receipt{}, fmt.Errorf("eventtable: erasure %.40q: %w", id, erasure.ErrNoReceipt)
	}
	var r erasure.Receipt
	if err := json.Unmarshal([]byte(dynamo.Str(out.Item, "doc")), &r); err != nil {
		return r, fmt.Errorf("eventtable: erasure %s: %w", id, err)
	}
	return r, nil
}

// Pending implements erasure.Records: one Query of the pending marks, the
// oldest first, then a GetItem each.
func (st *Store) Pending(ctx context.Context, limit int) ([]erasure.Receipt, error) {
	page, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &st.table, ConsistentRead: aws.Bool(true), Limit: aws.Int32(int32(limit)),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": dynamo.S("ERAPEND")},
	})
	if err != nil {
		return nil, fmt.Errorf("eventtable: pending erasures: %w", dynamo.Refused(err))
	}
	var out []erasure.Receipt
	for _, item := range page.Items {
		r, err := st.Receipt(ctx, dynamo.Str(item, "erasure"))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Gone reports whether any of keys (erasure.Hasher.Gone) marks an erased
// reference: one BatchGetItem.
func (st *Store) Gone(ctx context.Context, keys []string) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	var ks []map[string]types.AttributeValue
	for i, k := range keys {
		if !slices.Contains(keys[:i], k) { // BatchGetItem refuses a key twice
			ks = append(ks, goneKey(k))
		}
	}
	items, err := dynamo.GetBatch(ctx, st.db, st.table, ks)
	if err != nil {
		return false, fmt.Errorf("eventtable: erased references: %w", err)
	}
	return len(items) > 0, nil
}
