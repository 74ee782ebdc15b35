// Package eventtable keeps the webhooks function's events, TD signs and
// processing records in their own DynamoDB table, whose stream feeds the
// processor.
package eventtable

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/text"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// Store is the events' DynamoDB store. Layout of the table:
//
//	EV#<event id>       EV    event; gsi1pk "EV" and gsi1sk "<received at>#<id>" order them by time
//	TDSIGN#<sign>       SIGN  the body hash a TD sign was first used with
//	REC#<kind>#<id>     REC   a processing record, the latest version
type Store struct {
	db    dynamo.API
	table string
}

var _ webhook.Store = (*Store)(nil)

// New returns the events store over the named table.
func New(db dynamo.API, table string) *Store {
	return &Store{db: db, table: table}
}

// eventsIndex orders events by the time they were received.
const eventsIndex = "events_by_time"

func eventKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S("EV#" + id), "sk": dynamo.S("EV")}
}

func eventItem(e webhook.Event) map[string]types.AttributeValue {
	item := eventKey(e.ID)
	received := e.ReceivedAt.UTC().Format(dynamo.TimeLayout)
	item["gsi1pk"] = dynamo.S("EV")
	item["gsi1sk"] = dynamo.S(received + "#" + e.ID)
	item["id"] = dynamo.S(e.ID)
	item["provider"] = dynamo.S(string(e.Provider))
	item["route"] = dynamo.S(string(e.Route))
	item["type"] = dynamo.S(e.Type)
	item["dedupe_key"] = dynamo.S(e.DedupeKey)
	item["status"] = dynamo.S(string(e.Status))
	item["received_at"] = dynamo.S(received)
	item["attempts"] = dynamo.N(0)
	item["auth"] = dynamo.S(e.Auth)
	item["hint"] = &types.AttributeValueMemberBOOL{Value: e.Hint}
	headers := make(map[string]types.AttributeValue, len(e.Headers))
	for k, v := range e.Headers {
		headers[k] = dynamo.S(v)
	}
	item["headers"] = &types.AttributeValueMemberM{Value: headers}
	item["body"] = &types.AttributeValueMemberB{Value: e.Body}
	return item
}

// ParseEvent reads an event item, as the table and its stream hold it.
func ParseEvent(item map[string]types.AttributeValue) (webhook.Event, error) {
	e := webhook.Event{
		ID: dynamo.Str(item, "id"), Provider: dynamo.Str(item, "provider"), Route: dynamo.Str(item, "route"),
		Type: dynamo.Str(item, "type"), DedupeKey: dynamo.Str(item, "dedupe_key"), Status: webhook.Status(dynamo.Str(item, "status")),
		LastError: dynamo.Str(item, "last_error"), Auth: dynamo.Str(item, "auth"),
	}
	if e.ID == "" {
		return e, errors.New("eventtable: event item without id")
	}
	var err error
	if e.ReceivedAt, err = time.Parse(dynamo.TimeLayout, dynamo.Str(item, "received_at")); err != nil {
		return e, fmt.Errorf("eventtable: event %s: %w", e.ID, err)
	}
	attempts, err := dynamo.Num(item, "attempts")
	if err != nil {
		return e, fmt.Errorf("eventtable: event %s: %w", e.ID, err)
	}
	e.Attempts = int(attempts)
	if h, ok := item["hint"].(*types.AttributeValueMemberBOOL); ok {
		e.Hint = h.Value
	}
	if m, ok := item["headers"].(*types.AttributeValueMemberM); ok {
		e.Headers = make(map[string]string, len(m.Value))
		for k := range m.Value {
			e.Headers[k] = dynamo.Str(m.Value, k)
		}
	}
	if b, ok := item["body"].(*types.AttributeValueMemberB); ok {
		e.Body = b.Value
	}
	return e, nil
}

// Receive implements webhook.Store: one PutItem, or with a TD sign one
// TransactWriteItems of the event and the sign.
func (st *Store) Receive(ctx context.Context, e webhook.Event, sign *webhook.SignUse) (bool, error) {
	if err := webhook.CheckEvent(e); err != nil {
		return false, fmt.Errorf("eventtable: receive: %w", err)
	}
	put := &types.Put{TableName: &st.table, Item: eventItem(e), ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if sign == nil {
		_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression})
		var ccf *types.ConditionalCheckFailedException
		switch {
		case errors.As(err, &ccf):
			return true, nil
		case err != nil:
			return false, fmt.Errorf("eventtable: receive %s: %w", e.ID, dynamo.Refused(err))
		}
		return false, nil
	}
	signPut := &types.Put{
		TableName: &st.table,
		Item: map[string]types.AttributeValue{
			"pk": dynamo.S(signPK(sign.Sign)), "sk": dynamo.S("SIGN"), "event_id": dynamo.S(e.ID),
			"body_hash": &types.AttributeValueMemberB{Value: sign.BodyHash[:]},
		},
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR body_hash = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": &types.AttributeValueMemberB{Value: sign.BodyHash[:]}},
	}
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Put: put}, {Put: signPut}}})
	var tce *types.TransactionCanceledException
	switch {
	case err == nil:
		return false, nil
	case !errors.As(err, &tce):
		return false, fmt.Errorf("eventtable: receive %s: %w", e.ID, dynamo.Refused(err))
	case dynamo.Reason(tce.CancellationReasons, 1) == dynamo.ConditionFailed:
		return false, fmt.Errorf("eventtable: receive %s: %w", e.ID, webhook.ErrSignReused)
	case dynamo.Reason(tce.CancellationReasons, 0) != dynamo.ConditionFailed:
		return false, fmt.Errorf("eventtable: receive %s: cancelled: %s", e.ID, dynamo.Describe(tce.CancellationReasons))
	}
	// A duplicate: TD's retry, re-signed. Its sign is bound to the body
	// too, with a second write, so that its URL takes no other body.
	_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: signPut.TableName, Item: signPut.Item,
		ConditionExpression: signPut.ConditionExpression, ExpressionAttributeValues: signPut.ExpressionAttributeValues})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return false, fmt.Errorf("eventtable: receive %s: %w", e.ID, webhook.ErrSignReused)
	case err != nil:
		return false, fmt.Errorf("eventtable: receive %s: bind the sign: %w", e.ID, dynamo.Refused(err))
	}
	return true, nil
}

