package ledgertable

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// ttlMargin keeps an expired record around a little longer than it counts, so
// that DynamoDB's deletion never races a condition that still reads it.
const ttlMargin = time.Hour

func userPK(user string) string { return "U#" + user }

func recordKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S("I#" + key), "sk": dynamo.S("I")}
}

func recordItem(r idempotency.Record) map[string]types.AttributeValue {
	item := recordKey(r.Key)
	item["fp"] = &types.AttributeValueMemberB{Value: r.Fingerprint[:]}
	item["status"] = dynamo.N(int64(r.Status))
	item["created_at"] = dynamo.Millis(r.CreatedAt)
	item["expires_at"] = dynamo.Millis(r.ExpiresAt)
	item["ttl"] = dynamo.N(r.ExpiresAt.Add(ttlMargin).Unix())
	if len(r.Body) > 0 {
		item["body"] = &types.AttributeValueMemberB{Value: r.Body}
	}
	return item
}

func parseRecord(item map[string]types.AttributeValue) (idempotency.Record, error) {
	var r idempotency.Record
	key := dynamo.Str(item, "pk")
	if len(key) < 2 {
		return r, fmt.Errorf("bad key %q", key)
	}
	r.Key = key[2:]
	fp, _ := item["fp"].(*types.AttributeValueMemberB)
	if fp == nil || copy(r.Fingerprint[:], fp.Value) != len(r.Fingerprint) {
		return r, fmt.Errorf("record %q: bad fingerprint", r.Key)
	}
	status, err := dynamo.Num(item, "status")
	if err != nil {
		return r, err
	}
	r.Status = int(status)
	if b, ok := item["body"].(*types.AttributeValueMemberB); ok {
		r.Body = b.Value
	}
	created, err := dynamo.Num(item, "created_at")
	if err != nil {
		return r, err
	}
	expires, err := dynamo.Num(item, "expires_at")
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.ExpiresAt = time.UnixMilli(created), time.UnixMilli(expires)
	return r, nil
}

// layout gives the positions of a posting's items in the transaction; zero
// means absent (position 0 is always the idempotency record).
type layout struct{ entry, balance, original int }

func layoutOf(p ledger.Posting) layout {
	l := layout{entry: 1}
	next := 2
	if p.Entry.Amount != 0 {
		l.balance, next = next, next+1
	}
	if p.Reverses != nil {
		l.original = next
	}
	return l
}

// postingItems returns the entry put, the balance update (when money moves)
// and the original's draw-down (for reversals), in the order of layoutOf.
func (st *Store) postingItems(p ledger.Posting) []types.TransactWriteItem {
	e := p.Entry
	pk := userPK(e.UserID)
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:           &st.table,
		Item:                entryItem(e),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}}
	if e.Amount != 0 {
		u := &types.Update{
			TableName:        &st.table,
			Key:              map[string]types.AttributeValue{"pk": dynamo.S(pk), "sk": dynamo.S("B#" + e.Currency)},
			UpdateExpression: aws.String("SET currency = :cur ADD available :delta"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":cur":   dynamo.S(e.Currency),
				":delta": dynamo.N(e.Amount),
			},
		}
		switch {
		case p.RequireFunds:
			u.ConditionExpression = aws.String("available >= :need")
			u.ExpressionAttributeValues[":need"] = dynamo.N(-e.Amount)
		case e.Amount > 0:
			// A missing balance is zero, and |amount| <= MaxBalance.
			u.ConditionExpression = aws.String("attribute_not_exists(available) OR available <= :ceiling")
			u.ExpressionAttributeValues[":ceiling"] = dynamo.N(ledger.MaxBalance - e.Amount)
		default:
			u.ConditionExpression = aws.String("attribute_not_exists(available) OR available >= :floor")
			u.ExpressionAttributeValues[":floor"] = dynamo.N(-ledger.MaxBalance - e.Amount)
		}
		items = append(items, types.TransactWriteItem{Update: u})
	}
	if r := p.Reverses; r != nil {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:           &st.table,
			Key:                 map[string]types.AttributeValue{"pk": dynamo.S(pk), "sk": dynamo.S("E#" + ledger.EntryKey(ledger.ClassAuthorization, r.OriginalID))},
			UpdateExpression:    aws.String("SET reversible = reversible - :amt"),
			ConditionExpression: aws.String("attribute_exists(pk) AND kind = :kind AND currency = :cur AND reversible >= :amt"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":amt":  dynamo.N(r.Amount),
				":kind": dynamo.S(r.OriginalKind),
				":cur":  dynamo.S(e.Currency),
			},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	return items
}

// dynamo.TimeLayout sorts lexically in time order.

func entryItem(e ledger.Entry) map[string]types.AttributeValue {
	created := e.CreatedAt.UTC().Format(dynamo.TimeLayout)
	item := map[string]types.AttributeValue{
		"pk":         dynamo.S(userPK(e.UserID)),
		"sk":         dynamo.S("E#" + e.Key()),
		"gsi1pk":     dynamo.S(userPK(e.UserID)),
		"gsi1sk":     dynamo.S(created + "#" + e.Key()),
		"user_id":    dynamo.S(e.UserID),
		"currency":   dynamo.S(e.Currency),
		"txn_id":     dynamo.S(e.TransactionID),
		"class":      dynamo.S(string(e.Class)),
		"kind":       dynamo.S(e.Kind),
		"amount":     dynamo.N(e.Amount),
		"status":     dynamo.S(string(e.Status)),
		"reversible": dynamo.N(e.Reversible),
		"created_at": dynamo.S(created),
	}
	if e.Original != "" {
		item["original"] = dynamo.S(e.Original)
	}
	if e.Ref != "" {
		item["ref"] = dynamo.S(e.Ref)
	}
	if e.Class.FromPomelo() {
		item["day_pk"] = dynamo.S(hourKey(e.CreatedAt))
		item["day_sk"] = dynamo.S(created)
	}
	return item
}

// hourKey is the partition of the index by hour that t falls in: one
// partition an hour (of UTC) spreads a day's writes over 24, and any
// zone's day is a range of them.
func hourKey(t time.Time) string { return "H#" + t.UTC().Format("2006-01-02T15") }

func parseEntry(item map[string]types.AttributeValue) (ledger.Entry, error) {
	e := ledger.Entry{
		UserID:        dynamo.Str(item, "user_id"),
		Currency:      dynamo.Str(item, "currency"),
		TransactionID: dynamo.Str(item, "txn_id"),
		Class:         ledger.Class(dynamo.Str(item, "class")),
		Kind:          dynamo.Str(item, "kind"),
		Status:        ledger.Status(dynamo.Str(item, "status")),
		Original:      dynamo.Str(item, "original"),
		Ref:           dynamo.Str(item, "ref"),
	}
	var err error
	if e.Amount, err = dynamo.Num(item, "amount"); err != nil {
		return e, err
	}
	if e.Reversible, err = dynamo.Num(item, "reversible"); err != nil {
		return e, err
	}
	if e.CreatedAt, err = time.Parse(dynamo.TimeLayout, dynamo.Str(item, "created_at")); err != nil {
		return e, err
	}
	return e, nil
}
