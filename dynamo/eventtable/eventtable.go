// Package eventtable keeps the webhooks function's events, TD signs and
// processing records in their own DynamoDB table, whose stream feeds the
// processor.
package eventtable

import (
	"context"
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
//	EV#<event id>       EV    event; one listing index per filter (listing.go)
//	SUBJ#<subject key>  <received at>#<event id>   event_id: an event under one of its
//	                          subjects (subjects.go)
//	TDSIGN#<mac hex>    SIGN  the body hash a TD sign was first used with
//	REC#<kind>#<id>     REC   a processing record, the latest version
//
// Events and signs carry ttl (epoch seconds): DynamoDB removes them after
// their ExpiresAt.
type Store struct {
	db    dynamo.API
	table string
}

var _ webhook.Store = (*Store)(nil)

// New returns the events store over the named table.
func New(db dynamo.API, table string) *Store {
	return &Store{db: db, table: table}
}

func eventKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S("EV#" + id), "sk": dynamo.S("EV")}
}

func eventItem(e webhook.Event) map[string]types.AttributeValue {
	item := eventKey(e.ID)
	received := e.ReceivedAt.UTC().Format(dynamo.TimeLayout)
	for _, l := range listings {
		item[l.key] = dynamo.S(l.value(e.Provider, e.Status, e.Type))
	}
	item[sortKey] = dynamo.S(received + "#" + e.ID)
	item["id"] = dynamo.S(e.ID)
	item["provider"] = dynamo.S(e.Provider)
	item["route"] = dynamo.S(e.Route)
	item["type"] = dynamo.S(e.Type)
	item["dedupe_key"] = dynamo.S(e.DedupeKey)
	item["status"] = dynamo.S(string(e.Status))
	item["received_at"] = dynamo.S(received)
	item["attempts"] = dynamo.N(0)
	item["auth"] = dynamo.S(e.Auth)
	item["hint"] = &types.AttributeValueMemberBOOL{Value: e.Hint}
	if !e.ExpiresAt.IsZero() {
		item["ttl"] = dynamo.N(e.ExpiresAt.Unix())
		item["expires_at"] = dynamo.S(e.ExpiresAt.UTC().Format(dynamo.TimeLayout))
	}
	headers := make(map[string]types.AttributeValue, len(e.Headers))
	for k, v := range e.Headers {
		headers[k] = dynamo.S(v)
	}
	item["headers"] = &types.AttributeValueMemberM{Value: headers}
	if len(e.Body) > 0 { // a DROPPED event keeps none, and DynamoDB takes no empty B
		item["body"] = &types.AttributeValueMemberB{Value: e.Body}
	}
	if len(e.Subjects) > 0 {
		subjects := make([]types.AttributeValue, len(e.Subjects))
		for i, k := range e.Subjects {
			subjects[i] = dynamo.S(k)
		}
		item["subjects"] = &types.AttributeValueMemberL{Value: subjects}
	}
	return item
}

// parseEvent reads an event item, as the table and its stream hold it, or
// as a listing index projects it (without its auth, headers and body).
func parseEvent(item map[string]types.AttributeValue) (webhook.Event, error) {
	e := webhook.Event{
		ID: dynamo.Str(item, "id"), Provider: dynamo.Str(item, "provider"), Route: dynamo.Str(item, "route"),
		Type: dynamo.Str(item, "type"), DedupeKey: dynamo.Str(item, "dedupe_key"), Status: webhook.Status(dynamo.Str(item, "status")),
		LastError: dynamo.Str(item, "last_error"), Note: dynamo.Str(item, "note"), Auth: dynamo.Str(item, "auth"),
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
	if at := dynamo.Str(item, "expires_at"); at != "" {
		if e.ExpiresAt, err = time.Parse(dynamo.TimeLayout, at); err != nil {
			return e, fmt.Errorf("eventtable: event %s: %w", e.ID, err)
		}
	}
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
	e.Subjects = subjectsOf(item)
	return e, nil
}

// subjectsOf reads an event item's subject keys.
func subjectsOf(item map[string]types.AttributeValue) []string {
	var out []string
	if l, ok := item["subjects"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			if k, ok := v.(*types.AttributeValueMemberS); ok {
				out = append(out, k.Value)
			}
		}
	}
	return out
}