// signPK keys a TD sign by the lower hex of its MAC, so that every spelling
// of one MAC is one item.
func signPK(mac []byte) string { return "TDSIGN#" + string(text.AppendHex(nil, mac)) }

// Event implements webhook.Store.
func (st *Store) Event(ctx context.Context, id string) (webhook.Event, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: eventKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return webhook.Event{}, fmt.Errorf("eventtable: event %s: %w", id, dynamo.Refused(err))
	}
	if out.Item == nil {
		return webhook.Event{}, fmt.Errorf("eventtable: event %s: %w", id, webhook.ErrNotFound)
	}
	return ParseEvent(out.Item)
}

// Events implements webhook.Store: Queries on the time index, newest first,
// filtered by DynamoDB, until limit+1 events match (so that the cursor of
// the last page is empty) or the index ends.
func (st *Store) Events(ctx context.Context, f webhook.Filter, cursor string, limit int) ([]webhook.Event, string, error) {
	start, err := decodeEventCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	in := &dynamodb.QueryInput{
		TableName:                 &st.table,
		IndexName:                 aws.String(eventsIndex),
		KeyConditionExpression:    aws.String("gsi1pk = :ev"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":ev": dynamo.S("EV")},
		ScanIndexForward:          aws.Bool(false),
		ExclusiveStartKey:         start,
		Limit:                     aws.Int32(int32(limit + 1)),
	}
	var conds []string
	names := map[string]string{}
	for name, v := range map[string]string{"provider": string(f.Provider), "status": string(f.Status), "type": f.Type} {
		if v != "" {
			conds = append(conds, "#"+name+" = :"+name)
			names["#"+name] = name
			in.ExpressionAttributeValues[":"+name] = dynamo.S(v)
		}
	}
	if len(conds) > 0 {
		in.FilterExpression = aws.String(strings.Join(conds, " AND "))
		in.ExpressionAttributeNames = names
	}
	var out []webhook.Event
	for {
		page, err := st.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("eventtable: events: %w", dynamo.Refused(err))
		}
		for _, item := range page.Items {
			e, err := ParseEvent(item)
			if err != nil {
				return nil, "", err
			}
			if len(out) == limit {
				return out, encodeEventCursor(out[limit-1]), nil
			}
			out = append(out, e)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// An events cursor is the id and receipt time of the last event of a page,
// as base64url JSON; the index key is rebuilt from them.
type eventCursor struct {
	ID         string `json:"id"`
	ReceivedAt string `json:"received_at"`
}

func encodeEventCursor(e webhook.Event) string {
	b, _ := json.Marshal(eventCursor{ID: e.ID, ReceivedAt: e.ReceivedAt.UTC().Format(dynamo.TimeLayout)})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeEventCursor(c string) (map[string]types.AttributeValue, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var ec eventCursor
	if err == nil {
		err = json.Unmarshal(b, &ec)
	}
	if err == nil {
		_, err = time.Parse(dynamo.TimeLayout, ec.ReceivedAt)
	}
	if err != nil || !webhook.ValidID(ec.ID) {
		return nil, fmt.Errorf("eventtable: events cursor %q: %w", c, webhook.ErrCursor)
	}
	key := eventKey(ec.ID)
	key["gsi1pk"] = dynamo.S("EV")
	key["gsi1sk"] = dynamo.S(ec.ReceivedAt + "#" + ec.ID)
	return key, nil
}

// validEventID reports whether id has the shape of webhook.IDOf's ids.

// Attempted implements webhook.Store: one UpdateItem, or with a record one
// TransactWriteItems of the event's update and the record's put; when a
// later version of the record is kept, the update goes alone.
func (st *Store) Attempted(ctx context.Context, id string, set webhook.Attempt) error {
	if set.Record != nil {
		if err := webhook.CheckRecord(*set.Record); err != nil {
			return fmt.Errorf("eventtable: settle %s: %w", id, err)
		}
	}
	update := &types.Update{
		TableName:                &st.table,
		Key:                      eventKey(id),
		UpdateExpression:         aws.String("SET #status = :s, last_error = :e ADD attempts :one"),
		ConditionExpression:      aws.String("attribute_exists(pk) AND #status <> :processed"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": dynamo.S(string(set.Status)), ":e": dynamo.S(set.Error), ":one": dynamo.N(1), ":processed": dynamo.S(string(webhook.Processed)),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if set.Error == "" {
		update.UpdateExpression = aws.String("SET #status = :s REMOVE last_error ADD attempts :one")
		delete(update.ExpressionAttributeValues, ":e")
	}
	if r := set.Record; r != nil {
		version := r.Version.UTC().Format(dynamo.TimeLayout)
		_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Update: update},
			{Put: &types.Put{
				TableName: &st.table,
				Item: map[string]types.AttributeValue{
					"pk": dynamo.S("REC#" + r.Kind + "#" + r.ID), "sk": dynamo.S("REC"), "kind": dynamo.S(r.Kind), "id": dynamo.S(r.ID),
					"version": dynamo.S(version), "event_id": dynamo.S(id), "data": &types.AttributeValueMemberB{Value: r.Data},
				},
				ConditionExpression:       aws.String("attribute_not_exists(pk) OR version <= :v"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": dynamo.S(version)},
			}},
		}})
		var tce *types.TransactionCanceledException
		switch {
		case err == nil:
			return nil
		case !errors.As(err, &tce):
			return fmt.Errorf("eventtable: settle %s: %w", id, dynamo.Refused(err))
		case dynamo.Reason(tce.CancellationReasons, 0) == dynamo.ConditionFailed:
			return settleRefusal(id, tce.CancellationReasons[0].Item)
		case dynamo.Reason(tce.CancellationReasons, 1) != dynamo.ConditionFailed:
			return fmt.Errorf("eventtable: settle %s: cancelled: %s", id, dynamo.Describe(tce.CancellationReasons))
		}
		// A later version is kept: settle the event alone.
	}
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: update.TableName, Key: update.Key, UpdateExpression: update.UpdateExpression,
		ConditionExpression: update.ConditionExpression, ExpressionAttributeNames: update.ExpressionAttributeNames,
		ExpressionAttributeValues: update.ExpressionAttributeValues, ReturnValuesOnConditionCheckFailure: update.ReturnValuesOnConditionCheckFailure,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return settleRefusal(id, ccf.Item)
	case err != nil:
		return fmt.Errorf("eventtable: settle %s: %w", id, dynamo.Refused(err))
	}
	return nil
}

