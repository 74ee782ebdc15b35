// Package verifytable keeps the verify function's verifications, their
// external ids, provider references and CURP windows in their own DynamoDB
// table.
package verifytable

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

// Store is the verifications' DynamoDB store. Layout of the table:
//
//	VER#<id>                     VER  doc (verification.Encode), version; while PENDING
//	                                  due_pk "DUE" and due_sk "<next check>#<id>" (index due);
//	                                  person_pk "P#<person key>", person_sk "<created>#<id>"
//	                                  (index by_person, keys only)
//	EXT#<external id>            EXT  id: the verification that claimed it
//	REF#<provider>#<reference>   REF  id: the verification a provider's request belongs to
//	WIN#<CURP hash>              WIN  created (JSON times), version: the daily guard's window
//
// Verifications, claims and references carry ttl (epoch seconds), the
// verification's ExpiresAt; a window its newest time plus 24 hours.
// DynamoDB removes each after.
type Store struct {
	db    dynamo.API
	table string
}

var _ verification.Store = (*Store)(nil)

// New returns the verifications store over the named table.
func New(db dynamo.API, table string) *Store {
	return &Store{db: db, table: table}
}

// dueIndex lists PENDING verifications by when they are due: sparse, since
// only they have due_pk.
const dueIndex = "due"

// personIndex lists a person's verifications (verification.PersonKey) by
// creation, keys only: a person's request reads the items whole after.
const personIndex = "by_person"

// Create creates the table with its layout when it does not exist yet
// (DynamoDB Local; in AWS template.yaml declares it).
func Create(ctx context.Context, db dynamo.TableAPI, table string) error {
	return dynamo.Create(ctx, db, dynamo.Table{Name: table, TTL: "ttl", Indexes: []dynamo.Index{
		{Name: dueIndex, PK: "due_pk", SK: "due_sk"},
		{Name: personIndex, PK: "person_pk", SK: "person_sk", Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
	}})
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S(pk), "sk": dynamo.S(sk)}
}

func verificationItem(v verification.Verification) (map[string]types.AttributeValue, error) {
	if err := storable.CheckID("external_id", v.ExternalID); err != nil {
		return nil, err
	}
	doc, err := verification.Encode(v)
	if err != nil {
		return nil, err
	}
	item := key("VER#"+v.ID, "VER")
	item["doc"] = dynamo.S(string(doc))
	item["version"] = dynamo.N(v.Version)
	if !v.ExpiresAt.IsZero() {
		item["ttl"] = dynamo.N(v.ExpiresAt.Unix())
	}
	item["person_pk"] = dynamo.S("P#" + verification.PersonKey(v.Input.CURP))
	item["person_sk"] = dynamo.S(v.CreatedAt.UTC().Format(dynamo.TimeLayout) + "#" + v.ID)
	if v.Status == verification.Pending {
		item["due_pk"] = dynamo.S("DUE")
		item["due_sk"] = dynamo.S(v.NextCheck.UTC().Format(dynamo.TimeLayout) + "#" + v.ID)
	}
	return item, nil
}

func claimItem(pk, sk, id string, expires time.Time) map[string]types.AttributeValue {
	item := key(pk, sk)
	item["id"] = dynamo.S(id)
	if !expires.IsZero() {
		item["ttl"] = dynamo.N(expires.Unix())
	}
	return item
}

func refKey(provider, ref string) string { return "REF#" + provider + "#" + ref }

func parse(item map[string]types.AttributeValue) (verification.Verification, error) {
	return verification.Decode([]byte(dynamo.Str(item, "doc")))
}

// Window implements verification.Store: one GetItem.
func (st *Store) Window(ctx context.Context, k string) (verification.Window, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: key("WIN#"+k, "WIN"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return verification.Window{}, fmt.Errorf("verifytable: window: %w", dynamo.Refused(err))
	}
	w := verification.Window{Key: k}
	if out.Item == nil {
		return w, nil
	}
	if w.Version, err = dynamo.Num(out.Item, "version"); err != nil {
		return w, fmt.Errorf("verifytable: window: %w", err)
	}
	if err := json.Unmarshal([]byte(dynamo.Str(out.Item, "created")), &w.Created); err != nil {
		return w, fmt.Errorf("verifytable: window: %w", err)
	}
	return w, nil
}

