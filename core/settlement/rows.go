package settlement

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// Columns says where a file's header put each column the reconciliation
// reads: its position, or -1 when the file has none.
type Columns struct {
	pos [numColumns]int
	n   int // the header's fields
}

// column is a column the reconciliation reads.
type column int

// The columns read, of either file.
const (
	colTransactionId column = iota
	colTransactionType
	colUserId
	colLocalAmount
	colLocalCurrency
	colStatus
	colStatusDetail
	colSource
	colOriginalTransactionId
	colTransactionAmount
	colTransactionCurrency
	colDebtAmount
	colDebtCurrency
	colFunctionCode
	colReversePresentment
	colInterchangeFee
	colTax
	numColumns
)

var columnNames = [numColumns]string{"TRANSACTION_ID", "TRANSACTION_TYPE", "USER_ID", "LOCAL_AMOUNT", "LOCAL_CURRENCY", "STATUS", "STATUS_DETAIL", "SOURCE", "ORIGINAL_TRANSACTION_ID", "TRANSACTION_AMOUNT", "TRANSACTION_CURRENCY", "DEBT_AMOUNT", "DEBT_CURRENCY", "FUNCTION_CODE", "REVERSE_PRESENTMENT", "INTERCHANGE_FEE", "TAX"}

// MissingColumnError reports a required column the header lacks.
type MissingColumnError struct {
	File, Column string
}

func (e *MissingColumnError) Error() string {
	return fmt.Sprintf("%s has no column %s", e.File, e.Column)
}

// ReadHeader reads the header record of file (its name, for errors) and
// checks that every required column is there. Names are matched as
// written, around spaces trimmed; a name given twice is refused.
func ReadHeader(file string, fields [][]byte, required []string) (Columns, error) {
	c := Columns{n: len(fields)}
	index := make(map[string]int, len(fields))
	for i, f := range fields {
		name := strings.TrimSpace(string(f))
		if _, dup := index[name]; dup {
			// A column the run reads must say one thing; one it ignores
			// may repeat.
			if slices.Contains(columnNames[:], name) {
				return c, fmt.Errorf("%s: column %s appears twice", file, name)
			}
			continue
		}
		index[name] = i
	}
	for _, name := range required {
		if _, ok := index[name]; !ok {
			return c, &MissingColumnError{File: file, Column: name}
		}
	}
	for col, name := range columnNames {
		c.pos[col] = -1
		if i, ok := index[name]; ok {
			c.pos[col] = i
		}
	}
	return c, nil
}

// field returns a column of a record, nil when the file has no such
// column or the record is short of it.
func (c *Columns) field(rec [][]byte, col column) []byte {
	i := c.pos[col]
	if i < 0 || i >= len(rec) {
		return nil
	}
	return rec[i]
}

// Why a data row is malformed.
var (
	ErrAmount = errors.New("not a plain decimal amount")
	ErrValue  = errors.New("invalid value")
)

// parseAmount reads a plain decimal ("1060.74", "5", "-0.50" when negative
// is allowed) as minor units of currency: digits, at most one dot, at most
// the currency's decimals, no exponent, no thousands separator, at most
// money.MaxMinor.
func parseAmount(b []byte, currency string, negative bool) (int64, error) {
	exp, ok := money.Exponent(currency)
	if !ok {
		return 0, fmt.Errorf("%w %q", money.ErrUnknownCurrency, currency)
	}
	s := b
	neg := false
	if len(s) > 0 && s[0] == '-' && negative {
		neg, s = true, s[1:]
	}
	var v int64
	digits, decimals, dot := 0, 0, false
	for _, c := range s {
		switch {
		case c == '.' && !dot:
			dot = true
		case '0' <= c && c <= '9':
			if dot {
				decimals++
			}
			digits++
			if v > money.MaxMinor { // keeps v*10 far from overflowing
				return 0, fmt.Errorf("%w: %q", money.ErrRange, b)
			}
			v = v*10 + int64(c-'0')
		default:
			return 0, fmt.Errorf("%w: %q", ErrAmount, b)
		}
	}
	if digits == 0 || (dot && decimals == 0) {
		return 0, fmt.Errorf("%w: %q", ErrAmount, b)
	}
	if decimals > exp {
		return 0, fmt.Errorf("%w: %q in %s", money.ErrPrecision, b, currency)
	}
	for ; decimals < exp; decimals++ {
		if v > money.MaxMinor {
			break
		}
		v *= 10
	}
	if v > money.MaxMinor {
		return 0, fmt.Errorf("%w: %q", money.ErrRange, b)
	}
	if neg {
		v = -v
	}
	return v, nil
}

// identifier checks an outside identifier that becomes part of a store key.
func identifier(name string, b []byte) (string, error) {
	if len(b) == 0 {
		return "", fmt.Errorf("%w: %s is empty", ErrValue, name)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%w: %s is not UTF-8", ErrValue, name)
	}
	if bytes.ContainsFunc(b, unicode.IsControl) {
		return "", fmt.Errorf("%w: %s holds a control character", ErrValue, name)
	}
	id := string(b)
	if err := storable.CheckID(name, id); err != nil {
		return "", err
	}
	return id, nil
}

// label reads a short enumerated or descriptive value carried into the
// report as written: at most 64 bytes of printable ASCII.
func label(name string, b []byte) (string, error) {
	if len(b) > 64 {
		return "", fmt.Errorf("%w: %s is longer than 64 bytes", ErrValue, name)
	}
	if s, ok := known[string(b)]; ok {
		return s, nil
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("%w: %s holds a byte outside printable ASCII", ErrValue, name)
		}
	}
	return string(b), nil
}
