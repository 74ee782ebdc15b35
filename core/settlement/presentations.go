package settlement

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
)

// lookupBatch is how many presentments of transactions absent from the
// day's file are looked up in the ledger at once.
const lookupBatch = 100

// presentations sums up the presentation file and flags the presentments
// of no transaction we know, or of another amount than the transaction
// file's row. It runs after the transaction file is applied.
func (r *Reconciler) presentations(ctx context.Context, in Input, index *txnIndex) (Presentations, []exception, error) {
	p := Presentations{Debt: Totals{}, ByFunctionCode: map[string]int{}, InterchangeFees: Totals{}, Taxes: Totals{}}
	body, rd, cols, err := r.openHeader(ctx, in, PresentationColumns)
	if err != nil {
		return p, nil, err
	}
	defer body.Close()
	sums := make(runningSums)
	var out, pending []exception
	var lookups []ledger.Transaction
	lookUp := func() error {
		if len(lookups) == 0 {
			return nil
		}
		got, err := r.c.Ledger.Positions(ctx, lookups)
		if err != nil {
			return fmt.Errorf("settlement: positions: %w", err)
		}
		for i, pos := range got {
			if len(pos.Entries) == 0 && len(pos.Settled) == 0 {
				out = append(out, pending[i])
			}
		}
		lookups, pending = lookups[:0], pending[:0]
		return nil
	}
	ahead := startReadAhead(func(rows []presented) batch[presented] { return r.readPresentments(rd, &cols, in.Key, rows) })
	defer ahead.close()
	for {
		b, ok := ahead.next()
		if !ok {
			return p, nil, errors.New("settlement: the reading ahead stopped")
		}
		if b.err != nil {
			return p, nil, b.err
		}
		for _, row := range b.items {
			if row.bad != nil {
				p.Malformed++
				out = append(out, *row.bad)
				continue
			}
			pr := row.p
			p.Rows++
			sums.add(&p, pr)
			p.ByFunctionCode[pr.FunctionCode]++
			if pr.Reverse {
				p.ReversePresentments++
			}
			x := exception{TransactionID: pr.TransactionID, Rule: Flagged, Source: pr.FunctionCode, Action: "NONE", Line: pr.Line}
			m, inFile := index.get(pr.TransactionID)
			switch {
			case inFile:
				if pr.TransactionCurrency == "" || m.currency == [3]byte{} {
					continue
				}
				if string(m.currency[:]) != pr.TransactionCurrency || m.minor != pr.TransactionAmount {
					x.Detail = fmt.Sprintf("presentment line %d of %s %s, the transaction file says %s %s",
						pr.Line, amountText(pr.TransactionAmount, pr.TransactionCurrency), pr.TransactionCurrency,
						amountText(m.minor, string(m.currency[:])), string(m.currency[:]))
					out = append(out, x)
				}
			case pr.UserID == "":
				x.Detail = fmt.Sprintf("presentment line %d: not in the day's transaction file, and no USER_ID to look it up in the ledger", pr.Line)
				out = append(out, x)
			default:
				x.Detail = fmt.Sprintf("presentment line %d: neither in the day's transaction file nor in the ledger", pr.Line)
				pending = append(pending, x)
				lookups = append(lookups, ledger.Transaction{UserID: pr.UserID, TransactionID: pr.TransactionID})
				if len(lookups) == lookupBatch {
					if err := lookUp(); err != nil {
						return p, nil, err
					}
				}
			}
		}
		ahead.recycle(b.items)
		if b.done {
			sums.carry(&p)
			if err := lookUp(); err != nil {
				return p, nil, err
			}
			p.Flagged = countRule(out, Flagged)
			sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
			return p, out, nil
		}
	}
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
