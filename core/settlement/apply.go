package settlement

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
)

// FileError reports an input file the run cannot use at all (a missing
// column, an empty file): the run is FAILED with it as the reason.
type FileError struct {
	Key string
	Err error
}

func (e *FileError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// applier applies the transaction file to the ledger, a chunk at a time.
type applier struct {
	r      *Reconciler
	day    time.Time
	body   io.ReadCloser
	rd     *Reader
	cols   Columns
	seed   maphash.Seed
	prefix string // of the refs of this run's postings: the day and the file's ETag
	// index knows every row of the file, for the presentations and our
	// entries absent from the file; nil when the run resumed in the middle
	// of the file, whose rows before the checkpoint it did not read. The
	// reading ahead fills it; it is read once that has ended.
	index *txnIndex
	size  int64 // of the file, to size the index by its first chunk; 0 once done or unknown
	// ahead reads the chunks ahead of their applying.
	ahead *readAhead[row]
	// first and chain are positions' own, kept from chunk to chunk.
	first map[uint64]int32
	chain []int32
	// owners are the users of the day's transactions, for MISMATCH: read
	// while the first chunk is, ready once loaded is closed (ownersErr
	// then says whether it failed).
	owners    *owners
	ownersErr error
	loaded    chan struct{}
	// cleanPrior is, for a transaction with postings of the day under an
	// earlier file, what a clean run of this file had moved before its
	// next row (see decide).
	cleanPrior map[ledger.Transaction]int64
}

// Kinds of the settlement postings' entries.
const (
	KindDebit  = "SETTLEMENT_DEBIT"
	KindCredit = "SETTLEMENT_CREDIT"
)

// openHeader opens the object of in at offset 0 and reads its header.
func (r *Reconciler) openHeader(ctx context.Context, in Input, required []string) (io.ReadCloser, *Reader, Columns, error) {
	body, err := r.c.Bucket.Open(ctx, in.Key, in.ETag, 0)
	if err != nil {
		return nil, nil, Columns{}, fmt.Errorf("settlement: open %s: %w", in.Key, err)
	}
	rd := NewReader(body, 0, 1)
	fields, err := rd.Read()
	var cols Columns
	switch {
	case err == io.EOF:
		err = &FileError{Key: in.Key, Err: errors.New("the file is empty: it has no header line")}
	case err != nil:
		var row *RowError
		if errors.As(err, &row) {
			err = &FileError{Key: in.Key, Err: fmt.Errorf("header: %w", err)}
		}
	default:
		cols, err = ReadHeader(in.Key, fields, required)
		if err != nil {
			err = &FileError{Key: in.Key, Err: err}
		}
		rd.Fields = cols.n
	}
	if err != nil {
		body.Close()
		return nil, nil, Columns{}, err
	}
	return body, rd, cols, nil
}

// checkPresentations reads the presentation file's header: a file the run
// could not use fails it before anything moves, not at its end.
func (r *Reconciler) checkPresentations(ctx context.Context, run Run) error {
	body, _, _, err := r.openHeader(ctx, run.Inputs[1], PresentationColumns)
	if err != nil {
		return err
	}
	return body.Close()
}

func (r *Reconciler) openTransactions(ctx context.Context, day time.Time, run Run) (*applier, error) {
	in := run.Inputs[0]
	body, rd, cols, err := r.openHeader(ctx, in, TransactionColumns)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(in.ETag))
	a := &applier{
		r: r, day: day, body: body, rd: rd, cols: cols, seed: maphash.MakeSeed(),
		prefix: day.Format("20060102") + "." + hex.EncodeToString(sum[:6]) + ".",
		loaded: make(chan struct{}),
	}
	go func() {
		defer close(a.loaded)
		a.owners, a.ownersErr = r.owners(ctx, day)
	}()
	if cp := run.Checkpoint; cp.Offset > 0 {
		body.Close()
		if a.body, err = r.c.Bucket.Open(ctx, in.Key, in.ETag, cp.Offset); err != nil {
			return nil, fmt.Errorf("settlement: open %s at %d: %w", in.Key, cp.Offset, err)
		}
		a.rd = NewReader(a.body, cp.Offset, cp.Line)
		a.rd.Fields = cols.n
	} else {
		a.index = newTxnIndex()
		if obj, err := r.c.Bucket.Stat(ctx, in.Key); err == nil && obj.ETag == in.ETag {
			a.size = obj.Size
		}
	}
	return a, nil
}

