package eventtable

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

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// listing is the index that serves one combination of the events API's
// filters: its partition key joins the filter's values (provider, status,
// type, in that order, type last since only it may hold '#'), its sort key
// orders the events by the time they were received. Every combination has
// its own, so that a page costs reads in proportion to its size, whatever
// the filter, however many events are kept.
type listing struct {
	name, key              string
	provider, status, kind bool
}

// sortKey is the listings' sort key: "<received at>#<id>".
const sortKey = "gsi1sk"

// listings are in the order listingOf indexes them: provider is bit 0,
// status bit 1, type bit 2.
var listings = [8]listing{
	{name: "events_by_time", key: "gsi1pk"},
	{name: "events_by_provider", key: "lp", provider: true},
	{name: "events_by_status", key: "ls", status: true},
	{name: "events_by_provider_status", key: "lps", provider: true, status: true},
	{name: "events_by_type", key: "lt", kind: true},
	{name: "events_by_provider_type", key: "lpt", provider: true, kind: true},
	{name: "events_by_status_type", key: "lst", status: true, kind: true},
	{name: "events_by_provider_status_type", key: "lpst", provider: true, status: true, kind: true},
}

// listed are the attributes the listings project: what the events API
// lists, without an event's headers and body.
var listed = []string{"id", "provider", "route", "type", "dedupe_key", "status", "received_at", "expires_at", "attempts", "last_error", "note"}

// value is the listing's partition key for an event.
func (l listing) value(provider string, status webhook.Status, kind string) string {
	parts := []string{"EV"}
	if l.provider {
		parts = append(parts, provider)
	}
	if l.status {
		parts = append(parts, string(status))
	}
	if l.kind {
		parts = append(parts, kind)
	}
	return strings.Join(parts, "#")
}

// listingOf is the listing that serves f.
func listingOf(f webhook.Filter) listing {
	i := 0
	if f.Provider != "" {
		i |= 1
	}
	if f.Status != "" {
		i |= 2
	}
	if f.Type != "" {
		i |= 4
	}
	return listings[i]
}

// Events implements webhook.Store: Queries of the filter's listing, newest
// first, limit+1 events (so that the cursor of the last page is empty).
func (st *Store) Events(ctx context.Context, f webhook.Filter, cursor string, limit int) ([]webhook.Event, string, error) {
	l := listingOf(f)
	start, err := decodeCursor(cursor, f, l)
	if err != nil {
		return nil, "", err
	}
	in := st.query(l, f, false, int32(limit+1))
	in.ExclusiveStartKey = start
	var out []webhook.Event
	for {
		page, err := st.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("eventtable: events: %w", dynamo.Refused(err))
		}
		for _, item := range page.Items {
			e, err := parseEvent(item)
			if err != nil {
				return nil, "", err
			}
			if len(out) == limit {
				return out, encodeCursor(out[limit-1], f), nil
			}
			out = append(out, e)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// Oldest implements webhook.Backlog: the first item of f's listing index
// read in ascending order.
func (st *Store) Oldest(ctx context.Context, f webhook.Filter) (webhook.Event, bool, error) {
	page, err := st.db.Query(ctx, st.query(listingOf(f), f, true, 1))
	if err != nil {
		return webhook.Event{}, false, fmt.Errorf("eventtable: oldest: %w", dynamo.Refused(err))
	}
	if len(page.Items) == 0 {
		return webhook.Event{}, false, nil
	}
	e, err := parseEvent(page.Items[0])
	return e, err == nil, err
}

var _ webhook.Backlog = (*Store)(nil)

// query reads the events of f from listing l, oldest first when forward.
// f's time range is a condition on the sort key, "<received at>#<id>": an
// event received at Since sorts after Since's bare time, one received at
// Until after Until's, so the range is [Since, Until).
func (st *Store) query(l listing, f webhook.Filter, forward bool, limit int32) *dynamodb.QueryInput {
	cond := "#k = :v"
	names := map[string]string{"#k": l.key}
	values := map[string]types.AttributeValue{":v": dynamo.S(l.value(f.Provider, f.Status, f.Type))}
	since, until := !f.Since.IsZero(), !f.Until.IsZero()
	if since || until {
		names["#s"] = sortKey
	}
	if since {
		values[":since"] = dynamo.S(f.Since.UTC().Format(dynamo.TimeLayout))
	}
	if until {
		values[":until"] = dynamo.S(f.Until.UTC().Format(dynamo.TimeLayout))
	}
	switch {
	case since && until:
		cond += " AND #s BETWEEN :since AND :until"
	case since:
		cond += " AND #s >= :since"
	case until:
		cond += " AND #s < :until"
	}
	return &dynamodb.QueryInput{
		TableName:                 &st.table,
		IndexName:                 aws.String(l.name),
		KeyConditionExpression:    &cond,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(forward),
		Limit:                     aws.Int32(limit),
	}
}

// An events cursor is the id and receipt time of the last event of a page
// and a tag of the filter it was issued for, as base64url JSON; the index
// key is rebuilt from them.
type cursor struct {
	ID         string `json:"id"`
	ReceivedAt string `json:"received_at"`
	Filter     string `json:"f"`
}

func encodeCursor(e webhook.Event, f webhook.Filter) string {
	b, _ := json.Marshal(cursor{ID: e.ID, ReceivedAt: e.ReceivedAt.UTC().Format(dynamo.TimeLayout), Filter: f.Tag()})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, f webhook.Filter, l listing) (map[string]types.AttributeValue, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var ec cursor
	if err == nil {
		err = json.Unmarshal(b, &ec)
	}
	if err == nil {
		_, err = time.Parse(dynamo.TimeLayout, ec.ReceivedAt)
	}
	if err != nil || !webhook.ValidID(ec.ID) || ec.Filter != f.Tag() {
		return nil, fmt.Errorf("eventtable: events cursor %q: %w", c, webhook.ErrCursor)
	}
	key := eventKey(ec.ID)
	key[l.key] = dynamo.S(l.value(f.Provider, f.Status, f.Type))
	key[sortKey] = dynamo.S(ec.ReceivedAt + "#" + ec.ID)
	return key, nil
}

// Create creates the events table with the layout of template.yaml (the
// listings, TTL on ttl, the stream of new images) when it does not exist
// yet (DynamoDB Local).
func Create(ctx context.Context, db dynamo.TableAPI, table string) error {
	t := dynamo.Table{Name: table, Stream: true, TTL: "ttl"}
	for _, l := range listings {
		t.Indexes = append(t.Indexes, dynamo.Index{Name: l.name, PK: l.key, SK: sortKey,
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: listed}})
	}
	return dynamo.Create(ctx, db, t)
}
