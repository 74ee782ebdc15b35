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
func ParseTransaction(c *Columns, rec [][]byte, line int) (Transaction, error) {
	t := Transaction{Line: line}
	var err error
	if t.ID, err = identifier("TRANSACTION_ID", c.field(rec, colTransactionId)); err != nil {
		return t, err
	}
	if t.UserID, err = identifier("USER_ID", c.field(rec, colUserId)); err != nil {
		return t, err
	}
	var ok bool
	if t.Type, ok = known[string(c.field(rec, colTransactionType))]; !ok || direction[t.Type] == 0 {
		return t, fmt.Errorf("%w: unknown TRANSACTION_TYPE %.64q", ErrValue, c.field(rec, colTransactionType))
	}
	switch s := c.field(rec, colStatus); string(s) {
	case Approved, Rejected, Held:
		t.Status = known[string(s)]
	default:
		return t, fmt.Errorf("%w: unknown STATUS %.64q", ErrValue, s)
	}
	if t.Currency, err = currency("LOCAL_CURRENCY", c.field(rec, colLocalCurrency)); err != nil {
		return t, err
	}
	if t.Amount, err = parseAmount(c.field(rec, colLocalAmount), t.Currency, false); err != nil {
		return t, fmt.Errorf("LOCAL_AMOUNT: %w", err)
	}
	if t.StatusDetail, err = label("STATUS_DETAIL", c.field(rec, colStatusDetail)); err != nil {
		return t, err
	}
	if t.Source, err = label("SOURCE", c.field(rec, colSource)); err != nil {
		return t, err
	}
	if o := c.field(rec, colOriginalTransactionId); len(o) > 0 {
		if t.Original, err = identifier("ORIGINAL_TRANSACTION_ID", o); err != nil {
			return t, err
		}
	}
	if cur := c.field(rec, colTransactionCurrency); len(cur) > 0 {
		if t.TransactionCurrency, err = currency("TRANSACTION_CURRENCY", cur); err != nil {
			return t, err
		}
		if t.TransactionAmount, err = parseAmount(c.field(rec, colTransactionAmount), t.TransactionCurrency, false); err != nil {
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
	if s, ok := known[string(b)]; ok {
		return s, nil
	}
	return string(b), nil
}

// known holds the values the files repeat on every row (types, statuses,
// sources, status details, function codes, common currencies), so that
// reading one costs no allocation.
var known = func() map[string]string {
	m := map[string]string{}
	for _, list := range [][]string{
		{"PURCHASE", "WITHDRAWAL", "EXTRACASH", "REFUND", "PAYMENT", "REVERSAL_PURCHASE", "REVERSAL_WITHDRAWAL",
			"REVERSAL_EXTRACASH", "REVERSAL_REFUND", "REVERSAL_PAYMENT"},
		{Approved, Rejected, Held, "ONLINE", "CLEARING", "PURGE"},
		{"CARD_BLOCKED", "CARD_DISABLED", "CARD_NOT_ACTIVE", "CARD_NOT_CONFIGURED", "CARD_NOT_FOUND", "CRYPTO_ERROR",
			"DUPLICATE_TRANSMISSION_DETECTED", "EXPIRED_CARD", "EXTRA_FIELDS", "INSUFFICIENT_FUNDS", "INVALID_AMOUNT",
			"INVALID_CVV", "INVALID_EXPIRATION_DATE", "INVALID_MERCHANT", "INVALID_PIN", "INVALID_TRANSACTION", "LOST_CARD",
			"MISSING_FIELDS", "NOT_DECLINED", "ORIGINAL_NOT_FOUND", "OTHER", "RESTRICTED_USER", "SECURITY_VIOLATION",
			"SERVICE_UNAVAILABLE", "STOLEN_CARD", "SYSTEM_ERROR", "TRANSACTION_NOT_PERMITTED"},
		{"FIRST_PRESENTMENT", "SECOND_PRESENTMENT_FULL", "SECOND_PRESENTMENT_PARTIAL"},
		{"ARS", "BRL", "CLP", "COP", "MXN", "PEN", "USD", "UYU", "EUR"},
	} {
		for _, v := range list {
			m[v] = v
		}
	}
	return m
}()