// close stops the reading ahead, then the file.
func (a *applier) close() {
	<-a.loaded
	if a.ahead != nil {
		a.ahead.close()
	}
	a.body.Close()
}

// row is a data row of the transaction file, or why it is malformed.
type row struct {
	t   Transaction
	err error
	id  string // of a malformed row, as far as it could be read
}

// read reads up to Chunk rows.
func (a *applier) read(key string, rows []row) batch[row] {
	b := batch[row]{items: rows}
	if b.items == nil {
		b.items = make([]row, 0, a.r.c.Chunk)
	}
	for len(b.items) < a.r.c.Chunk {
		fields, err := a.rd.Read()
		if err == io.EOF {
			b.done = true
			break
		}
		var bad *RowError
		if errors.As(err, &bad) {
			b.items = append(b.items, row{t: Transaction{Line: bad.Line}, err: bad.Err})
			continue
		}
		if err != nil {
			b.err = fmt.Errorf("settlement: read %s: %w", key, err)
			return b
		}
		t, err := ParseTransaction(&a.cols, fields, a.rd.Line)
		if err != nil {
			b.items = append(b.items, row{t: Transaction{Line: a.rd.Line}, err: err, id: shown(a.cols.field(fields, colTransactionId))})
			continue
		}
		b.items = append(b.items, row{t: t})
		if a.index != nil {
			a.index.add(t)
		}
	}
	b.offset, b.line = a.rd.Next()
	if a.index != nil && a.size > 0 && b.offset > 0 {
		// The first chunk tells how long a row is: the rest of the file
		// likely holds as many rows a byte, and a sixteenth more is room.
		// Only well-formed rows are counted, as only they are indexed: a
		// file of short junk lines reserves nothing for them.
		rows := float64(a.size) / float64(b.offset) * float64(len(a.index.rows))
		a.index.reserve(int(min(rows*17/16, 1<<31)))
		a.size = 0
	}
	return b
}

