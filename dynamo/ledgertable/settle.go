package ledgertable

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/dynamo"
)

var _ settlement.Ledger = (*Store)(nil)

// hourIndex orders Pomelo's entries by the hour they were made in.
const hourIndex = "entries_by_hour"

// tallyPrefix starts the attribute names of a tally item's postings.
const tallyPrefix = "r:"

func tallyKey(t ledger.Transaction) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S(userPK(t.UserID)), "sk": dynamo.S("S#" + t.TransactionID)}
}

func entryKey(user string, class ledger.Class, txn string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S(userPK(user)), "sk": dynamo.S("E#" + ledger.EntryKey(class, txn))}
}

func balanceKey(a ledger.Account) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": dynamo.S(userPK(a.UserID)), "sk": dynamo.S("B#" + a.Currency)}
}

// Positions reads, for each transaction, its three entries of Pomelo's
// calls and its tally of settlement postings: four keys a transaction, 25
// transactions a BatchGetItem.
func (s *Store) Positions(ctx context.Context, txns []ledger.Transaction) ([]ledger.Position, error) {
	var keys []map[string]types.AttributeValue
	for _, t := range txns {
		if err := checkTransaction(t); err != nil {
			return nil, fmt.Errorf("ledgertable: positions: %w", err)
		}
		keys = append(keys,
			entryKey(t.UserID, ledger.ClassAuthorization, t.TransactionID),
			entryKey(t.UserID, ledger.ClassAdjustmentDebit, t.TransactionID),
			entryKey(t.UserID, ledger.ClassAdjustmentCredit, t.TransactionID),
			tallyKey(t))
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("ledgertable: positions: %w", err)
	}
	out := make([]ledger.Position, len(txns))
	for i, t := range txns {
		for _, k := range keys[4*i : 4*i+3] {
			if item, ok := items[itemID(k)]; ok {
				e, err := parseEntry(item)
				if err != nil {
					return nil, fmt.Errorf("ledgertable: entry of %s: %w", t.TransactionID, err)
				}
				out[i].Entries = append(out[i].Entries, e)
			}
		}
		if tally, ok := items[itemID(keys[4*i+3])]; ok {
			if out[i], err = parseTally(out[i], t, tally); err != nil {
				return nil, fmt.Errorf("ledgertable: tally of %s: %w", t.TransactionID, err)
			}
		}
	}
	return out, nil
}

func checkTransaction(t ledger.Transaction) error {
	if err := storable.CheckID("user id", t.UserID); err != nil {
		return err
	}
	return storable.CheckID("transaction id", t.TransactionID)
}

func parseTally(p ledger.Position, t ledger.Transaction, item map[string]types.AttributeValue) (ledger.Position, error) {
	p.Currency = dynamo.Str(item, "currency")
	for name := range item {
		ref, ok := strings.CutPrefix(name, tallyPrefix)
		if !ok {
			continue
		}
		amount, err := dynamo.Num(item, name)
		if err != nil {
			return p, err
		}
		p.Settled = append(p.Settled, ledger.Entry{
			UserID: t.UserID, TransactionID: t.TransactionID, Currency: p.Currency,
			Class: ledger.ClassSettlement, Ref: ref, Amount: amount,
		})
	}
	return p, nil
}

// itemID names an item by its key, for matching BatchGetItem's answers.
func itemID(key map[string]types.AttributeValue) string {
	return dynamo.Str(key, "pk") + "\x00" + dynamo.Str(key, "sk")
}

// readers is how many BatchGetItem calls one read has in flight.
const readers = 8

