package settlement

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
)

// lookupBatch is how many presentments of transactions absent from the
// day's file are looked up in the ledger at once.
const lookupBatch = 100

// presentations sums up the presentation file and flags the presentments
// of no transaction we know, or of another amount than the transaction
// file's row. It runs after the transaction file is applied. The flags are
// written a chunk at a time, in line order, as report parts of the run's
// attempt (presentationPartKey), never held whole; it returns how many.
func (r *Reconciler) presentations(ctx context.Context, day time.Time, run Run, index *txnIndex) (Presentations, int, error) {
	in := run.Inputs[1]
	c := &checker{r: r, index: index, sums: make(runningSums),
		p: Presentations{Debt: Totals{}, ByFunctionCode: map[string]int{}, InterchangeFees: Totals{}, Taxes: Totals{}}}
	body, rd, cols, err := r.openHeader(ctx, in, PresentationColumns)
	if err != nil {
		return c.p, 0, err
	}
	defer body.Close()
	ahead := startReadAhead(func(rows []presented) batch[presented] { return r.readPresentments(rd, &cols, in.Key, rows) })
	defer ahead.close()
	parts := 0
	for {
		b, ok := ahead.next()
		if !ok {
			return c.p, 0, errors.New("settlement: the reading ahead stopped")
		}
		if b.err != nil {
			return c.p, 0, b.err
		}
		for _, row := range b.items {
			if err := c.check(ctx, row); err != nil {
				return c.p, 0, err
			}
		}
		ahead.recycle(b.items)
		if b.done {
			c.sums.carry(&c.p)
		}
		// The chunk's flags are complete once its lookups are done.
		if err := c.lookUp(ctx); err != nil {
			return c.p, 0, err
		}
		if len(c.out) > 0 {
			c.p.Flagged += countRule(c.out, Flagged)
			sort.SliceStable(c.out, func(i, j int) bool { return c.out[i].Line < c.out[j].Line })
			key := presentationPartKey(day, run.Attempt, parts)
			if err := r.c.Bucket.Put(ctx, key, "text/csv", encodePart(c.out)); err != nil {
				return c.p, 0, fmt.Errorf("settlement: write %s: %w", key, err)
			}
			parts, c.out = parts+1, c.out[:0]
		}
		if b.done {
			return c.p, parts, nil
		}
	}
}

// checker sums up the presentments and flags them, one row at a time.
type checker struct {
	r     *Reconciler
	index *txnIndex
	p     Presentations
	sums  runningSums
	out   []exception // the report lines
	// pending are the flags of presentments absent from the transaction
	// file, unless lookups finds their transactions in the ledger.
	pending []exception
	lookups []ledger.Transaction
}

func (c *checker) check(ctx context.Context, row presented) error {
	if row.bad != nil {
		c.p.Malformed++
		c.out = append(c.out, *row.bad)
		return nil
	}
	pr := row.p
	c.p.Rows++
	c.sums.add(&c.p, pr)
	c.p.ByFunctionCode[pr.FunctionCode]++
	if pr.Reverse {
		c.p.ReversePresentments++
	}
	x := exception{TransactionID: pr.TransactionID, Rule: Flagged, Source: pr.FunctionCode, Action: "NONE", Line: pr.Line}
	m, inFile := c.index.get(pr.TransactionID)
	switch {
	case inFile:
		if pr.TransactionCurrency == "" || m.currency == [3]byte{} {
			return nil
		}
		if string(m.currency[:]) != pr.TransactionCurrency || m.minor != pr.TransactionAmount {
			x.Detail = fmt.Sprintf("presentment line %d of %s %s, the transaction file says %s %s",
				pr.Line, amountText(pr.TransactionAmount, pr.TransactionCurrency), pr.TransactionCurrency,
				amountText(m.minor, string(m.currency[:])), string(m.currency[:]))
			c.out = append(c.out, x)
		}
	case pr.UserID == "":
		x.Detail = fmt.Sprintf("presentment line %d: not in the day's transaction file, and no USER_ID to look it up in the ledger", pr.Line)
		c.out = append(c.out, x)
	default:
		x.Detail = fmt.Sprintf("presentment line %d: neither in the day's transaction file nor in the ledger", pr.Line)
		c.pending = append(c.pending, x)
		c.lookups = append(c.lookups, ledger.Transaction{UserID: pr.UserID, TransactionID: pr.TransactionID})
		if len(c.lookups) == lookupBatch {
			return c.lookUp(ctx)
		}
	}
	return nil
}

