package settlement

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Errors of Exceptions.
var (
	// ErrNoReport is a day whose last run did not complete: it has no
	// exceptions.csv to read.
	ErrNoReport = errors.New("settlement: the day's last run has not completed")
	// ErrCursor is a cursor Exceptions did not issue for this day, rule
	// and file: a re-run wrote the file again since.
	ErrCursor = errors.New("settlement: the cursor continues no listing of this day's exceptions")
	// ErrRule is a rule no line of exceptions.csv has.
	ErrRule = errors.New("settlement: no such rule")
)

// ExceptionRules are the rules exceptions.csv's lines have.
var ExceptionRules = []Rule{AmountAdjusted, Adjusted, HeldRow, Malformed, Refused, Mismatch, ClientOnly, Flagged}

// Exception is a line of exceptions.csv, as a spreadsheet would show it (a
// cell neutralised against formulas reads as written).
type Exception struct {
	TransactionID string `json:"transaction_id"`
	Rule          Rule   `json:"rule"`
	Source        string `json:"source"`
	StatusDetail  string `json:"status_detail"`
	Action        string `json:"action"`
	Detail        string `json:"detail"`
}

// Exceptions reads a page of limit lines of the date's exceptions.csv, of
// rule only when it is not empty, in file order, and the cursor of the
// next page ("" after the last). A cursor is the file's ETag and the
// offset to read on from: a page costs one read of the bucket from there,
// and a page filtered by a rare rule reads on until it has limit lines. It
// fails with ErrNoRun for a date never run, ErrNoReport when its last run
// did not complete, ErrRule and ErrCursor.
func (r *Reconciler) Exceptions(ctx context.Context, date string, rule Rule, cursor string, limit int) ([]Exception, string, error) {
	if rule != "" && !slices.Contains(ExceptionRules, rule) {
		return nil, "", fmt.Errorf("%w %.32q", ErrRule, rule)
	}
	obj, day, err := r.exceptionsFile(ctx, date)
	if err != nil {
		return nil, "", err
	}
	tag := exceptionsTag(obj.ETag, rule)
	offset, line := int64(0), 1
	if cursor != "" {
		if offset, line, err = parseExceptionsCursor(cursor, tag, obj.Size); err != nil {
			return nil, "", err
		}
	}
	in, err := r.c.Bucket.Open(ctx, reportKey(day, "exceptions.csv"), obj.ETag, offset)
	if errors.Is(err, ErrChanged) {
		return nil, "", fmt.Errorf("settlement: exceptions of %s: %w", date, ErrCursor)
	}
	if err != nil {
		return nil, "", fmt.Errorf("settlement: exceptions of %s: %w", date, err)
	}
	defer in.Close()
	rd := NewReader(in, offset, line)
	rd.Fields = len(ExceptionColumns)
	if cursor == "" {
		if _, err := rd.Read(); err != nil { // the header
			return nil, "", fmt.Errorf("settlement: exceptions of %s: header: %w", date, err)
		}
	}
	out := []Exception{}
	for {
		next, nextLine := rd.Next()
		rec, err := rd.Read()
		if err == io.EOF {
			return out, "", nil
		}
		if err != nil {
			// The run wrote the file with encoding/csv: a record it cannot
			// read means the object is not the run's.
			return nil, "", fmt.Errorf("settlement: exceptions of %s: line %d: %w", date, rd.Line, err)
		}
		if len(rec) != len(ExceptionColumns) {
			return nil, "", fmt.Errorf("settlement: exceptions of %s: line %d has %d fields, not %d", date, rd.Line, len(rec), len(ExceptionColumns))
		}
		x := Exception{
			TransactionID: unneutral(string(rec[0])), Rule: Rule(unneutral(string(rec[1]))), Source: unneutral(string(rec[2])),
			StatusDetail: unneutral(string(rec[3])), Action: unneutral(string(rec[4])), Detail: unneutral(string(rec[5])),
		}
		if rule != "" && x.Rule != rule {
			continue
		}
		if len(out) == limit {
			return out, tag + "." + strconv.FormatInt(next, 10) + "." + strconv.Itoa(nextLine), nil
		}
		out = append(out, x)
	}
}

// ExceptionsFile opens the date's exceptions.csv as the run wrote it, for
// a download, with its size. It fails as Exceptions does.
func (r *Reconciler) ExceptionsFile(ctx context.Context, date string) (io.ReadCloser, int64, error) {
	obj, day, err := r.exceptionsFile(ctx, date)
	if err != nil {
		return nil, 0, err
	}
	in, err := r.c.Bucket.Open(ctx, reportKey(day, "exceptions.csv"), obj.ETag, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("settlement: exceptions of %s: %w", date, err)
	}
	return in, obj.Size, nil
}

// exceptionsFile finds the exceptions.csv of the date's completed run.
func (r *Reconciler) exceptionsFile(ctx context.Context, date string) (Object, time.Time, error) {
	day, err := Day(date, r.c.Zone, r.c.Now())
	if err != nil {
		return Object{}, day, err
	}
	run, err := r.c.Runs.Run(ctx, date)
	if err != nil {
		return Object{}, day, err
	}
	if run.Status != Completed {
		return Object{}, day, fmt.Errorf("%w: %s is %s", ErrNoReport, date, run.Status)
	}
	obj, err := r.c.Bucket.Stat(ctx, reportKey(day, "exceptions.csv"))
	if err != nil {
		return Object{}, day, fmt.Errorf("settlement: exceptions of %s: %w", date, err)
	}
	return obj, day, nil
}

// exceptionsTag ties a cursor to the file and the rule it was issued for.
func exceptionsTag(etag string, rule Rule) string {
	sum := sha256.Sum256([]byte(etag + "\x00" + string(rule)))
	return string(text.AppendHex(nil, sum[:6]))
}

func parseExceptionsCursor(c, tag string, size int64) (offset int64, line int, err error) {
	parts := strings.Split(c, ".")
	if len(parts) == 3 && parts[0] == tag {
		offset, err = strconv.ParseInt(parts[1], 10, 64)
		if err == nil {
			line, err = strconv.Atoi(parts[2])
		}
		if err == nil && offset > 0 && offset <= size && line > 1 {
			return offset, line, nil
		}
	}
	return 0, 0, fmt.Errorf("%w: %.64q", ErrCursor, c)
}
