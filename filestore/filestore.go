// Package filestore is the embedded store of the local stack: the ledger and
// the idempotency records in memory, made durable by an append-only journal
// file that is replayed when the store opens.
//
// Each commit is one line of JSON written with a single write call before the
// commit is acknowledged, so a commit survives the process stopping at any
// point; a line cut short by a crash was never acknowledged and is dropped on
// the next open. Writes are not fsynced: the local stack survives a restart of
// itself, not a power cut.
package filestore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// JournalName is the journal's file name inside the store's directory.
const JournalName = "ledger.journal"

// Store is the embedded store. It is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	f       *os.File
	size    int64
	book    *ledger.Book
	records map[string]idempotency.Record
}

// Open opens (creating if needed) the store kept in dir, replaying its
// journal and dropping idempotency records that expired before now.
func Open(dir string, now time.Time) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", dir, err)
	}
	path := filepath.Join(dir, JournalName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", path, err)
	}
	s := &Store{f: f, book: ledger.NewBook(), records: make(map[string]idempotency.Record)}
	if err := s.replay(now); err != nil {
		f.Close()
		return nil, fmt.Errorf("filestore: replay %s: %w", path, err)
	}
	return s, nil
}

// Close closes the journal.
func (s *Store) Close() error { return s.f.Close() }

func (s *Store) replay(now time.Time) error {
	r := bufio.NewReaderSize(s.f, 1<<16)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// A last line without its newline was cut short by a crash: the
			// commit it held was never acknowledged. Cut it off.
			if err := s.f.Truncate(good); err != nil {
				return err
			}
			break
		}
		if err != nil {
			return err
		}
		var c commit
		if err := json.Unmarshal(line, &c); err != nil {
			return fmt.Errorf("line at byte %d: %w", good, err)
		}
		rec, p, err := c.decode()
		if err != nil {
			return fmt.Errorf("line at byte %d: %w", good, err)
		}
		if idempotency.Blocks(rec, now) {
			s.records[rec.Key] = rec
		}
		if p != nil {
			s.book.Restore(*p)
		}
		good += int64(len(line))
	}
	s.size = good
	_, err := s.f.Seek(good, io.SeekStart)
	return err
}

var _ interface {
	Commit(context.Context, idempotency.Record, *ledger.Posting) error
} = (*Store)(nil)

// Commit writes rec and applies p atomically; see authorization.Store.
func (s *Store) Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error {
	roundtrip.Count(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	// Encoding needs no state: do it before taking the lock.
	line := append(appendCommit(make([]byte, 0, 1024), rec, p), '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.records[rec.Key]; ok && idempotency.Blocks(old, rec.CreatedAt) {
		return &idempotency.HeldError{Record: old}
	}
	if p != nil {
		if err := s.book.Check(*p); err != nil {
			return err
		}
	}
	if _, err := s.f.Write(line); err != nil {
		// Cut off whatever part of the line got written, so that the journal
		// stays a sequence of whole commits.
		if terr := s.f.Truncate(s.size); terr == nil {
			s.f.Seek(s.size, io.SeekStart)
		}
		return fmt.Errorf("filestore: write %s: %w", rec.Key, err)
	}
	s.size += int64(len(line))
	s.records[rec.Key] = rec
	if p != nil {
		s.book.Restore(*p)
	}
	return nil
}

// Statement returns a page of the user's account; cursor is empty for the
// first page. It fails with ledger.ErrCursor for a cursor it did not issue.
func (s *Store) Statement(ctx context.Context, userID, cursor string, limit int) (ledger.Statement, error) {
	roundtrip.Count(ctx)
	before := -1
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return ledger.Statement{}, fmt.Errorf("%w: %q", ledger.ErrCursor, cursor)
		}
		before = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, next := s.book.Entries(userID, before, limit)
	st := ledger.Statement{UserID: userID, Balances: s.book.Balances(userID), Entries: entries}
	if next >= 0 {
		st.Next = strconv.Itoa(next)
	}
	return st, nil
}