// lookUp flags the pending presentments whose transactions the ledger does
// not know either.
func (c *checker) lookUp(ctx context.Context) error {
	if len(c.lookups) == 0 {
		return nil
	}
	got, err := c.r.c.Ledger.Positions(ctx, c.lookups)
	if err != nil {
		return fmt.Errorf("settlement: positions: %w", err)
	}
	for i, pos := range got {
		if len(pos.Entries) == 0 && len(pos.Settled) == 0 {
			c.out = append(c.out, c.pending[i])
		}
	}
	c.lookups, c.pending = c.lookups[:0], c.pending[:0]
	return nil
}

// presented is a data row of the presentation file, or the report line of
// a malformed one.
type presented struct {
	p   Presentment
	bad *exception
}

// readPresentments reads up to Chunk rows of the presentation file.
func (r *Reconciler) readPresentments(rd *Reader, cols *Columns, key string, rows []presented) batch[presented] {
	b := batch[presented]{items: rows}
	for len(b.items) < r.c.Chunk {
		fields, err := rd.Read()
		var bad *RowError
		switch {
		case err == io.EOF:
			b.done = true
			return b
		case errors.As(err, &bad):
			b.items = append(b.items, presented{bad: &exception{Rule: Malformed, Action: "NONE", Detail: "presentation file: " + bad.Err.Error(), Line: bad.Line}})
			continue
		case err != nil:
			b.err = fmt.Errorf("settlement: read %s: %w", key, err)
			return b
		}
		pr, err := ParsePresentment(cols, fields, rd.Line)
		if err != nil {
			b.items = append(b.items, presented{bad: &exception{
				TransactionID: shown(cols.field(fields, colTransactionId)), Rule: Malformed, Action: "NONE",
				Detail: "presentation file: " + err.Error(), Line: rd.Line,
			}})
			continue
		}
		b.items = append(b.items, presented{p: pr})
	}
	return b
}

// runningSums are each debt currency's sums in int64, carried into the
// summary's Totals before one could overflow (an amount is at most
// money.MaxMinor), so that a row costs no big.Int.
type runningSums map[string]*running

type running struct{ debt, fees, taxes int64 }

const carryAt = math.MaxInt64 - money.MaxMinor

func (s runningSums) add(p *Presentations, pr Presentment) {
	r := s[pr.DebtCurrency]
	if r == nil {
		r = new(running)
		s[pr.DebtCurrency] = r
	}
	if max(r.debt, -r.debt, r.fees, -r.fees, r.taxes, -r.taxes) > carryAt {
		s.carryOne(p, pr.DebtCurrency, r)
	}
	r.debt += pr.Debt
	r.fees += pr.InterchangeFee
	r.taxes += pr.Tax
}

// carry moves every running sum into p's totals.
func (s runningSums) carry(p *Presentations) {
	for cur, r := range s {
		s.carryOne(p, cur, r)
	}
}

func (s runningSums) carryOne(p *Presentations, cur string, r *running) {
	p.Debt.add(cur, r.debt)
	p.InterchangeFees.add(cur, r.fees)
	p.Taxes.add(cur, r.taxes)
	*r = running{}
}

func countRule(xs []exception, r Rule) int {
	n := 0
	for _, x := range xs {
		if x.Rule == r {
			n++
		}
	}
	return n
}

func amountText(minor int64, currency string) string {
	exp, _ := money.Exponent(currency)
	return money.FormatMinor(minor, exp)
}

// sortExceptions orders lines by transaction id and detail, so that a
// listing in no particular order reports alike every time.
func sortExceptions(xs []exception) {
	sort.Slice(xs, func(i, j int) bool {
		if xs[i].TransactionID != xs[j].TransactionID {
			return xs[i].TransactionID < xs[j].TransactionID
		}
		return xs[i].Detail < xs[j].Detail
	})
}