// Receive implements webhook.Store: one PutItem, or with a TD sign one
// TransactWriteItems of the event and the sign.
func (st *Store) Receive(ctx context.Context, e webhook.Event, sign *webhook.SignUse) (bool, error) {
	if err := webhook.CheckEvent(e); err != nil {
		return false, fmt.Errorf("eventtable: receive: %w", err)
	}
	put := &types.Put{TableName: &st.table, Item: eventItem(e), ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if sign == nil && len(e.Subjects) > 0 {
		// The event and the items that find it under its subjects, together.
		items := append([]types.TransactWriteItem{{Put: put}}, subjectPuts(&st.table, e)...)
		_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		var tce *types.TransactionCanceledException
		switch {
		case err == nil:
			return false, nil
		case errors.As(err, &tce) && dynamo.Reason(tce.CancellationReasons, 0) == dynamo.ConditionFailed:
			return true, nil
		case errors.As(err, &tce):
			return false, fmt.Errorf("eventtable: receive %s: cancelled: %s", e.ID, dynamo.Describe(tce.CancellationReasons))
		}
		return false, fmt.Errorf("eventtable: receive %s: %w", e.ID, dynamo.Refused(err))
	}
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
			"body_hash": &types.AttributeValueMemberB{Value: sign.BodyHash[:]}, "ttl": dynamo.N(e.ExpiresAt.Unix()),
		},
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR body_hash = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": &types.AttributeValueMemberB{Value: sign.BodyHash[:]}},
	}
	items := append([]types.TransactWriteItem{{Put: put}, {Put: signPut}}, subjectPuts(&st.table, e)...)
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
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
	// too, with a second write, so that its URL takes no other body. A sign
	// already bound is left as it is (its ttl too): a write that changes
	// nothing adds no record to the table's stream.
	_, err = st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: signPut.TableName, Key: map[string]types.AttributeValue{"pk": signPut.Item["pk"], "sk": signPut.Item["sk"]},
		UpdateExpression:         aws.String("SET event_id = if_not_exists(event_id, :e), body_hash = :h, #ttl = if_not_exists(#ttl, :t)"),
		ConditionExpression:      signPut.ConditionExpression,
		ExpressionAttributeNames: map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":h": signPut.ExpressionAttributeValues[":h"], ":e": signPut.Item["event_id"], ":t": signPut.Item["ttl"],
		},
	})
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
	if !webhook.ValidID(id) {
		// No such event can exist, and DynamoDB would refuse the key.
		return webhook.Event{}, fmt.Errorf("eventtable: event: %w", webhook.ErrNotFound)
	}
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: eventKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return webhook.Event{}, fmt.Errorf("eventtable: event %s: %w", id, dynamo.Refused(err))
	}
	if out.Item == nil {
		return webhook.Event{}, fmt.Errorf("eventtable: event %s: %w", id, webhook.ErrNotFound)
	}
	return parseEvent(out.Item)
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

// Inserted reads the event a change of the table's stream inserted: ok is
// false for any other change (a modification, a TD sign, a processing
// record), which the processor has nothing to do with.
func Inserted(c serve.Change) (e webhook.Event, ok bool, err error) {
	if c.Name != "INSERT" || !strings.HasPrefix(dynamo.Str(c.NewImage, "pk"), "EV#") {
		return webhook.Event{}, false, nil
	}
	e, err = parseEvent(c.NewImage)
	if err != nil {
		return webhook.Event{}, false, fmt.Errorf("eventtable: stream record %s: %w", c.Sequence, err)
	}
	return e, true, nil
}