// batchGet reads the items at keys (repeats allowed) with consistent reads,
// dynamo.BatchKeys a call and readers calls at a time, asking again for what
// DynamoDB leaves unprocessed.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error) {
	out := make(map[string]map[string]types.AttributeValue, len(keys))
	var pending []map[string]types.AttributeValue
	for _, k := range keys {
		if id := itemID(k); out[id] == nil {
			out[id] = map[string]types.AttributeValue{} // a placeholder, so that a repeat is asked once
			pending = append(pending, k)
		}
	}
	var batches [][]map[string]types.AttributeValue
	for len(pending) > 0 {
		n := min(len(pending), dynamo.BatchKeys)
		batches, pending = append(batches, pending[:n]), pending[n:]
	}
	var mu sync.Mutex
	err := dynamo.InParallel(len(batches), readers, func(i int) error {
		items, err := dynamo.GetBatch(ctx, s.db, s.table, batches[i])
		mu.Lock()
		defer mu.Unlock()
		for _, item := range items {
			out[itemID(item)] = item
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	for id, item := range out {
		if len(item) == 0 {
			delete(out, id)
		}
	}
	return out, nil
}

// maxGroup is how many settlement postings share one TransactWriteItems
// (three items each, of DynamoDB's 100).
const maxGroup = 33

// writers is how many lanes of settlement postings are written at a time.
const writers = 4

// Settle applies the postings, several to a TransactWriteItems when they
// touch distinct accounts and transactions: each posting's entry, balance
// and tally move together. The postings of one user go in order down one of
// writers lanes, written side by side. A group refused because one of its
// entries is already there is applied again one posting at a time, skipping
// those.
func (s *Store) Settle(ctx context.Context, postings []ledger.Posting) ([]error, error) {
	refused := make([]error, len(postings))
	lanes := make([][]int, writers) // indexes of postings
	for i, p := range postings {
		if p.Entry.Class != ledger.ClassSettlement || p.RequireFunds || p.Reverses != nil || p.Entry.Amount == 0 {
			return nil, fmt.Errorf("ledgertable: settle %s: %w", p.Entry.Key(), errNotSettlement)
		}
		if err := p.Check(); err != nil {
			refused[i] = fmt.Errorf("ledgertable: settle %s: %w", p.Entry.Key(), err)
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(p.Entry.UserID))
		lane := h.Sum32() % writers
		lanes[lane] = append(lanes[lane], i)
	}
	// Each lane writes only its own postings' refusals.
	err := dynamo.InParallel(writers, writers, func(i int) error { return s.settleLane(ctx, postings, lanes[i], refused) })
	if err != nil {
		return nil, err
	}
	for _, r := range refused {
		if r != nil {
			return refused, nil
		}
	}
	return nil, nil
}

// settleLane settles the postings at indexes, in groups; a group refused
// is settled a posting at a time, and a posting the ledger refuses gets its
// reason in refused.
func (s *Store) settleLane(ctx context.Context, postings []ledger.Posting, indexes []int, refused []error) error {
	for len(indexes) > 0 {
		group, rest := s.group(postings, indexes)
		indexes = rest
		err := s.settleGroup(ctx, pick(postings, group))
		switch {
		case err == nil, errors.Is(err, ledger.ErrAlreadyPosted):
			continue
		case len(group) == 1 && ledger.Refuses(err):
			refused[group[0]] = err
			continue
		case !errors.Is(err, errRetryAlone):
			return err
		}
		for _, i := range group {
			err := s.settleGroup(ctx, postings[i:i+1])
			switch {
			case err == nil, errors.Is(err, ledger.ErrAlreadyPosted):
			case ledger.Refuses(err):
				refused[i] = err
			default:
				return err
			}
		}
	}
	return nil
}

func pick(postings []ledger.Posting, indexes []int) []ledger.Posting {
	out := make([]ledger.Posting, len(indexes))
	for k, i := range indexes {
		out[k] = postings[i]
	}
	return out
}

var (
	errNotSettlement = fmt.Errorf("%w: not a settlement posting", storable.ErrInvalid)
	errRetryAlone    = errors.New("ledgertable: a grouped settlement was refused")
)

// group takes from indexes the longest run of postings whose accounts
// and transactions are all distinct, up to maxGroup.
func (s *Store) group(ps []ledger.Posting, indexes []int) (group, rest []int) {
	seen := make(map[string]bool, 2*maxGroup)
	for k, i := range indexes {
		e := ps[i].Entry
		acct, txn := "B\x00"+e.UserID+"\x00"+e.Currency, "S\x00"+e.UserID+"\x00"+e.TransactionID
		if k == maxGroup || seen[acct] || seen[txn] {
			return indexes[:k], indexes[k:]
		}
		seen[acct], seen[txn] = true, true
	}
	return indexes, nil
}

// settleGroup writes a group of postings in one transaction. A lone
// posting whose entry exists fails with ErrAlreadyPosted; a group refused
// for any condition with errRetryAlone.
func (s *Store) settleGroup(ctx context.Context, group []ledger.Posting) error {
	items := make([]types.TransactWriteItem, 0, 3*len(group))
	for _, p := range group {
		items = append(items, s.settleItems(p)...)
	}
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return fmt.Errorf("ledgertable: settle: %w", dynamo.Refused(err))
		}
		reasons := tce.CancellationReasons
		conflict := false
		for i := range reasons {
			conflict = conflict || dynamo.Reason(reasons, i) == dynamo.Conflict
		}
		switch {
		case conflict && attempt < maxConflictRetries:
			if err := dynamo.Pause(ctx, attempt+1); err != nil {
				return err
			}
			continue
		case len(group) > 1:
			return errRetryAlone
		case dynamo.Reason(reasons, 0) == dynamo.ConditionFailed:
			return fmt.Errorf("%w: %s", ledger.ErrAlreadyPosted, group[0].Entry.Key())
		case dynamo.Reason(reasons, 1) == dynamo.ConditionFailed:
			return fmt.Errorf("ledgertable: settle %s: %w", group[0].Entry.Key(), ledger.ErrBalanceLimit)
		}
		return fmt.Errorf("ledgertable: settle %s: cancelled: %s", group[0].Entry.Key(), dynamo.Describe(reasons))
	}
}