// settleRefusal says why an event's update was refused, from the event as
// the refusal returned it.
func settleRefusal(id string, item map[string]types.AttributeValue) error {
	if item == nil {
		return fmt.Errorf("eventtable: settle %s: %w", id, webhook.ErrNotFound)
	}
	return fmt.Errorf("eventtable: settle %s: %w", id, webhook.ErrProcessed)
}

// Record implements webhook.Store.
func (st *Store) Record(ctx context.Context, kind, id string) (inbound.Record, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &st.table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": dynamo.S("REC#" + kind + "#" + id), "sk": dynamo.S("REC")},
	})
	if err != nil {
		return inbound.Record{}, fmt.Errorf("eventtable: record %s: %w", kind, dynamo.Refused(err))
	}
	if out.Item == nil {
		return inbound.Record{}, fmt.Errorf("eventtable: record %s %q: %w", kind, id, webhook.ErrNotFound)
	}
	r := inbound.Record{Kind: dynamo.Str(out.Item, "kind"), ID: dynamo.Str(out.Item, "id"), EventID: dynamo.Str(out.Item, "event_id")}
	if r.Version, err = time.Parse(dynamo.TimeLayout, dynamo.Str(out.Item, "version")); err != nil {
		return r, fmt.Errorf("eventtable: record %s: %w", kind, err)
	}
	if b, ok := out.Item["data"].(*types.AttributeValueMemberB); ok {
		r.Data = b.Value
	}
	return r, nil
}

// Create creates the events table with the layout of template.yaml, its
// stream of new images included, when it does not exist yet (DynamoDB
// Local).
func Create(ctx context.Context, db dynamo.TableAPI, table string) error {
	return dynamo.Create(ctx, db, dynamo.Table{
		Name: table, Stream: true,
		Indexes: []dynamo.Index{{Name: eventsIndex, PK: "gsi1pk", SK: "gsi1sk"}},
	})
}

// Inserted reads the event a change of the table's stream inserted: ok is
// false for any other change (a modification, a TD sign, a processing
// record), which the processor has nothing to do with.
func Inserted(c serve.Change) (e webhook.Event, ok bool, err error) {
	if c.Name != "INSERT" || !strings.HasPrefix(dynamo.Str(c.NewImage, "pk"), "EV#") {
		return webhook.Event{}, false, nil
	}
	e, err = ParseEvent(c.NewImage)
	if err != nil {
		return webhook.Event{}, false, fmt.Errorf("eventtable: stream record %s: %w", c.Sequence, err)
	}
	return e, true, nil
}
