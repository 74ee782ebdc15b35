package authorization

import (
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
)

// Route is the endpoint a request arrived on.
type Route uint8

// The endpoints this package answers.
const (
	Authorize Route = iota + 1
	AdjustDebit
	AdjustCredit
)

// KindAdjustmentDebit and KindAdjustmentCredit are the entry kinds of adjustments.
const (
	KindAdjustmentDebit  = "ADJUSTMENT_DEBIT"
	KindAdjustmentCredit = "ADJUSTMENT_CREDIT"
)

// decision is what a request should do before the store has had its say:
// either a posting to commit with an APPROVED answer, an answer that moves
// nothing (approve or decline), or, for adjustments, an empty answer.
type decision struct {
	posting *ledger.Posting
	answer  pomelo.Answer
}

var (
	approved     = pomelo.Answer{Status: pomelo.Approved, Message: "OK", StatusDetail: pomelo.DetailApproved}
	approvedBody = approved.Encode() // the answer to most requests, encoded once
)

func decline(detail pomelo.StatusDetail, message string) decision {
	return decision{answer: pomelo.Answer{Status: pomelo.Rejected, Message: message, StatusDetail: detail}}
}

// decideAuthorization applies the authorization rules that need no store.
func decideAuthorization(a pomelo.Authorization, now time.Time) decision {
	local := a.Amount.Local.Amount
	t := a.Transaction.Type
	if t == pomelo.BalanceInquiry {
		return decision{answer: approved}
	}
	if local.Minor <= 0 {
		return decline(pomelo.DetailInvalidAmount, "amount.local.total must be positive")
	}
	if msg, ok := detailsAddUp(a.Amount); !ok {
		return decline(pomelo.DetailInvalidAmount, msg)
	}
	e := ledger.Entry{
		UserID:        a.User.ID,
		Currency:      local.Currency,
		TransactionID: a.Transaction.ID,
		Class:         ledger.ClassAuthorization,
		Kind:          string(t),
		Status:        ledger.Posted,
		CreatedAt:     now,
	}
	p := &ledger.Posting{}
	switch t {
	case pomelo.Purchase, pomelo.Withdrawal, pomelo.ExtraCash, pomelo.Cashback:
		e.Amount, e.Reversible = -local.Minor, local.Minor
		p.RequireFunds = true
	case pomelo.Refund, pomelo.Payment:
		e.Amount, e.Reversible = local.Minor, local.Minor
	default:
		orig, _ := t.Reverses() // DecodeAuthorization admits only known types
		e.Original = a.Transaction.OriginalTransactionID
		e.Amount = -local.Minor // undoing a credit takes it back, even into debt
		if isDebit(orig) {
			e.Amount = local.Minor // undoing a debit gives the money back
		}
		p.Reverses = &ledger.Reversal{OriginalID: e.Original, OriginalKind: string(orig), Amount: local.Minor}
	}
	p.Entry = e
	return decision{posting: p, answer: approved}
}

func isDebit(t pomelo.TransactionType) bool {
	switch t {
	case pomelo.Purchase, pomelo.Withdrawal, pomelo.ExtraCash, pomelo.Cashback:
		return true
	}
	return false
}

// detailsAddUp reports whether amount.details, when present, are all in the
// local currency and sum exactly to the local total.
func detailsAddUp(a pomelo.Amounts) (string, bool) {
	if len(a.Details) == 0 {
		return "", true
	}
	total := a.Local.Amount
	sum := money.Amount{Currency: total.Currency}
	for _, d := range a.Details {
		if d.Amount.Currency != total.Currency {
			return "amount.details currency " + d.Amount.Currency + " differs from amount.local currency " + total.Currency, false
		}
		var err error
		if sum, err = sum.Add(d.Amount); err != nil {
			return "amount.details add up beyond any valid amount", false
		}
	}
	if sum != total {
		return "amount.details do not add up to amount.local.total", false
	}
	return "", true
}

// unmatchedReversal turns a reversal whose original is unknown into an entry
// that moves nothing and stays visible for reconciliation.
func unmatchedReversal(p *ledger.Posting) *ledger.Posting {
	e := p.Entry
	e.Amount = 0
	e.Status = ledger.UnmatchedReversal
	return &ledger.Posting{Entry: e}
}

// decideAdjustment builds the forced movement of an adjustment.
func decideAdjustment(a pomelo.Authorization, r Route, now time.Time) (*ledger.Posting, bool) {
	local := a.Amount.Local.Amount
	if local.Minor < 0 {
		return nil, false
	}
	e := ledger.Entry{
		UserID:        a.User.ID,
		Currency:      local.Currency,
		TransactionID: a.Transaction.ID,
		Class:         ledger.ClassAdjustmentCredit,
		Kind:          KindAdjustmentCredit,
		Amount:        local.Minor,
		Status:        ledger.Posted,
		CreatedAt:     now,
	}
	if r == AdjustDebit {
		e.Class, e.Kind, e.Amount = ledger.ClassAdjustmentDebit, KindAdjustmentDebit, -local.Minor
	}
	return &ledger.Posting{Entry: e}, true
}
