package settlement

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// ExceptionColumns are the columns of exceptions.csv.
var ExceptionColumns = []string{"TRANSACTION_ID", "RULE", "SOURCE", "STATUS_DETAIL", "ACTION", "DETAIL"}

// exception is one line of exceptions.csv, with what the run needs of it
// later: a MALFORMED row's line, and the account a posting touched.
type exception struct {
	TransactionID string
	Rule          Rule
	Source        string
	StatusDetail  string
	Action        string
	Detail        string
	Line          int
	UserID        string // of a posting or a held row
	Currency      string
}

// partColumns are a report part's: exceptions.csv's and what the run needs.
var partColumns = append(append([]string(nil), ExceptionColumns...), "LINE", "USER_ID", "CURRENCY")

// encodePart writes lines as a report part: exceptions.csv's columns and
// the ones the run needs later, as written (a part is read back, never
// opened in a spreadsheet).
func encodePart(lines []exception) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(partColumns) // a bytes.Buffer does not fail
	rec := make([]string, 0, len(partColumns))
	for _, x := range lines {
		rec = append(rec[:0], x.TransactionID, string(x.Rule), x.Source, x.StatusDetail, x.Action, x.Detail,
			strconv.Itoa(x.Line), x.UserID, x.Currency)
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// decodePart reads a report part back.
func decodePart(b []byte) ([]exception, error) {
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("settlement: report part: %w", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(partColumns, ",") {
		return nil, fmt.Errorf("settlement: report part: unexpected header")
	}
	out := make([]exception, 0, len(recs)-1)
	for _, r := range recs[1:] {
		line, err := strconv.Atoi(r[6])
		if err != nil {
			return nil, fmt.Errorf("settlement: report part: line %q", r[6])
		}
		out = append(out, exception{
			TransactionID: r[0], Rule: Rule(r[1]), Source: r[2], StatusDetail: r[3], Action: r[4], Detail: r[5],
			Line: line, UserID: r[7], Currency: r[8],
		})
	}
	return out, nil
}

// shown is an outside value as a report may show it: valid UTF-8 without
// control characters, no longer than an identifier may be.
func shown(b []byte) string {
	if len(b) > storable.MaxID {
		b = b[:storable.MaxID]
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(string(b), string(utf8.RuneError)))
}

// formulaStart holds the first characters of a cell a spreadsheet reads
// as a formula: OWASP's list for CSV injection.
const formulaStart = "=+-@\t\r"

// neutral is a cell of a report people open in a spreadsheet: one that
// would start a formula is prefixed with a ' so that it reads as text.
func neutral(cell string) string {
	if cell != "" && strings.IndexByte(formulaStart, cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// unneutral reads back a cell neutral wrote.
func unneutral(cell string) string {
	if len(cell) > 1 && cell[0] == '\'' && strings.IndexByte(formulaStart, cell[1]) >= 0 {
		return cell[1:]
	}
	return cell
}

// report writes exceptions.csv line by line and keeps what the summary
// needs of the lines: the first MaxAnomalies anomalies and their count,
// the accounts a posting touched (for the debts), and the HELD rows (for
// held.csv).
type report struct {
	w         *csv.Writer
	rec       []string
	anomalies []Anomaly
	total     int
	touched   map[ledger.Account]bool
	held      []exception
}

func (r *report) start(w io.Writer) {
	r.w = csv.NewWriter(w)
	r.w.Write(ExceptionColumns)
	r.anomalies = []Anomaly{}
}

// add writes a line of exceptions.csv, its cells neutralised.
func (r *report) add(x exception) {
	r.rec = append(r.rec[:0], x.TransactionID, string(x.Rule), x.Source, x.StatusDetail, x.Action, x.Detail)
	for i := range r.rec {
		r.rec[i] = neutral(r.rec[i])
	}
	r.w.Write(r.rec)
	switch x.Rule {
	case Adjusted, AmountAdjusted:
		r.touched[ledger.Account{UserID: x.UserID, Currency: x.Currency}] = true
	case HeldRow:
		if x.Line > 0 { // a row of the day's file, not one carried
			r.held = append(r.held, exception{TransactionID: x.TransactionID, UserID: x.UserID, Rule: HeldRow})
		}
	case Malformed, Refused, Mismatch, ClientOnly, Flagged:
		r.total++
		if len(r.anomalies) < MaxAnomalies {
			a := Anomaly{TransactionID: x.TransactionID, Rule: x.Rule, Detail: x.Detail}
			if x.Rule != ClientOnly && x.Rule != Flagged {
				a.Line = x.Line
			}
			r.anomalies = append(r.anomalies, a)
		}
	}
}

// flush ends the file, reporting what the writer could not write.
func (r *report) flush() error {
	r.w.Flush()
	return r.w.Error()
}
