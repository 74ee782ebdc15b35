package benchmarks_test

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/hashdir"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// memLedger is a ledger export held as compactly as a hash join holds it:
// 24 bytes an entry, sorted by a hash of (user, transaction), with a
// directory of where each leading-bits prefix of the hash starts, so that a
// transaction's entries are one or two reads away. The day's entries are
// streamed from the export again when asked for, as a store lists them, and
// the postings are kept apart.
type memLedger struct {
	path     string
	seed     maphash.Seed
	entries  []compactEntry
	dir      hashdir.Dir
	balances map[uint64]int64 // by hash of (user, currency)
	settled  map[uint64][]ledger.Entry
	posted   int
}

type compactEntry struct {
	hash     uint64
	amount   int64
	class    uint8 // in classes
	status   uint8 // in statuses
	currency [3]byte
}

var (
	classes  = []ledger.Class{ledger.ClassAuthorization, ledger.ClassAdjustmentDebit, ledger.ClassAdjustmentCredit, ledger.ClassSettlement}
	statuses = []ledger.Status{ledger.Posted, ledger.UnmatchedReversal}
)

// code is the place of v in values, which must hold it.
func code[S comparable](values []S, v S) (uint8, error) {
	i := slices.Index(values, v)
	if i < 0 {
		return 0, fmt.Errorf("unknown value %v", v)
	}
	return uint8(i), nil
}

func (l *memLedger) key(user, txn string) uint64 { return pairHash(l.seed, user, 0, txn) }

func (l *memLedger) account(user, currency string) uint64 { return pairHash(l.seed, user, 1, currency) }

// pairHash hashes two values apart by sep.
func pairHash[S string | []byte](seed maphash.Seed, a S, sep byte, b S) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(string(a))
	h.WriteByte(sep)
	h.WriteString(string(b))
	return h.Sum64()
}

// loadLedger reads the export.
func loadLedger(path string) (*memLedger, error) {
	l := &memLedger{path: path, seed: maphash.MakeSeed(), balances: map[uint64]int64{}, settled: map[uint64][]ledger.Entry{}}
	if fi, err := os.Stat(path); err == nil {
		l.entries = make([]compactEntry, 0, fi.Size()/72)
	}
	err := eachRecord(path, func(rec [][]byte) error {
		amount, err := strconv.ParseInt(string(rec[4]), 10, 64)
		if err != nil {
			return err
		}
		class, err1 := code(classes, ledger.Class(known(rec[2])))
		status, err2 := code(statuses, ledger.Status(known(rec[6])))
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		c := compactEntry{hash: pairHash(l.seed, rec[0], 0, rec[1]), amount: amount, class: class, status: status}
		copy(c.currency[:], rec[5])
		l.entries = append(l.entries, c)
		l.balances[pairHash(l.seed, rec[0], 1, rec[5])] += amount
		return nil
	})
	l.dir = hashdir.Build(l.entries, func(e *compactEntry) uint64 { return e.hash })
	return l, err
}

// eachRecord streams the export's records.
func eachRecord(path string, fn func([][]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rd := settlement.NewReader(f, 0, 1)
	if _, err := rd.Read(); err != nil {
		return err
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil || len(rec) != 8 {
			return fmt.Errorf("ledger export line %d: %v", rd.Line, err)
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("ledger export line %d: %w", rd.Line, err)
		}
	}
}

// eachEntry streams the export's entries. Only the ids are allocated: the
// other values are the few the ledger writes.
func eachEntry(path string, fn func(ledger.Entry) error) error {
	return eachRecord(path, func(rec [][]byte) error {
		amount, err1 := strconv.ParseInt(string(rec[4]), 10, 64)
		nanos, err2 := strconv.ParseInt(string(rec[7]), 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		return fn(ledger.Entry{UserID: string(rec[0]), TransactionID: string(rec[1]), Class: ledger.Class(known(rec[2])), Kind: known(rec[3]),
			Amount: amount, Currency: known(rec[5]), Status: ledger.Status(known(rec[6])), CreatedAt: time.Unix(0, nanos)})
	})
}

// known returns the export's repeated values without allocating.
func known(b []byte) string {
	switch string(b) {
	case "AUTH":
		return "AUTH"
	case "ADJ_DEBIT":
		return "ADJ_DEBIT"
	case "ADJ_CREDIT":
		return "ADJ_CREDIT"
	case "SETTLE":
		return "SETTLE"
	case "POSTED":
		return "POSTED"
	case "UNMATCHED_REVERSAL":
		return "UNMATCHED_REVERSAL"
	case "PURCHASE":
		return "PURCHASE"
	case "REFUND":
		return "REFUND"
	case "ARS":
		return "ARS"
	}
	return string(b)
}

func (l *memLedger) Positions(_ context.Context, txns []ledger.Transaction) ([]ledger.Position, error) {
	out := make([]ledger.Position, len(txns))
	backing := make([]ledger.Entry, 0, len(txns))
	for i, t := range txns {
		h := l.key(t.UserID, t.TransactionID)
		start := len(backing)
		lo, hi := l.dir.Range(h)
		for _, e := range l.entries[lo:hi] {
			if e.hash != h {
				continue
			}
			backing = append(backing, ledger.Entry{UserID: t.UserID, TransactionID: t.TransactionID, Currency: known(e.currency[:]),
				Class: classes[e.class], Amount: e.amount, Status: statuses[e.status]})
		}
		out[i].Entries = backing[start:len(backing):len(backing)]
		out[i].Settled = slices.Clone(l.settled[h])
	}
	return out, nil
}

func (l *memLedger) Settle(_ context.Context, ps []ledger.Posting) ([]error, error) {
	for _, p := range ps {
		e := p.Entry
		h := l.key(e.UserID, e.TransactionID)
		if slices.ContainsFunc(l.settled[h], func(s ledger.Entry) bool { return s.Ref == e.Ref }) {
			continue
		}
		l.settled[h] = append(l.settled[h], e)
		l.balances[l.account(e.UserID, e.Currency)] += e.Amount
		l.posted++
	}
	return nil, nil
}

func (l *memLedger) CreatedBetween(_ context.Context, from, to time.Time, fn func(ledger.Entry) error) error {
	return eachEntry(l.path, func(e ledger.Entry) error {
		if !e.Class.FromPomelo() || e.CreatedAt.Before(from) || !e.CreatedAt.Before(to) {
			return nil
		}
		return fn(e)
	})
}

func (l *memLedger) Balances(_ context.Context, accounts []ledger.Account) ([]int64, error) {
	out := make([]int64, len(accounts))
	for i, a := range accounts {
		out[i] = l.balances[l.account(a.UserID, a.Currency)]
	}
	return out, nil
}
