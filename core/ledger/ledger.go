// Package ledger keeps cardholder balances as exact entries: one account per
// user and currency, each movement an entry keyed by the provider's
// transaction id so that no transaction moves money twice.
package ledger

import (
	"errors"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Errors a store returns when a posting's conditions do not hold. Nothing is
// written when any of them is returned.
var (
	ErrInsufficientFunds = errors.New("ledger: insufficient funds")
	ErrAlreadyPosted     = errors.New("ledger: transaction already posted")
	ErrOriginalNotFound  = errors.New("ledger: original transaction not found")
	ErrReversalExceeds   = errors.New("ledger: reversal exceeds what remains of the original")
	ErrCurrencyMismatch  = errors.New("ledger: currency differs from the original's")
	ErrBalanceLimit      = errors.New("ledger: balance would leave the bound of ±MaxBalance")
)

// Refuses reports whether err is a posting the ledger will never take as
// it is, whatever the store's health: a balance it would take past
// ±MaxBalance, or a value no store can hold. Retrying it changes nothing.
func Refuses(err error) bool {
	return errors.Is(err, ErrBalanceLimit) || errors.Is(err, storable.ErrInvalid)
}

// MaxBalance bounds every balance, in minor units either way: a posting that
// would take a balance beyond ±MaxBalance is refused with ErrBalanceLimit. It
// equals the largest single amount (10^15 minor units, ten trillion pesos of
// ARS), so that adding any amount to any balance stays far inside int64 and
// inside what every store and reader of a balance can hold.
const MaxBalance = money.MaxMinor

// Class separates the kinds of movement a single transaction id may cause:
// an authorization and a later adjustment of the same transaction are two
// movements, two authorizations with one id are one.
type Class string

// The movement classes.
const (
	ClassAuthorization    Class = "AUTH"
	ClassAdjustmentDebit  Class = "ADJ_DEBIT"
	ClassAdjustmentCredit Class = "ADJ_CREDIT"
	// ClassSettlement is a reconciliation posting: what the day's settlement
	// file says moved and the ledger had not. One transaction may have
	// several, told apart by their Ref.
	ClassSettlement Class = "SETTLE"
)

// FromPomelo reports whether entries of class are made by Pomelo's own
// calls (its authorizations and adjustments) rather than by reconciliation.
func (c Class) FromPomelo() bool {
	return c == ClassAuthorization || c == ClassAdjustmentDebit || c == ClassAdjustmentCredit
}

// Status says what an entry did.
type Status string

// Entry statuses.
const (
	Posted            Status = "POSTED"             // the amount moved
	UnmatchedReversal Status = "UNMATCHED_REVERSAL" // a reversal of an unknown original: nothing moved, reconcile it
)

// Entry is one movement on an account.
type Entry struct {
	UserID        string
	Currency      string
	TransactionID string
	Class         Class
	Kind          string // PURCHASE, REVERSAL_PURCHASE, ADJUSTMENT_DEBIT, ...
	Amount        int64  // signed minor units that moved: negative debits, positive credits
	Status        Status
	// Original is the transaction a reversal undoes.
	Original string
	// Reversible is how much later reversals may still undo, in minor units;
	// it starts at |Amount| on entries that can be reversed, else zero.
	Reversible int64
	// Ref tells apart the several entries of one class a transaction may
	// have (settlement postings); empty for the other classes.
	Ref       string
	CreatedAt time.Time
}

// Key identifies an entry among a user's entries.
func (e Entry) Key() string {
	if e.Ref != "" {
		return string(e.Class) + "#" + e.Ref + "#" + e.TransactionID
	}
	return EntryKey(e.Class, e.TransactionID)
}

// MaxRef is the most bytes an entry's Ref may have. A ref holds no '#', so
// that a key's ref and transaction id cannot be confused.
const MaxRef = 64

// EntryKey is the key of the entry of class for transaction id.
func EntryKey(class Class, transactionID string) string {
	return string(class) + "#" + transactionID
}

// Reversal draws an amount down from an original authorization entry.
type Reversal struct {
	OriginalID   string // the original transaction id
	OriginalKind string // the kind the original must have
	Amount       int64  // positive minor units to undo
}

// Posting is one movement to apply atomically: write Entry, move Entry.Amount
// on the account, and draw down the original when Reverses is set.
type Posting struct {
	Entry Entry
	// RequireFunds makes the posting fail with ErrInsufficientFunds when the
	// account's available balance would go below zero. Forced movements
	// (adjustments, reversals) leave it false and may create debt.
	RequireFunds bool
	Reverses     *Reversal
}

// Check reports a posting no store can take, with an error wrapping
// storable.ErrInvalid: an identifier longer than storable.MaxID, or an
// amount beyond ±money.MaxMinor. Every store runs it before anything else.
func (p Posting) Check() error {
	e := p.Entry
	for _, id := range [...]struct{ name, v string }{
		{"user id", e.UserID}, {"transaction id", e.TransactionID}, {"original transaction id", e.Original},
	} {
		if err := storable.CheckID(id.name, id.v); err != nil {
			return err
		}
	}
	if len(e.Ref) > MaxRef || strings.Contains(e.Ref, "#") {
		return text.Annotate(storable.ErrInvalid, "entry ref longer than 64 bytes or holding '#'")
	}
	if (e.Ref != "") != (e.Class == ClassSettlement) {
		return text.Annotate(storable.ErrInvalid, "a settlement entry, and only one, has a ref")
	}
	if !inRange(e.Amount) || e.Reversible < 0 || e.Reversible > money.MaxMinor {
		return text.Annotate(storable.ErrInvalid, "entry amount out of range")
	}
	if r := p.Reverses; r != nil {
		if err := storable.CheckID("original transaction id", r.OriginalID); err != nil {
			return err
		}
		if r.Amount <= 0 || r.Amount > money.MaxMinor {
			return text.Annotate(storable.ErrInvalid, "reversal amount out of range")
		}
	}
	return nil
}

func inRange(minor int64) bool { return -money.MaxMinor <= minor && minor <= money.MaxMinor }

// Balance is an account's available amount in minor units; negative is debt.
type Balance struct {
	Currency  string
	Available int64
}

// Statement is one page of a user's account: current balances and entries,
// newest first. Next is the opaque cursor of the following page, empty on the
// last one.
type Statement struct {
	UserID   string
	Balances []Balance
	Entries  []Entry
	Next     string
}

// ErrCursor reports a page cursor the store did not issue.
var ErrCursor = errors.New("ledger: invalid page cursor")