// settleItems are a settlement posting's entry, balance and tally.
func (s *Store) settleItems(p ledger.Posting) []types.TransactWriteItem {
	e := p.Entry
	items := s.postingItems(p) // the entry, then the balance update: Amount is never zero here
	t := ledger.Transaction{UserID: e.UserID, TransactionID: e.TransactionID}
	return append(items, types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       tallyKey(t),
		UpdateExpression:          aws.String("SET #r = :amt, currency = :cur"),
		ExpressionAttributeNames:  map[string]string{"#r": tallyPrefix + e.Ref},
		ExpressionAttributeValues: map[string]types.AttributeValue{":amt": dynamo.N(e.Amount), ":cur": dynamo.S(e.Currency)},
	}})
}

// CreatedBetween queries the hour index once per hour of [from, to], a page
// at a time.
func (s *Store) CreatedBetween(ctx context.Context, from, to time.Time, fn func(ledger.Entry) error) error {
	lo, hi := from.UTC().Format(dynamo.TimeLayout), to.UTC().Format(dynamo.TimeLayout)
	for h := from.UTC().Truncate(time.Hour); !h.After(to); h = h.Add(time.Hour) {
		var start map[string]types.AttributeValue
		for {
			page, err := s.db.Query(ctx, &dynamodb.QueryInput{
				TableName:              &s.table,
				IndexName:              aws.String(hourIndex),
				KeyConditionExpression: aws.String("day_pk = :h AND day_sk BETWEEN :lo AND :hi"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":h": dynamo.S(hourKey(h)), ":lo": dynamo.S(lo), ":hi": dynamo.S(hi),
				},
				ExclusiveStartKey: start,
			})
			if err != nil {
				return fmt.Errorf("ledgertable: entries of %s: %w", hourKey(h), dynamo.Refused(err))
			}
			for _, item := range page.Items {
				if dynamo.Str(item, "day_sk") == hi {
					continue // to is not in the range
				}
				e, err := parseEntry(item)
				if err != nil {
					return fmt.Errorf("ledgertable: entry: %w", err)
				}
				if err := fn(e); err != nil {
					return err
				}
			}
			if start = page.LastEvaluatedKey; len(start) == 0 {
				break
			}
		}
	}
	return nil
}

// Balances reads each account's balance item, 100 a BatchGetItem.
func (s *Store) Balances(ctx context.Context, accounts []ledger.Account) ([]int64, error) {
	keys := make([]map[string]types.AttributeValue, len(accounts))
	for i, a := range accounts {
		if err := storable.CheckID("user id", a.UserID); err != nil {
			return nil, fmt.Errorf("ledgertable: balances: %w", err)
		}
		keys[i] = balanceKey(a)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("ledgertable: balances: %w", err)
	}
	out := make([]int64, len(accounts))
	for i, k := range keys {
		if item, ok := items[itemID(k)]; ok {
			if out[i], err = dynamo.Num(item, "available"); err != nil {
				return nil, fmt.Errorf("ledgertable: balance: %w", err)
			}
		}
	}
	return out, nil
}
