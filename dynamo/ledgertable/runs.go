package ledgertable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

var _ settlement.Runs = (*Store)(nil)

func runKey(date string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S("RUN#" + date), "sk": dynamo.S("RUN")}
}

// Run reads the date's run record: one consistent GetItem.
func (s *Store) Run(ctx context.Context, date string) (settlement.Run, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: runKey(date), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return settlement.Run{}, fmt.Errorf("ledgertable: run %s: %w", date, dynamo.Refused(err))
	}
	if out.Item == nil {
		return settlement.Run{}, fmt.Errorf("ledgertable: run %s: %w", date, settlement.ErrNoRun)
	}
	var r settlement.Run
	if err := json.Unmarshal([]byte(dynamo.Str(out.Item, "doc")), &r); err != nil {
		return settlement.Run{}, fmt.Errorf("ledgertable: run %s: %w", date, err)
	}
	return r, nil
}

// RunsOf reads the dates' records: one BatchGetItem a hundred dates,
// consistent.
func (s *Store) RunsOf(ctx context.Context, dates []string) ([]settlement.Run, error) {
	keys := make([]map[string]types.AttributeValue, len(dates))
	for i, d := range dates {
		keys[i] = runKey(d)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("ledgertable: runs: %w", err)
	}
	var out []settlement.Run
	for _, k := range keys {
		item, ok := items[itemID(k)]
		if !ok {
			continue
		}
		var r settlement.Run
		if err := json.Unmarshal([]byte(dynamo.Str(item, "doc")), &r); err != nil {
			return nil, fmt.Errorf("ledgertable: run %s: %w", dynamo.Str(k, "pk"), err)
		}
		out = append(out, r)
	}
	return out, nil
}

// SaveRun writes the record as one JSON document with a conditional PutItem
// on its version.
func (s *Store) SaveRun(ctx context.Context, r settlement.Run) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("ledgertable: save run %s: %w", r.Date, err)
	}
	item := runKey(r.Date)
	item["version"] = dynamo.N(r.Version)
	item["doc"] = dynamo.S(string(doc))
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if r.Version > 1 {
		in.ConditionExpression = aws.String("version = :prev")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": dynamo.N(r.Version - 1)}
	}
	_, err = s.db.PutItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("ledgertable: save run %s: %w", r.Date, settlement.ErrRunConflict)
	case err != nil:
		return fmt.Errorf("ledgertable: save run %s: %w", r.Date, dynamo.Refused(err))
	}
	return nil
}
