package settlement

import (
	"fmt"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// TransactionColumns are the columns a transaction file must have.
var TransactionColumns = []string{"TRANSACTION_ID", "TRANSACTION_TYPE", "USER_ID", "LOCAL_AMOUNT", "LOCAL_CURRENCY", "STATUS"}

// Pomelo's statuses of a transaction.
const (
	Approved = "APPROVED"
	Rejected = "REJECTED"
	Held     = "HELD"
)

// direction says which way each transaction type moves the user's money:
// -1 takes money away (a debit), +1 gives it (a credit). A reversal moves
// it back the other way than the type it reverses.
var direction = map[string]int64{
	"PURCHASE":            -1,
	"WITHDRAWAL":          -1,
	"EXTRACASH":           -1,
	"REFUND":              +1,
	"PAYMENT":             +1,
	"REVERSAL_PURCHASE":   +1,
	"REVERSAL_WITHDRAWAL": +1,
	"REVERSAL_EXTRACASH":  +1,
	"REVERSAL_REFUND":     -1,
	"REVERSAL_PAYMENT":    -1,
}

// Transaction is one data row of a transaction file.
type Transaction struct {
	Line         int
	ID           string
	Type         string
	UserID       string
	Amount       int64 // LOCAL_AMOUNT in minor units of Currency, never negative
	Currency     string
	Status       string
	StatusDetail string
	Source       string
	Original     string // ORIGINAL_TRANSACTION_ID, for reversals
	// TransactionAmount and TransactionCurrency are the merchant's amount,
	// which the presentations are checked against; TransactionCurrency is
	// "" when the row has none.
	TransactionAmount   int64
	TransactionCurrency string
}

// Expected is the signed amount, in minor units, that the row says moved on
// the user's account: LOCAL_AMOUNT in the type's direction when approved,
// nothing otherwise.
func (t Transaction) Expected() int64 {
	if t.Status != Approved {
		return 0
	}
	return direction[t.Type] * t.Amount
}

// ParseTransaction reads a data record of a transaction file.
func ParseTransaction(c Columns, rec [][]byte, line int) (Transaction, error) {
	t := Transaction{Line: line}
	var err error
	if t.ID, err = identifier("TRANSACTION_ID", c.field(rec, "TRANSACTION_ID")); err != nil {
		return t, err
	}
	if t.UserID, err = identifier("USER_ID", c.field(rec, "USER_ID")); err != nil {
		return t, err
	}
	t.Type = string(c.field(rec, "TRANSACTION_TYPE"))
	if _, ok := direction[t.Type]; !ok {
		return t, fmt.Errorf("%w: unknown TRANSACTION_TYPE %.64q", ErrValue, t.Type)
	}
	switch s := c.field(rec, "STATUS"); string(s) {
	case Approved, Rejected, Held:
		t.Status = string(s)
	default:
		return t, fmt.Errorf("%w: unknown STATUS %.64q", ErrValue, s)
	}
	if t.Currency, err = currency("LOCAL_CURRENCY", c.field(rec, "LOCAL_CURRENCY")); err != nil {
		return t, err
	}
	if t.Amount, err = parseAmount(c.field(rec, "LOCAL_AMOUNT"), t.Currency, false); err != nil {
		return t, fmt.Errorf("LOCAL_AMOUNT: %w", err)
	}
	if t.StatusDetail, err = label("STATUS_DETAIL", c.field(rec, "STATUS_DETAIL")); err != nil {
		return t, err
	}
	if t.Source, err = label("SOURCE", c.field(rec, "SOURCE")); err != nil {
		return t, err
	}
	if o := c.field(rec, "ORIGINAL_TRANSACTION_ID"); len(o) > 0 {
		if t.Original, err = identifier("ORIGINAL_TRANSACTION_ID", o); err != nil {
			return t, err
		}
	}
	if cur := c.field(rec, "TRANSACTION_CURRENCY"); len(cur) > 0 {
		if t.TransactionCurrency, err = currency("TRANSACTION_CURRENCY", cur); err != nil {
			return t, err
		}
		if t.TransactionAmount, err = parseAmount(c.field(rec, "TRANSACTION_AMOUNT"), t.TransactionCurrency, false); err != nil {
			return t, fmt.Errorf("TRANSACTION_AMOUNT: %w", err)
		}
	}
	return t, nil
}

// currency reads an ISO 4217 code.
func currency(name string, b []byte) (string, error) {
	if _, ok := money.Exponent(string(b)); !ok {
		return "", fmt.Errorf("%s: %w %.8q", name, money.ErrUnknownCurrency, b)
	}
	return string(b), nil
}
