package eventtable

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// An event is found under each of its subjects (webhook.SubjectKey) by an
// item of its own, SUBJ#<key> / <received at>#<event id>, written with the
// event and expiring with it: a person's events are one Query per subject,
// with no index (CloudFormation adds one index per update, and DynamoDB
// indexes no list).
func subjectPK(key string) string { return "SUBJ#" + key }

func subjectPuts(table *string, e webhook.Event) []types.TransactWriteItem {
	var out []types.TransactWriteItem
	for _, k := range e.Subjects {
		item := map[string]types.AttributeValue{
			"pk": dynamo.S(subjectPK(k)), "sk": dynamo.S(e.ReceivedAt.UTC().Format(dynamo.TimeLayout) + "#" + e.ID), "event_id": dynamo.S(e.ID),
		}
		if !e.ExpiresAt.IsZero() {
			item["ttl"] = dynamo.N(e.ExpiresAt.Unix())
		}
		out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: table, Item: item}})
	}
	return out
}

// BySubject returns, whole, every event kept under any of the subject keys,
// each once, in the order of receipt: one Query per key, page by page, then
// the events, consistent batch reads of up to 100.
func (st *Store) BySubject(ctx context.Context, keys []string) ([]webhook.Event, error) {
	return st.bySubject(ctx, keys, parseEvent)
}

// Named is BySubject with each event's id, receipt time and subjects only:
// what an erase needs, a few dozen bytes an event, never a body, so that
// erasing a person with thousands of events holds little.
func (st *Store) Named(ctx context.Context, keys []string) ([]webhook.Event, error) {
	return st.bySubject(ctx, keys, parseNamed, "id", "received_at", "subjects")
}

// parseNamed reads an event's item projected to its id, receipt time and
// subjects.
func parseNamed(item map[string]types.AttributeValue) (webhook.Event, error) {
	e := webhook.Event{ID: dynamo.Str(item, "id"), Subjects: subjectsOf(item)}
	var err error
	if e.ReceivedAt, err = time.Parse(dynamo.TimeLayout, dynamo.Str(item, "received_at")); err != nil {
		return e, fmt.Errorf("eventtable: event %s: %w", e.ID, err)
	}
	return e, nil
}

func (st *Store) bySubject(ctx context.Context, keys []string, parse func(map[string]types.AttributeValue) (webhook.Event, error), projection ...string) ([]webhook.Event, error) {
	var ids []string
	for _, k := range keys {
		in := &dynamodb.QueryInput{
			TableName: &st.table, ConsistentRead: aws.Bool(true),
			KeyConditionExpression:    aws.String("pk = :k"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":k": dynamo.S(subjectPK(k))},
		}
		for {
			page, err := st.db.Query(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("eventtable: by subject: %w", dynamo.Refused(err))
			}
			for _, item := range page.Items {
				if id := dynamo.Str(item, "event_id"); id != "" && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			if len(page.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = page.LastEvaluatedKey
		}
	}
	var out []webhook.Event
	for len(ids) > 0 {
		n := min(len(ids), dynamo.BatchKeys)
		keys := make([]map[string]types.AttributeValue, n)
		for i, id := range ids[:n] {
			keys[i] = eventKey(id)
		}
		items, err := dynamo.GetBatch(ctx, st.db, st.table, keys, projection...)
		if err != nil {
			return nil, fmt.Errorf("eventtable: by subject: %w", err)
		}
		for _, item := range items {
			e, err := parse(item)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		ids = ids[n:]
	}
	slices.SortFunc(out, func(a, b webhook.Event) int {
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Erase removes the events (privacy.Events) and the items that find them
// under their subjects: the events first, then their subjects' items, 25
// deletes a BatchWriteItem, 8 at a time, so that an erase cut short leaves
// at most items that find nothing (a hash and an id, expiring with the
// event they named), never an event its subjects no longer find. It
// answers how many of events it held: one BatchGetItem per 100, projected
// to the key, before.
func (st *Store) Erase(ctx context.Context, events []webhook.Event) (int, error) {
	var eventKeys, subjectKeys []map[string]types.AttributeValue
	seen := make(map[string]bool, len(events))
	for _, e := range events {
		if seen[e.ID] {
			continue // a BatchWriteItem refuses a key twice
		}
		seen[e.ID] = true
		eventKeys = append(eventKeys, eventKey(e.ID))
		for _, k := range e.Subjects {
			subjectKeys = append(subjectKeys, map[string]types.AttributeValue{
				"pk": dynamo.S(subjectPK(k)), "sk": dynamo.S(e.ReceivedAt.UTC().Format(dynamo.TimeLayout) + "#" + e.ID),
			})
		}
	}
	held, err := st.count(ctx, eventKeys)
	if err != nil {
		return 0, fmt.Errorf("eventtable: erase: %w", err)
	}
	for _, keys := range [][]map[string]types.AttributeValue{eventKeys, subjectKeys} {
		if err := st.deleteAll(ctx, keys); err != nil {
			return 0, fmt.Errorf("eventtable: erase: %w", err)
		}
	}
	return held, nil
}

// eraseWidth is how many BatchWriteItem an erase has in flight at once.
const eraseWidth = 8

// count answers how many of keys name an item, reading their keys only.
func (st *Store) count(ctx context.Context, keys []map[string]types.AttributeValue) (int, error) {
	var n atomic.Int64
	chunks := slices.Collect(slices.Chunk(keys, dynamo.BatchKeys))
	err := dynamo.InParallel(len(chunks), eraseWidth, func(i int) error {
		items, err := dynamo.GetBatch(ctx, st.db, st.table, chunks[i], "pk")
		n.Add(int64(len(items)))
		return err
	})
	return int(n.Load()), err
}

// deleteAll deletes the items at keys.
func (st *Store) deleteAll(ctx context.Context, keys []map[string]types.AttributeValue) error {
	chunks := slices.Collect(slices.Chunk(keys, dynamo.BatchWrites))
	return dynamo.InParallel(len(chunks), eraseWidth, func(i int) error {
		requests := make([]types.WriteRequest, len(chunks[i]))
		for j, k := range chunks[i] {
			requests[j] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}}
		}
		return dynamo.WriteBatch(ctx, st.db, st.table, requests)
	})
}
