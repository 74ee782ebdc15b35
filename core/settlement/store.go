package settlement

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
)

// Object is what a bucket says of an object.
type Object struct {
	Key  string
	ETag string
	Size int64
}

// Errors of a Bucket.
var (
	ErrNoObject = errors.New("settlement: no such object")
	ErrChanged  = errors.New("settlement: the object changed while it was read")
	// ErrUnreadable reports a key that names something no run can read as
	// an object (a link out of the bucket, a loop of links): the run fails
	// with it rather than being retried.
	ErrUnreadable = errors.New("settlement: the key names nothing that can be read as an object")
)

// Bucket holds Pomelo's daily files and the reports written beside them.
type Bucket interface {
	// Stat describes the object at key, or fails with ErrNoObject.
	Stat(ctx context.Context, key string) (Object, error)
	// Open streams the object at key from byte offset on. It fails with
	// ErrNoObject, or ErrChanged when its ETag is no longer etag.
	Open(ctx context.Context, key, etag string, offset int64) (io.ReadCloser, error)
	// Get reads a small object whole (a report part, a summary), or fails
	// with ErrNoObject.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put writes an object whole, replacing any at key.
	Put(ctx context.Context, key, contentType string, body []byte) error
	// PutStream writes the object at key from what write writes, without
	// holding it whole: the object is replaced once write returns nil and
	// so does PutStream; if either fails, the object at key is as it was.
	PutStream(ctx context.Context, key, contentType string, write func(w io.Writer) error) error
}

// Ledger is what reconciliation needs of the ledger.
type Ledger interface {
	// Positions returns what has moved for each transaction, in order.
	Positions(ctx context.Context, txns []ledger.Transaction) ([]ledger.Position, error)
	// Settle applies each settlement posting all or nothing, the balance
	// allowed below zero; one whose entry is already there is skipped, so
	// that settling again moves nothing. A posting the ledger refuses
	// (ledger.Refuses: past ±MaxBalance, or a value no store holds) is that
	// posting's alone: refused has its reason at its index, nil elsewhere
	// (refused is nil when none was), and the others apply. err is the
	// store's failure.
	Settle(ctx context.Context, postings []ledger.Posting) (refused []error, err error)
	// CreatedBetween calls fn with every entry made by Pomelo's calls and
	// created in [from, to).
	CreatedBetween(ctx context.Context, from, to time.Time, fn func(ledger.Entry) error) error
	// Balances returns each account's available balance, in order.
	Balances(ctx context.Context, accounts []ledger.Account) ([]int64, error)
}

// Errors of a Runs store.
var (
	ErrNoRun       = errors.New("settlement: the date was never reconciled")
	ErrRunConflict = errors.New("settlement: the run was saved by someone else meanwhile")
)

// Runs keeps one run record per date.
type Runs interface {
	// Run returns the date's record, or fails with ErrNoRun.
	Run(ctx context.Context, date string) (Run, error)
	// SaveRun writes r when the stored record's version is r.Version-1
	// (none for version 1), else fails with ErrRunConflict.
	SaveRun(ctx context.Context, r Run) error
	// RunsOf returns the records of the dates that have one, in the order
	// of dates (at most MaxRange of them).
	RunsOf(ctx context.Context, dates []string) ([]Run, error)
}

// Run is the record of a date's reconciliation: where it stands, what it
// read, and how far it got, so that another invocation can go on from there.
type Run struct {
	Date       string     `json:"date"`
	Version    int64      `json:"version"`
	Attempt    int        `json:"attempt"` // counts fresh starts; names the report parts
	Status     Status     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	Inputs     []Input    `json:"inputs"`
	Replaces   []Input    `json:"replaces,omitempty"`
	Checkpoint Checkpoint `json:"checkpoint"`
	Counts     Counts     `json:"counts"` // of the rows before the checkpoint; the summary's once COMPLETED
	// Anomalies counts the summary's anomalies once COMPLETED.
	Anomalies  int       `json:"anomalies,omitempty"`
	LeaseUntil time.Time `json:"lease_until"`
}
