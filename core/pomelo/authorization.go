package pomelo

import (
	"encoding/json"
	"errors"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// ErrPayload reports a body that is not a well-formed Pomelo transaction.
var ErrPayload = errors.New("pomelo: malformed payload")

// TransactionType is transaction.type.
type TransactionType string

// The transaction types Pomelo sends.
const (
	Purchase           TransactionType = "PURCHASE"
	Withdrawal         TransactionType = "WITHDRAWAL"
	ExtraCash          TransactionType = "EXTRACASH"
	Cashback           TransactionType = "CASHBACK"
	BalanceInquiry     TransactionType = "BALANCE_INQUIRY"
	Refund             TransactionType = "REFUND"
	Payment            TransactionType = "PAYMENT"
	ReversalPurchase   TransactionType = "REVERSAL_PURCHASE"
	ReversalWithdrawal TransactionType = "REVERSAL_WITHDRAWAL"
	ReversalExtraCash  TransactionType = "REVERSAL_EXTRACASH"
	ReversalCashback   TransactionType = "REVERSAL_CASHBACK"
	ReversalRefund     TransactionType = "REVERSAL_REFUND"
	ReversalPayment    TransactionType = "REVERSAL_PAYMENT"
)

// reversed maps each reversal type to the type it undoes.
var reversed = map[TransactionType]TransactionType{
	ReversalPurchase:   Purchase,
	ReversalWithdrawal: Withdrawal,
	ReversalExtraCash:  ExtraCash,
	ReversalCashback:   Cashback,
	ReversalRefund:     Refund,
	ReversalPayment:    Payment,
}

// Reverses returns the type a reversal undoes, and false when t is not a reversal.
func (t TransactionType) Reverses() (TransactionType, bool) {
	o, ok := reversed[t]
	return o, ok
}

// Known reports whether t is one of the types above.
func (t TransactionType) Known() bool {
	switch t {
	case Purchase, Withdrawal, ExtraCash, Cashback, BalanceInquiry, Refund, Payment:
		return true
	}
	_, ok := reversed[t]
	return ok
}

// Authorization is the body of POST /transactions/authorizations and of
// POST /transactions/adjustments/{type}.
type Authorization struct {
	Transaction  Transaction   `json:"transaction"`
	Merchant     Merchant      `json:"merchant"`
	Card         Card          `json:"card"`
	Installments *Installments `json:"installments,omitempty"`
	User         User          `json:"user"`
	Amount       Amounts       `json:"amount"`
}

// Transaction is the transaction object.
type Transaction struct {
	ID                    string          `json:"id"`
	Type                  TransactionType `json:"type"`
	PointType             string          `json:"point_type,omitempty"`
	EntryMode             string          `json:"entry_mode,omitempty"`
	CountryCode           string          `json:"country_code,omitempty"`
	Origin                string          `json:"origin,omitempty"`
	OriginalTransactionID string          `json:"original_transaction_id,omitempty"`
	LocalDateTime         string          `json:"local_date_time,omitempty"`
}

// Merchant is the merchant object.
type Merchant struct {
	ID      string `json:"id,omitempty"`
	MCC     string `json:"mcc,omitempty"`
	Address string `json:"address,omitempty"`
	Name    string `json:"name,omitempty"`
}

// Card is the non-sensitive card object (never a PAN).
type Card struct {
	ID          string `json:"id,omitempty"`
	ProductType string `json:"product_type,omitempty"`
	Provider    string `json:"provider,omitempty"`
	LastFour    string `json:"last_four,omitempty"`
}

// Installments is present for credit-card purchases in instalments.
type Installments struct {
	Quantity    string `json:"quantity,omitempty"`
	CreditType  string `json:"credit_type,omitempty"`
	GracePeriod string `json:"grace_period,omitempty"`
}

// User is the cardholder.
type User struct {
	ID string `json:"id"`
}

// Amounts is the amount object. Local is what moves on the user's balance.
type Amounts struct {
	Local       *Total   `json:"local"`
	Transaction *Total   `json:"transaction,omitempty"`
	Settlement  *Total   `json:"settlement,omitempty"`
	Details     []Detail `json:"details,omitempty"`
}

// Total is {"total": <decimal>, "currency": "<ISO-4217>"}.
type Total struct {
	money.Amount
}

// MarshalJSON writes the total as a decimal string.
func (t Total) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Total    string `json:"total"`
		Currency string `json:"currency"`
	}{t.String(), t.Currency})
}

// Detail is one line of amount.details: a component of the local total.
type Detail struct {
	Type   string
	Name   string
	Amount money.Amount
}

// MarshalJSON writes the detail with its amount as a decimal string.
func (d Detail) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type     string `json:"type"`
		Currency string `json:"currency"`
		Amount   string `json:"amount"`
		Name     string `json:"name,omitempty"`
	}{d.Type, d.Amount.Currency, d.Amount.String(), d.Name})
}