// chunk applies the next chunk of rows and advances run's counts and
// checkpoint, having written the rows' exceptions as a report part. done
// reports the end of the file.
func (a *applier) chunk(ctx context.Context, run *Run) (done bool, err error) {
	if a.ahead == nil {
		key := run.Inputs[0].Key
		a.ahead = startReadAhead(func(rows []row) batch[row] { return a.read(key, rows) })
	}
	b, ok := a.ahead.next()
	if !ok {
		return false, errors.New("settlement: the reading ahead stopped")
	}
	if b.err != nil {
		return false, b.err
	}
	rows := b.items
	positions, err := a.positions(ctx, rows)
	if err != nil {
		return false, err
	}
	if <-a.loaded; a.ownersErr != nil {
		return false, a.ownersErr
	}
	var postings []ledger.Posting
	var lines []exception
	var asked []int // the line of each posting
	for i, rw := range rows {
		if rw.err != nil {
			run.Counts.count(Malformed)
			lines = append(lines, exception{TransactionID: rw.id, Rule: Malformed, Action: "NONE", Detail: rw.err.Error(), Line: rw.t.Line})
			continue
		}
		t := rw.t
		pos := positions[i]
		if why := a.owners.mismatch(t, pos); why != "" {
			run.Counts.count(Mismatch)
			lines = append(lines, exception{TransactionID: t.ID, Rule: Mismatch, Source: t.Source, StatusDetail: t.StatusDetail,
				Action: "NONE", Detail: why, Line: t.Line, UserID: t.UserID, Currency: t.Currency})
			continue
		}
		d, p := a.decide(t, pos)
		run.Counts.count(d.Rule)
		if d.Rule != Matched {
			lines = append(lines, a.exception(t, d, before(t, d)))
		}
		if p != nil {
			postings = append(postings, *p)
			asked = append(asked, len(lines)-1)
			pos.Settled = append(pos.Settled, p.Entry)
		}
	}
	refused, err := a.r.c.Ledger.Settle(ctx, postings)
	if err != nil {
		return false, fmt.Errorf("settlement: %s: settle: %w", run.Date, err)
	}
	for i, why := range refused {
		if why != nil {
			x := &lines[asked[i]]
			verb, amount, _ := strings.Cut(x.Action, " ") // "DEBIT 10.00 ARS"
			run.Counts.recount(x.Rule, Refused)
			x.Rule, x.Action = Refused, "NONE"
			x.Detail = "the ledger refused to " + strings.ToLower(verb) + " " + amount + ": " + why.Error() + "; " + x.Detail
		}
	}
	if len(lines) > 0 {
		key := partKey(a.day, run.Attempt, run.Checkpoint.Parts)
		if err := a.r.c.Bucket.Put(ctx, key, "text/csv", encodePart(lines)); err != nil {
			return false, fmt.Errorf("settlement: write %s: %w", key, err)
		}
		run.Checkpoint.Parts++
	}
	run.Checkpoint.Rows = run.Counts.Rows
	run.Checkpoint.Offset, run.Checkpoint.Line = b.offset, b.line
	a.ahead.recycle(rows)
	return b.done, nil
}

// positions reads what has moved for each well-formed row's transaction,
// asking once per transaction: the rows of a transaction repeated within
// the chunk share one position, in which each row's posting is seen by the
// next.
func (a *applier) positions(ctx context.Context, rows []row) ([]*ledger.Position, error) {
	keys := make([]ledger.Transaction, 0, len(rows))
	asks := make([]int32, len(rows)) // the key of each row, -1 for a malformed one
	if a.first == nil {
		a.first = make(map[uint64]int32, len(rows))
	}
	first := a.first // the first key of each hash of a transaction id
	clear(first)
	chain := a.chain[:0] // chain[k]: the next key whose id has k's hash, or -1
	defer func() { a.chain = chain }()
	for i, rw := range rows {
		asks[i] = -1
		if rw.err != nil {
			continue
		}
		key := ledger.Transaction{UserID: rw.t.UserID, TransactionID: rw.t.ID}
		h := maphash.String(a.seed, key.TransactionID)
		head, ok := first[h]
		if !ok {
			head = -1
		}
		k := head
		for k >= 0 && keys[k] != key {
			k = chain[k]
		}
		if k < 0 {
			k = int32(len(keys))
			first[h] = k
			keys, chain = append(keys, key), append(chain, head)
		}
		asks[i] = k
	}
	got, err := a.r.c.Ledger.Positions(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("settlement: positions: %w", err)
	}
	if len(got) != len(keys) {
		return nil, fmt.Errorf("settlement: positions: %d answers to %d transactions", len(got), len(keys))
	}
	out := make([]*ledger.Position, len(rows))
	for i, k := range asks {
		if k >= 0 {
			out[i] = &got[k]
		}
	}
	return out, nil
}

