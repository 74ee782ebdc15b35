package ledgertable

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// entriesIndex orders a user's entries by time.
const entriesIndex = "entries_by_time"

// Statement returns one page of the user's balances and entries, newest
// first: one Query for the balances and one on the time index for the
// entries. It fails with ledger.ErrCursor for a cursor it did not issue.
func (st *Store) Statement(ctx context.Context, userID, cursor string, limit int) (ledger.Statement, error) {
	if err := storable.CheckID("user id", userID); err != nil {
		return ledger.Statement{}, fmt.Errorf("ledgertable: statement: %w", err)
	}
	pk := userPK(userID)
	start, err := decodeCursor(cursor, pk)
	if err != nil {
		return ledger.Statement{}, err
	}
	out := ledger.Statement{UserID: userID}
	bal, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &st.table,
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :b)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": dynamo.S(pk), ":b": dynamo.S("B#"),
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return out, fmt.Errorf("ledgertable: balances: %w", dynamo.Refused(err))
	}
	for _, item := range bal.Items {
		v, err := dynamo.Num(item, "available")
		if err != nil {
			return out, fmt.Errorf("ledgertable: balance: %w", err)
		}
		out.Balances = append(out.Balances, ledger.Balance{Currency: dynamo.Str(item, "currency"), Available: v})
	}
	page, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &st.table,
		IndexName:                 aws.String(entriesIndex),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamo.S(pk)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
		ExclusiveStartKey:         start,
	})
	if err != nil {
		return out, fmt.Errorf("ledgertable: entries: %w", dynamo.Refused(err))
	}
	for _, item := range page.Items {
		e, err := parseEntry(item)
		if err != nil {
			return out, fmt.Errorf("ledgertable: entry: %w", err)
		}
		out.Entries = append(out.Entries, e)
	}
	if len(page.LastEvaluatedKey) > 0 {
		out.Next = encodeCursor(page.LastEvaluatedKey)
	}
	return out, nil
}

// A cursor is the index's LastEvaluatedKey: four strings, as base64url JSON.
var cursorAttrs = [...]string{"pk", "sk", "gsi1pk", "gsi1sk"}

func encodeCursor(key map[string]types.AttributeValue) string {
	m := make(map[string]string, len(cursorAttrs))
	for _, a := range cursorAttrs {
		m[a] = dynamo.Str(key, a)
	}
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c, pk string) (map[string]types.AttributeValue, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var m map[string]string
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || len(m) != len(cursorAttrs) || !validCursor(m, pk) {
		return nil, fmt.Errorf("%w: %q", ledger.ErrCursor, c)
	}
	key := make(map[string]types.AttributeValue, len(cursorAttrs))
	for _, a := range cursorAttrs {
		key[a] = dynamo.S(m[a])
	}
	return key, nil
}

// validCursor reports whether m is the key of an entry of the user whose
// partition is pk, as entryItem writes it: a cursor only ever continues the
// listing of the user it was issued for, and a forged one never reaches
// DynamoDB, which would refuse a malformed key as invalid.
func validCursor(m map[string]string, pk string) bool {
	if m["pk"] != pk || m["gsi1pk"] != pk {
		return false
	}
	key, ok := strings.CutPrefix(m["sk"], "E#")
	if !ok {
		return false
	}
	class, txn, ok := strings.Cut(key, "#")
	switch ledger.Class(class) {
	case ledger.ClassAuthorization, ledger.ClassAdjustmentDebit, ledger.ClassAdjustmentCredit:
	case ledger.ClassSettlement:
		// A reconciliation posting's key holds its ref before the
		// transaction id (Entry.Key): a ref holds no '#'.
		var ref string
		ref, txn, ok = strings.Cut(txn, "#")
		if ref == "" || len(ref) > ledger.MaxRef {
			return false
		}
	default:
		return false
	}
	if !ok || txn == "" || storable.CheckID("transaction id", txn) != nil {
		return false
	}
	created, rest, ok := strings.Cut(m["gsi1sk"], "#")
	if _, err := time.Parse(dynamo.TimeLayout, created); err != nil || !ok || rest != key {
		return false
	}
	return true
}
