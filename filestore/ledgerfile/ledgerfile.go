// Package ledgerfile is the embedded store of the authorize function in
// the local stack: the ledger and the idempotency records in memory, made
// durable by a journal (filestore.WAL) replayed when the store opens.
//
// Commits are checked and applied in memory under one lock, then written to
// the journal in groups: each commit waits until a write(2) and an fsync(2)
// holding its line have returned before it is acknowledged, and whoever
// writes takes every line queued so far, so one fsync covers every commit
// that arrived while the previous one ran. A commit whose answer depends on
// another commit (a duplicate, a repeated transaction id) is answered only
// once that commit is in the journal too. After a failed journal write or
// sync the store refuses every commit, since memory may then hold commits
// the journal lacks, until a write succeeds again: the next request cuts
// the journal back to its last durable line and replays it into a fresh
// memory (filestore.WAL.Recover), losing only the unacknowledged.
//
// Each line carries a CRC-32C of its content. On open, a last line without
// its newline was cut short by a crash before it was acknowledged and is
// dropped; any other line that does not check out is damage, and the store
// refuses to open, naming the line and its byte offset (ErrDamaged).
package ledgerfile

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// JournalName is the journal's file name inside the store's directory.
const JournalName = "ledger.journal"

// Store is the embedded store of the authorize function. It is safe for
// concurrent use.
type Store struct {
	mu      sync.Mutex // guards the fields below it, and the order of lines in log
	book    *ledger.Book
	records map[string]held
	runs    map[string]settlement.Run // reconciliations by date
	log     *filestore.WAL
}

// held is a record with the sequence number of the commit that wrote it.
type held struct {
	rec idempotency.Record
	seq uint64
}

// Open opens (creating if needed) the store kept in dir, replaying its
// journal and dropping idempotency records that expired before now. wrap
// wraps the journal file (fault injection in tests).
func Open(dir string, now time.Time, wrap ...func(filestore.File) filestore.File) (*Store, error) {
	s := &Store{}
	s.reset()
	log, err := filestore.OpenWAL(dir, JournalName, func(content []byte) error {
		var c commit
		if err := json.Unmarshal(content, &c); err != nil {
			return err
		}
		switch {
		case c.Settle != nil:
			s.book.Restore(ledger.Posting{Entry: c.Settle.decode()})
			return nil
		case c.Run != nil:
			s.runs[c.Run.Date] = *c.Run
			return nil
		}
		rec, p, err := c.decode()
		if err != nil {
			return err
		}
		if idempotency.Blocks(rec, now) {
			s.records[rec.Key] = held{rec: rec}
		}
		if p != nil {
			s.book.Restore(*p)
		}
		return nil
	}, wrap...)
	if err != nil {
		return nil, err
	}
	s.log = log
	return s, nil
}

// reset empties the memory, for the journal's replay.
func (s *Store) reset() {
	s.book, s.records, s.runs = ledger.NewBook(), make(map[string]held), make(map[string]settlement.Run)
}

// Close closes the journal.
func (s *Store) Close() error { return s.log.Close() }

var _ authorization.Store = (*Store)(nil)

// Commit writes rec and applies p atomically; see authorization.Store.
func (s *Store) Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error {
	roundtrip.Count(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := authorization.Check(rec, p); err != nil {
		return fmt.Errorf("ledgerfile: commit: %w", err)
	}
	// Encoding needs no state: do it before taking the lock.
	line := appendLine(make([]byte, 0, 1024), rec, p)
	if err := filestore.Lock(&s.mu, s.log, s.reset); err != nil {
		return fmt.Errorf("ledgerfile: commit %s: %w", rec.Key, err)
	}
	if old, ok := s.records[rec.Key]; ok && idempotency.Blocks(old.rec, rec.CreatedAt) {
		s.mu.Unlock()
		if err := s.log.Wait(old.seq); err != nil {
			return err
		}
		return &idempotency.HeldError{Record: old.rec}
	}
	if p != nil {
		if err := s.book.Apply(*p); err != nil {
			// The commits this refusal rests on must be in the journal before
			// the caller acts on it.
			seq := s.log.Last()
			s.mu.Unlock()
			if werr := s.log.Wait(seq); werr != nil {
				return werr
			}
			return err
		}
	}
	seq, err := s.log.Add(line)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	s.records[rec.Key] = held{rec: rec, seq: seq}
	s.mu.Unlock()
	return s.log.Wait(seq)
}

// Statement returns a page of the user's account; cursor is empty for the
// first page. It fails with ledger.ErrCursor for a cursor it did not issue.
func (s *Store) Statement(ctx context.Context, userID, cursor string, limit int) (ledger.Statement, error) {
	roundtrip.Count(ctx)
	if err := storable.CheckID("user id", userID); err != nil {
		return ledger.Statement{}, fmt.Errorf("ledgerfile: statement: %w", err)
	}
	before := -1
	if cursor != "" {
		n, ok := parseCursor(cursor, userID)
		if !ok {
			return ledger.Statement{}, fmt.Errorf("%w: %q", ledger.ErrCursor, cursor)
		}
		before = n
	}
	if err := filestore.Lock(&s.mu, s.log, s.reset); err != nil {
		return ledger.Statement{}, fmt.Errorf("ledgerfile: statement: %w", err)
	}
	entries, next := s.book.Entries(userID, before, limit)
	st := ledger.Statement{UserID: userID, Balances: s.book.Balances(userID), Entries: entries}
	seq := s.log.Last()
	s.mu.Unlock()
	if next >= 0 {
		st.Next = formatCursor(next, userID)
	}
	// Show only what is in the journal: wait for what was read to get there.
	if err := s.log.Wait(seq); err != nil {
		return ledger.Statement{}, err
	}
	return st, nil
}

// A cursor is a position in the user's entries and a tag of the user, so
// that it only ever continues the listing of the user it was issued for.
func formatCursor(position int, userID string) string {
	return strconv.Itoa(position) + "." + cursorTag(userID)
}

func parseCursor(c, userID string) (int, bool) {
	pos, tag, ok := strings.Cut(c, ".")
	n, err := strconv.Atoi(pos)
	return n, ok && err == nil && n >= 0 && tag == cursorTag(userID)
}

func cursorTag(userID string) string {
	sum := sha256.Sum256([]byte(userID))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// appendLine appends the journal line of a commit, newline included.
func appendLine(b []byte, rec idempotency.Record, p *ledger.Posting) []byte {
	b, start := filestore.BeginLine(b)
	return filestore.SealLine(appendCommit(b, rec, p), start)
}
