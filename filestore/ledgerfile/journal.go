package ledgerfile

import (
	"fmt"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// commit is one journal line. Its field names are the journal's file format:
// add fields, never rename them.
type commit struct {
	Record  *record  `json:"record,omitempty"`
	Posting *posting `json:"posting,omitempty"`
	// A settlement posting, or a reconciliation's run record, comes on a
	// line of its own, without a record.
	Settle *entry          `json:"settle,omitempty"`
	Run    *settlement.Run `json:"run,omitempty"`
}

type record struct {
	Key         string    `json:"key"`
	Fingerprint []byte    `json:"fingerprint"`
	Status      int       `json:"status"`
	Body        []byte    `json:"body"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

type posting struct {
	Entry        entry     `json:"entry"`
	RequireFunds bool      `json:"require_funds,omitempty"`
	Reverses     *reversal `json:"reverses,omitempty"`
}

type reversal struct {
	OriginalID   string `json:"original_id"`
	OriginalKind string `json:"original_kind"`
	Amount       int64  `json:"amount"`
}

type entry struct {
	UserID        string    `json:"user_id"`
	Currency      string    `json:"currency"`
	TransactionID string    `json:"transaction_id"`
	Class         string    `json:"class"`
	Kind          string    `json:"kind"`
	Amount        int64     `json:"amount"`
	Status        string    `json:"status"`
	Original      string    `json:"original,omitempty"`
	Reversible    int64     `json:"reversible,omitempty"`
	Ref           string    `json:"ref,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

func entryOf(e ledger.Entry) *entry {
	return &entry{
		UserID: e.UserID, Currency: e.Currency, TransactionID: e.TransactionID, Class: string(e.Class), Kind: e.Kind,
		Amount: e.Amount, Status: string(e.Status), Original: e.Original, Reversible: e.Reversible, Ref: e.Ref, CreatedAt: e.CreatedAt,
	}
}

func (e entry) decode() ledger.Entry {
	return ledger.Entry{
		UserID: e.UserID, Currency: e.Currency, TransactionID: e.TransactionID,
		Class: ledger.Class(e.Class), Kind: e.Kind, Amount: e.Amount, Status: ledger.Status(e.Status),
		Original: e.Original, Reversible: e.Reversible, Ref: e.Ref, CreatedAt: e.CreatedAt,
	}
}

func (c commit) decode() (idempotency.Record, *ledger.Posting, error) {
	if c.Record == nil {
		return idempotency.Record{}, nil, fmt.Errorf("a line with neither a record, a settlement nor a run")
	}
	rec := idempotency.Record{
		Key:       c.Record.Key,
		Status:    c.Record.Status,
		Body:      c.Record.Body,
		CreatedAt: c.Record.CreatedAt,
		ExpiresAt: c.Record.ExpiresAt,
	}
	if copy(rec.Fingerprint[:], c.Record.Fingerprint) != len(rec.Fingerprint) {
		return idempotency.Record{}, nil, fmt.Errorf("record %q: short fingerprint", rec.Key)
	}
	if c.Posting == nil {
		return rec, nil, nil
	}
	p := &ledger.Posting{Entry: c.Posting.Entry.decode(), RequireFunds: c.Posting.RequireFunds}
	if r := c.Posting.Reverses; r != nil {
		p.Reverses = &ledger.Reversal{OriginalID: r.OriginalID, OriginalKind: r.OriginalKind, Amount: r.Amount}
	}
	return rec, p, nil
}
