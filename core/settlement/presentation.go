package settlement

import (
	"fmt"
)

// PresentationColumns are the columns a presentation file must have.
var PresentationColumns = []string{"TRANSACTION_ID", "DEBT_AMOUNT", "DEBT_CURRENCY", "FUNCTION_CODE"}

// functionCodes are the presentation types Pomelo documents: a row of any
// other is MALFORMED, so that by_function_code has these keys at most.
var functionCodes = map[string]bool{"FIRST_PRESENTMENT": true, "SECOND_PRESENTMENT_FULL": true, "SECOND_PRESENTMENT_PARTIAL": true}

// Presentment is one data row of a presentation file.
type Presentment struct {
	Line          int
	TransactionID string
	UserID        string // "" when the file has none
	Debt          int64  // DEBT_AMOUNT in minor units of DebtCurrency: positive is owed to Pomelo
	DebtCurrency  string
	FunctionCode  string
	Reverse       bool
	// TransactionAmount in TransactionCurrency, when the row has one
	// ("" currency otherwise).
	TransactionAmount   int64
	TransactionCurrency string
	InterchangeFee      int64 // in DebtCurrency
	Tax                 int64 // in DebtCurrency
}

// ParsePresentment reads a data record of a presentation file.
// INTERCHANGE_FEE and TAX are read in DEBT_CURRENCY, and like DEBT_AMOUNT
// may be negative.
func ParsePresentment(c *Columns, rec [][]byte, line int) (Presentment, error) {
	p := Presentment{Line: line}
	var err error
	if p.TransactionID, err = identifier("TRANSACTION_ID", c.field(rec, colTransactionId)); err != nil {
		return p, err
	}
	if u := c.field(rec, colUserId); len(u) > 0 {
		if p.UserID, err = identifier("USER_ID", u); err != nil {
			return p, err
		}
	}
	if p.DebtCurrency, err = currency("DEBT_CURRENCY", c.field(rec, colDebtCurrency)); err != nil {
		return p, err
	}
	if p.Debt, err = parseAmount(c.field(rec, colDebtAmount), p.DebtCurrency, true); err != nil {
		return p, fmt.Errorf("DEBT_AMOUNT: %w", err)
	}
	if p.FunctionCode = known[string(c.field(rec, colFunctionCode))]; !functionCodes[p.FunctionCode] {
		return p, fmt.Errorf("%w: unknown FUNCTION_CODE %.64q", ErrValue, c.field(rec, colFunctionCode))
	}
	switch r := string(c.field(rec, colReversePresentment)); r {
	case "TRUE":
		p.Reverse = true
	case "FALSE", "":
	default:
		return p, fmt.Errorf("%w: REVERSE_PRESENTMENT %.16q is neither TRUE nor FALSE", ErrValue, r)
	}
	if cur := c.field(rec, colTransactionCurrency); len(cur) > 0 {
		if p.TransactionCurrency, err = currency("TRANSACTION_CURRENCY", cur); err != nil {
			return p, err
		}
		if p.TransactionAmount, err = parseAmount(c.field(rec, colTransactionAmount), p.TransactionCurrency, false); err != nil {
			return p, fmt.Errorf("TRANSACTION_AMOUNT: %w", err)
		}
	}
	for _, f := range [...]struct {
		col column
		to  *int64
	}{{colInterchangeFee, &p.InterchangeFee}, {colTax, &p.Tax}} {
		if v := c.field(rec, f.col); len(v) > 0 {
			if *f.to, err = parseAmount(v, p.DebtCurrency, true); err != nil {
				return p, fmt.Errorf("%s: %w", columnNames[f.col], err)
			}
		}
	}
	return p, nil
}
