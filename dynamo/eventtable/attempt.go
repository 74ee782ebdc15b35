package eventtable

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// Attempted implements webhook.Store: one UpdateItem (the status, the
// listings keyed by it, the attempts), or with a record one
// TransactWriteItems of the event's update and the record's put; when a
// later version of the record is kept, the update goes alone.
func (st *Store) Attempted(ctx context.Context, e webhook.Event, set webhook.Attempt) error {
	id := e.ID
	if set.Record != nil {
		if err := webhook.CheckRecord(*set.Record); err != nil {
			return fmt.Errorf("eventtable: attempt on %s: %w", id, err)
		}
	}
	values := map[string]types.AttributeValue{
		":s": dynamo.S(string(set.Status)), ":one": dynamo.N(1), ":processed": dynamo.S(string(webhook.Processed)),
		":p": dynamo.S(e.Provider), ":t": dynamo.S(e.Type),
	}
	names := map[string]string{"#status": "status", "#type": "type"}
	sets := []string{"#status = :s"}
	for _, l := range listings {
		if l.status {
			sets = append(sets, l.key+" = :"+l.key)
			values[":"+l.key] = dynamo.S(l.value(e.Provider, set.Status, e.Type))
		}
	}
	expr := "SET " + strings.Join(sets, ", ")
	var removes []string
	for _, attr := range []struct{ name, value string }{{"last_error", set.Error}, {"note", set.Note}} {
		if attr.value == "" {
			removes = append(removes, attr.name)
			continue
		}
		expr += ", " + attr.name + " = :" + attr.name
		values[":"+attr.name] = dynamo.S(attr.value)
	}
	expr += " REMOVE " + strings.Join(removes, ", ") + " ADD attempts :one"
	update := &types.Update{
		TableName:        &st.table,
		Key:              eventKey(id),
		UpdateExpression: aws.String(expr),
		// The listings' keys are built from the event's provider and
		// type: they must be the kept ones.
		ConditionExpression:                 aws.String("attribute_exists(pk) AND #status <> :processed AND provider = :p AND #type = :t"),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
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
			return fmt.Errorf("eventtable: attempt on %s: %w", id, dynamo.Refused(err))
		case dynamo.Reason(tce.CancellationReasons, 0) == dynamo.ConditionFailed:
			return refusal(e, tce.CancellationReasons[0].Item)
		case dynamo.Reason(tce.CancellationReasons, 1) != dynamo.ConditionFailed:
			return fmt.Errorf("eventtable: attempt on %s: cancelled: %s", id, dynamo.Describe(tce.CancellationReasons))
		}
		// A later version is kept: record the attempt alone.
	}
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: update.TableName, Key: update.Key, UpdateExpression: update.UpdateExpression,
		ConditionExpression: update.ConditionExpression, ExpressionAttributeNames: update.ExpressionAttributeNames,
		ExpressionAttributeValues: update.ExpressionAttributeValues, ReturnValuesOnConditionCheckFailure: update.ReturnValuesOnConditionCheckFailure,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return refusal(e, ccf.Item)
	case err != nil:
		return fmt.Errorf("eventtable: attempt on %s: %w", id, dynamo.Refused(err))
	}
	return nil
}

// refusal says why an event's update was refused, from the event as the
// refusal returned it.
func refusal(e webhook.Event, item map[string]types.AttributeValue) error {
	switch {
	case item == nil:
		return fmt.Errorf("eventtable: attempt on %s: %w", e.ID, webhook.ErrNotFound)
	case dynamo.Str(item, "status") == string(webhook.Processed):
		return fmt.Errorf("eventtable: attempt on %s: %w", e.ID, webhook.ErrProcessed)
	}
	return fmt.Errorf("eventtable: attempt on %s: provider %q and type %q are not the kept event's", e.ID, e.Provider, e.Type)
}

// Retry implements webhook.Store: one conditional UpdateItem of the status
// and the listings keyed by it.
func (st *Store) Retry(ctx context.Context, e webhook.Event) error {
	values := map[string]types.AttributeValue{
		":received": dynamo.S(string(webhook.Received)), ":failed": dynamo.S(string(webhook.Failed)),
		":p": dynamo.S(e.Provider), ":t": dynamo.S(e.Type),
	}
	sets := []string{"#status = :received"}
	for _, l := range listings {
		if l.status {
			sets = append(sets, l.key+" = :"+l.key)
			values[":"+l.key] = dynamo.S(l.value(e.Provider, webhook.Received, e.Type))
		}
	}
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &st.table, Key: eventKey(e.ID),
		UpdateExpression:                    aws.String("SET " + strings.Join(sets, ", ")),
		ConditionExpression:                 aws.String("attribute_exists(pk) AND #status = :failed AND provider = :p AND #type = :t"),
		ExpressionAttributeNames:            map[string]string{"#status": "status", "#type": "type"},
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf) && ccf.Item == nil:
		return fmt.Errorf("eventtable: retry %s: %w", e.ID, webhook.ErrNotFound)
	case errors.As(err, &ccf) && dynamo.Str(ccf.Item, "status") != string(webhook.Failed):
		return fmt.Errorf("eventtable: retry %s: %w", e.ID, webhook.ErrNotFailed)
	case errors.As(err, &ccf):
		return fmt.Errorf("eventtable: retry %s: provider %q and type %q are not the kept event's", e.ID, e.Provider, e.Type)
	case err != nil:
		return fmt.Errorf("eventtable: retry %s: %w", e.ID, dynamo.Refused(err))
	}
	return nil
}