// decide applies the rules to row t given its transaction's position, and
// returns what the report says of the row and the posting it still needs,
// if any. A posting of this run (this day and this file's ETag) is keyed by
// the row's line: what the run itself posted for the row and the rows after
// it is left out of what had moved before the row, so that running the day
// again, or going on after a crash, decides every row as the first run
// did, and posts only what is missing. The day's postings under an earlier
// file (a run cut short, or completed, before the file changed) count
// toward what is missing, but the report leaves them out of what had moved
// before the row: it says what a clean run of this file says, so that every
// posting of the day is in it once, whatever the history of the day.
func (a *applier) decide(t Transaction, pos *ledger.Position) (report Decision, _ *ledger.Posting) {
	moved := pos.Moved(t.Currency)
	var own, ownBefore, ownThis, earlier int64
	next := 1
	for _, e := range pos.Settled {
		if e.Currency != t.Currency {
			continue
		}
		line, ok := a.ownLine(e.Ref)
		if !ok {
			if strings.HasPrefix(e.Ref, a.dayPrefix()) {
				earlier += e.Amount
			}
			continue
		}
		own += e.Amount
		switch {
		case line < t.Line:
			ownBefore += e.Amount
		case line == t.Line:
			ownThis += e.Amount
			next++
		}
	}
	prior := moved - own + ownBefore
	auth, ok := pos.Authorization()
	authorized := ok && auth.Status == ledger.Posted && auth.Currency == t.Currency
	d := Decide(t, prior, authorized || prior != 0)
	report = d
	if earlier != 0 {
		// A clean run's prior: what had moved before the day for the
		// transaction's first row here, and for a later one what the row
		// before it (not HELD) said had moved.
		key := ledger.Transaction{UserID: t.UserID, TransactionID: t.ID}
		clean, seen := a.cleanPrior[key]
		if !seen {
			clean = prior - earlier - ownBefore
		}
		report = Decide(t, clean, authorized || clean != 0)
		if t.Status != Held {
			if a.cleanPrior == nil {
				a.cleanPrior = make(map[ledger.Transaction]int64)
			}
			a.cleanPrior[key] = t.Expected()
		}
	}
	rest := d.Post - ownThis
	if rest == 0 {
		return report, nil
	}
	kind := KindCredit
	if rest < 0 {
		kind = KindDebit
	}
	return report, &ledger.Posting{Entry: ledger.Entry{
		UserID: t.UserID, Currency: t.Currency, TransactionID: t.ID, Class: ledger.ClassSettlement,
		Kind: kind, Amount: rest, Status: ledger.Posted, Original: t.Original,
		Ref: a.prefix + strconv.Itoa(t.Line) + "." + strconv.Itoa(next), CreatedAt: a.r.c.Now(),
	}}
}

// dayPrefix begins the refs of every posting of the day, under any file.
func (a *applier) dayPrefix() string { return a.prefix[:len("20060102.")] }

// ownLine reads the line of a ref of this run's.
func (a *applier) ownLine(ref string) (int, bool) {
	rest, ok := strings.CutPrefix(ref, a.prefix)
	if !ok {
		return 0, false
	}
	line, _, ok := strings.Cut(rest, ".")
	n, err := strconv.Atoi(line)
	return n, ok && err == nil
}

// before is what had moved before row t, given its decision.
func before(t Transaction, d Decision) int64 { return t.Expected() - d.Post }

// exception is the report line of a row that did not simply match.
func (a *applier) exception(t Transaction, d Decision, moved int64) exception {
	x := exception{
		TransactionID: t.ID, Rule: d.Rule, Source: t.Source, StatusDetail: t.StatusDetail, Line: t.Line,
		UserID: t.UserID, Currency: t.Currency, Action: "NONE",
	}
	exp, _ := money.Exponent(t.Currency)
	file := fmt.Sprintf("file: %s %s %s %s", t.Status, t.Type, money.FormatMinor(t.Amount, exp), t.Currency)
	switch {
	case d.Rule == HeldRow:
		x.Detail = file + "; held by Pomelo, nothing moves until it resolves"
	case d.Post < 0:
		x.Action = "DEBIT " + money.FormatMinor(-d.Post, exp) + " " + t.Currency
	default:
		x.Action = "CREDIT " + money.FormatMinor(d.Post, exp) + " " + t.Currency
	}
	if x.Detail == "" {
		x.Detail = file + "; ledger had moved " + money.FormatMinor(moved, exp)
	}
	return x
}
