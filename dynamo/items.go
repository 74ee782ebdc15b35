package dynamo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
)

// ttlMargin keeps an expired record around a little longer than it counts, so
// that DynamoDB's deletion never races a condition that still reads it.
const ttlMargin = time.Hour

func userPK(user string) string { return "U#" + user }

func recordKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s("I#" + key), "sk": s("I")}
}

func recordItem(r idempotency.Record) map[string]types.AttributeValue {
	item := recordKey(r.Key)
	item["fp"] = &types.AttributeValueMemberB{Value: r.Fingerprint[:]}
	item["status"] = n(int64(r.Status))
	item["created_at"] = millis(r.CreatedAt)
	item["expires_at"] = millis(r.ExpiresAt)
	item["ttl"] = n(r.ExpiresAt.Add(ttlMargin).Unix())
	if len(r.Body) > 0 {
		item["body"] = &types.AttributeValueMemberB{Value: r.Body}
	}
	return item
}

func parseRecord(item map[string]types.AttributeValue) (idempotency.Record, error) {
	var r idempotency.Record
	key := str(item, "pk")
	if len(key) < 2 {
		return r, fmt.Errorf("bad key %q", key)
	}
	r.Key = key[2:]
	fp, _ := item["fp"].(*types.AttributeValueMemberB)
	if fp == nil || copy(r.Fingerprint[:], fp.Value) != len(r.Fingerprint) {
		return r, fmt.Errorf("record %q: bad fingerprint", r.Key)
	}
	status, err := num(item, "status")
	if err != nil {
		return r, err
	}
	r.Status = int(status)
	if b, ok := item["body"].(*types.AttributeValueMemberB); ok {
		r.Body = b.Value
	}
	created, err := num(item, "created_at")
	if err != nil {
		return r, err
	}
	expires, err := num(item, "expires_at")
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
			Key:              map[string]types.AttributeValue{"pk": s(pk), "sk": s("B#" + e.Currency)},
			UpdateExpression: aws.String("SET currency = :cur ADD available :delta"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":cur":   s(e.Currency),
				":delta": n(e.Amount),
			},
		}
		switch {
		case p.RequireFunds:
			u.ConditionExpression = aws.String("available >= :need")
			u.ExpressionAttributeValues[":need"] = n(-e.Amount)
		case e.Amount > 0:
			// A missing balance is zero, and |amount| <= MaxBalance.
			u.ConditionExpression = aws.String("attribute_not_exists(available) OR available <= :ceiling")
			u.ExpressionAttributeValues[":ceiling"] = n(ledger.MaxBalance - e.Amount)
		default:
			u.ConditionExpression = aws.String("attribute_not_exists(available) OR available >= :floor")
			u.ExpressionAttributeValues[":floor"] = n(-ledger.MaxBalance - e.Amount)
		}
		items = append(items, types.TransactWriteItem{Update: u})
	}
	if r := p.Reverses; r != nil {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:           &st.table,
			Key:                 map[string]types.AttributeValue{"pk": s(pk), "sk": s("E#" + ledger.EntryKey(ledger.ClassAuthorization, r.OriginalID))},
			UpdateExpression:    aws.String("SET reversible = reversible - :amt"),
			ConditionExpression: aws.String("attribute_exists(pk) AND kind = :kind AND currency = :cur AND reversible >= :amt"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":amt":  n(r.Amount),
				":kind": s(r.OriginalKind),
				":cur":  s(e.Currency),
			},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	return items
}

// timeLayout sorts lexically in time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func entryItem(e ledger.Entry) map[string]types.AttributeValue {
	created := e.CreatedAt.UTC().Format(timeLayout)
	item := map[string]types.AttributeValue{
		"pk":         s(userPK(e.UserID)),
		"sk":         s("E#" + e.Key()),
		"gsi1pk":     s(userPK(e.UserID)),
		"gsi1sk":     s(created + "#" + e.Key()),
		"user_id":    s(e.UserID),
		"currency":   s(e.Currency),
		"txn_id":     s(e.TransactionID),
		"class":      s(string(e.Class)),
		"kind":       s(e.Kind),
		"amount":     n(e.Amount),
		"status":     s(string(e.Status)),
		"reversible": n(e.Reversible),
		"created_at": s(created),
	}
	if e.Original != "" {
		item["original"] = s(e.Original)
	}
	return item
}

func parseEntry(item map[string]types.AttributeValue) (ledger.Entry, error) {
	e := ledger.Entry{
		UserID:        str(item, "user_id"),
		Currency:      str(item, "currency"),
		TransactionID: str(item, "txn_id"),
		Class:         ledger.Class(str(item, "class")),
		Kind:          str(item, "kind"),
		Status:        ledger.Status(str(item, "status")),
		Original:      str(item, "original"),
	}
	var err error
	if e.Amount, err = num(item, "amount"); err != nil {
		return e, err
	}
	if e.Reversible, err = num(item, "reversible"); err != nil {
		return e, err
	}
	if e.CreatedAt, err = time.Parse(timeLayout, str(item, "created_at")); err != nil {
		return e, err
	}
	return e, nil
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func millis(t time.Time) types.AttributeValue { return n(t.UnixMilli()) }

func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func num(item map[string]types.AttributeValue, name string) (int64, error) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("attribute %s is missing or not a number", name)
	}
	x, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", name, err)
	}
	return x, nil
}