// Create implements verification.Store: one TransactWriteItems of the
// verification, the window and the external id's claim.
func (st *Store) Create(ctx context.Context, v verification.Verification, w verification.Window) error {
	item, err := verificationItem(v)
	if err != nil {
		return fmt.Errorf("verifytable: create: %w", err)
	}
	created, _ := json.Marshal(w.Created)
	win := key("WIN#"+w.Key, "WIN")
	win["created"] = dynamo.S(string(created))
	win["version"] = dynamo.N(w.Version + 1)
	if n := len(w.Created); n > 0 {
		win["ttl"] = dynamo.N(w.Created[n-1].Add(24 * time.Hour).Unix())
	}
	winCond, winValues := "attribute_not_exists(pk)", map[string]types.AttributeValue(nil)
	if w.Version > 0 {
		winCond, winValues = "version = :v", map[string]types.AttributeValue{":v": dynamo.N(w.Version)}
	}
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: &st.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: &types.Put{TableName: &st.table, Item: win, ConditionExpression: aws.String(winCond), ExpressionAttributeValues: winValues}},
	}
	if v.ExternalID != "" {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &st.table,
			Item: claimItem("EXT#"+v.ExternalID, "EXT", v.ID, v.ExpiresAt), ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &tce):
		return fmt.Errorf("verifytable: create %s: %w", v.ID, dynamo.Refused(err))
	case dynamo.Reason(tce.CancellationReasons, 2) == dynamo.ConditionFailed:
		return fmt.Errorf("verifytable: create %s: %w", v.ID, verification.ErrExternalID)
	case refusedFor(tce.CancellationReasons):
		return fmt.Errorf("verifytable: create %s: %w", v.ID, verification.ErrConflict)
	}
	return fmt.Errorf("verifytable: create %s: %s", v.ID, dynamo.Describe(tce.CancellationReasons))
}

// refusedFor reports whether a cancelled transaction failed only on its
// conditions or on a concurrent transaction: another writer got there
// first, and a fresh read may succeed.
func refusedFor(reasons []types.CancellationReason) bool {
	found := false
	for i := range reasons {
		switch dynamo.Reason(reasons, i) {
		case dynamo.ConditionFailed, dynamo.Conflict:
			found = true
		case "", "None":
		default:
			return false
		}
	}
	return found
}

// Get implements verification.Store: one GetItem.
func (st *Store) Get(ctx context.Context, id string) (verification.Verification, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: key("VER#"+id, "VER"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return verification.Verification{}, fmt.Errorf("verifytable: get %s: %w", id, dynamo.Refused(err))
	}
	if out.Item == nil {
		return verification.Verification{}, fmt.Errorf("verifytable: %s: %w", id, verification.ErrNotFound)
	}
	return parse(out.Item)
}

// ByPerson returns every verification of the person whose
// verification.PersonKey is person, oldest first (privacy.Verifications):
// the index by_person page by page, then the items, BatchGetItem
// consistent reads of up to 100. A verification written before the index
// existed is listed once it is saved again.
func (st *Store) ByPerson(ctx context.Context, person string) ([]verification.Verification, error) {
	in := &dynamodb.QueryInput{
		TableName: &st.table, IndexName: aws.String(personIndex),
		KeyConditionExpression:    aws.String("person_pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": dynamo.S("P#" + person)},
	}
	var keys []map[string]types.AttributeValue
	for {
		page, err := st.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("verifytable: by person: %w", dynamo.Refused(err))
		}
		for _, item := range page.Items {
			keys = append(keys, key(dynamo.Str(item, "pk"), "VER"))
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	var out []verification.Verification
	for len(keys) > 0 {
		n := min(len(keys), dynamo.BatchKeys)
		items, err := dynamo.GetBatch(ctx, st.db, st.table, keys[:n])
		if err != nil {
			return nil, fmt.Errorf("verifytable: by person: %w", err)
		}
		for _, item := range items {
			v, err := parse(item)
			if err != nil {
				return nil, fmt.Errorf("verifytable: by person: %w", err)
			}
			out = append(out, v)
		}
		keys = keys[n:]
	}
	slices.SortFunc(out, func(a, b verification.Verification) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// ByExternalID implements verification.Store: two GetItems, the claim and
// the verification.
func (st *Store) ByExternalID(ctx context.Context, ext string) (verification.Verification, error) {
	return st.claimed(ctx, "EXT#"+ext, "EXT", ext)
}

// ByReference implements verification.Store: two GetItems, the reference
// and the verification.
func (st *Store) ByReference(ctx context.Context, provider, ref string) (verification.Verification, error) {
	return st.claimed(ctx, refKey(provider, ref), "REF", ref)
}

func (st *Store) claimed(ctx context.Context, pk, sk, what string) (verification.Verification, error) {
	if err := storable.CheckID(sk, what); err != nil {
		return verification.Verification{}, fmt.Errorf("verifytable: %w: %w", verification.ErrNotFound, err)
	}
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return verification.Verification{}, fmt.Errorf("verifytable: %s: %w", sk, dynamo.Refused(err))
	}
	if out.Item == nil {
		return verification.Verification{}, fmt.Errorf("verifytable: %s: %w", sk, verification.ErrNotFound)
	}
	return st.Get(ctx, dynamo.Str(out.Item, "id"))
}

// Save implements verification.Store: one PutItem, or with a reference one
// TransactWriteItems of the verification and the reference.
func (st *Store) Save(ctx context.Context, v verification.Verification, ref *verification.Reference) error {
	item, err := verificationItem(v)
	if err == nil && ref != nil {
		err = storable.CheckID("reference", ref.Reference)
	}
	if err != nil {
		return fmt.Errorf("verifytable: save: %w", err)
	}
	put := &types.Put{TableName: &st.table, Item: item, ConditionExpression: aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": dynamo.N(v.Version - 1)}}
	if ref == nil {
		_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item,
			ConditionExpression: put.ConditionExpression, ExpressionAttributeValues: put.ExpressionAttributeValues})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return fmt.Errorf("verifytable: save %s: %w", v.ID, verification.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("verifytable: save %s: %w", v.ID, dynamo.Refused(err))
		}
		return nil
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: put},
		{Put: &types.Put{TableName: &st.table, Item: claimItem(refKey(ref.Provider, ref.Reference), "REF", v.ID, v.ExpiresAt)}},
	}})
	var tce *types.TransactionCanceledException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &tce):
		return fmt.Errorf("verifytable: save %s: %w", v.ID, dynamo.Refused(err))
	case refusedFor(tce.CancellationReasons):
		return fmt.Errorf("verifytable: save %s: %w", v.ID, verification.ErrConflict)
	}
	return fmt.Errorf("verifytable: save %s: %s", v.ID, dynamo.Describe(tce.CancellationReasons))
}

// Due implements verification.Store: one Query of the due index, which
// follows writes eventually; a verification listed stale fails its save
// with ErrConflict and is read again.
func (st *Store) Due(ctx context.Context, now time.Time, limit int) ([]verification.Verification, error) {
	in := &dynamodb.QueryInput{
		TableName: &st.table, IndexName: aws.String(dueIndex),
		KeyConditionExpression: aws.String("due_pk = :d AND due_sk <= :upto"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":d": dynamo.S("DUE"), ":upto": dynamo.S(now.UTC().Format(dynamo.TimeLayout) + "#~"),
		},
	}
	// A page stops at 1 MB: the pages are followed up to limit.
	var vs []verification.Verification
	for len(vs) < limit {
		in.Limit = aws.Int32(int32(limit - len(vs)))
		out, err := st.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("verifytable: due: %w", dynamo.Refused(err))
		}
		for _, item := range out.Items {
			v, err := parse(item)
			if err != nil {
				return nil, err
			}
			vs = append(vs, v)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return vs, nil
}

// Erase removes the verifications whole (privacy.Verifications), with the
// external ids and references they claimed: one TransactWriteItems per
// verification, 8 at a time, its delete conditioned on its being there as
// it was read (so that it is counted once, and one changed since is kept
// whole and reported with verification.ErrConflict, for the erase to read
// it again), each claim's on its naming this verification (a claim made
// since by another is kept). When a condition fails on a verification erased
// already, each item is deleted on its own, on the same condition, so that
// an erase repeated or cut short removes what is left of it. The daily
// guard's windows, a hash and times, stay. It answers how many it held.
func (st *Store) Erase(ctx context.Context, vs []verification.Verification) (int, error) {
	var n atomic.Int64
	changed := make([]bool, len(vs))
	err := dynamo.InParallel(len(vs), eraseWidth, func(i int) error {
		erased, err := st.erase(ctx, vs[i])
		if erased {
			n.Add(1)
		}
		changed[i] = errors.Is(err, verification.ErrConflict)
		if changed[i] {
			return nil
		}
		return err
	})
	if err == nil && slices.Contains(changed, true) {
		err = fmt.Errorf("verifytable: erase: %w", verification.ErrConflict)
	}
	return int(n.Load()), err
}

// eraseWidth is how many verifications an erase removes at once.
const eraseWidth = 8

// erase removes v and its claims, answering whether it held v.
func (st *Store) erase(ctx context.Context, v verification.Verification) (bool, error) {
	items := []types.TransactWriteItem{{Delete: &types.Delete{TableName: &st.table, Key: key("VER#"+v.ID, "VER"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": dynamo.N(v.Version)}}}}
	claim := func(pk, sk string) {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &st.table, Key: key(pk, sk),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR id = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": dynamo.S(v.ID)}}})
	}
	if v.ExternalID != "" {
		claim("EXT#"+v.ExternalID, "EXT")
	}
	for _, a := range v.Attempts {
		if a.Reference != "" {
			claim(refKey(a.Provider, a.Reference), "REF")
		}
	}
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	switch {
	case err == nil:
		return true, nil
	case !errors.As(err, &tce):
		return false, fmt.Errorf("verifytable: erase %s: %w", v.ID, dynamo.Refused(err))
	}
	if dynamo.Reason(tce.CancellationReasons, 0) == dynamo.ConditionFailed {
		// Changed since it was read (kept whole, for the erase to read
		// again), or erased already (its claims go item by item).
		if _, err := st.Get(ctx, v.ID); err == nil {
			return false, fmt.Errorf("verifytable: erase %s: %w", v.ID, verification.ErrConflict)
		} else if !errors.Is(err, verification.ErrNotFound) {
			return false, fmt.Errorf("verifytable: erase %s: %w", v.ID, err)
		}
	}
	erased := false
	for i, item := range items {
		_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{item}})
		switch {
		case err == nil:
			erased = erased || i == 0
		case !errors.As(err, &tce) || dynamo.Reason(tce.CancellationReasons, 0) != dynamo.ConditionFailed:
			return erased, fmt.Errorf("verifytable: erase %s: %w", v.ID, dynamo.Refused(err))
		}
	}
	return erased, nil
}
