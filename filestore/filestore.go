// Package filestore is the embedded store of the local stack: the ledger and
// the idempotency records in memory, made durable by an append-only journal
// file that is replayed when the store opens.
//
// Commits are checked and applied in memory under one lock, then written to
// the journal in groups: each commit waits until a write(2) and an fsync(2)
// holding its line have returned before it is acknowledged, and whoever
// writes takes every line queued so far, so one fsync covers every commit
// that arrived while the previous one ran. A commit whose answer depends on
// another commit (a duplicate, a repeated transaction id) is answered only
// once that commit is in the journal too. After a failed journal write or
// sync the store refuses every commit until it is reopened, since memory may
// then hold commits the journal lacks.
//
// Each line carries a CRC-32C of its content. On open, a last line without
// its newline was cut short by a crash before it was acknowledged and is
// dropped; any other line that does not check out is damage, and the store
// refuses to open, naming the line and its byte offset (ErrDamaged).
package filestore

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// JournalName is the journal's file name inside the store's directory.
const JournalName = "ledger.journal"

// Store is the embedded store. It is safe for concurrent use.
type Store struct {
	mu       sync.Mutex // guards the fields below it
	book     *ledger.Book
	records  map[string]held
	pending  []byte // journal lines applied in memory, not yet written
	spare    []byte // the buffer of the last group written, reused for the next
	appended uint64 // number of commits applied in memory
	failed   error  // the journal write that failed, after which nothing commits

	wmu     sync.Mutex    // held while writing the journal
	durable atomic.Uint64 // number of commits written to the journal
	f       journal
}

// journal is what the store needs of its file once it is open: appending
// whole groups of lines, syncing them and closing.
type journal interface {
	io.WriteCloser
	Sync() error
}

// held is a record with the sequence number of the commit that wrote it.
type held struct {
	rec idempotency.Record
	seq uint64
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
	// A journal just created must survive a power cut as well as its lines.
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("filestore: open %s: %w", path, err)
	}
	s := &Store{f: f, book: ledger.NewBook(), records: make(map[string]held)}
	if err := s.replay(f, now); err != nil {
		f.Close()
		return nil, fmt.Errorf("filestore: replay %s: %w", path, err)
	}
	return s, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Close closes the journal.
func (s *Store) Close() error { return s.f.Close() }

func (s *Store) replay(f *os.File, now time.Time) error {
	r := bufio.NewReaderSize(f, 1<<16)
	var good int64
	checksummed := false
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// A last line without its newline was cut short by a crash: the
			// commit it held was never acknowledged. Cut it off.
			if len(line) > 0 {
				if err := f.Truncate(good); err != nil {
					return err
				}
				if err := f.Sync(); err != nil {
					return err
				}
			}
			break
		}
		if err != nil {
			return err
		}
		rec, p, sum, err := parseLine(line[:len(line)-1], checksummed)
		if err != nil {
			return &DamagedError{Line: n, Offset: good, Err: err}
		}
		checksummed = checksummed || sum
		if idempotency.Blocks(rec, now) {
			s.records[rec.Key] = held{rec: rec}
		}
		if p != nil {
			s.book.Restore(*p)
		}
		good += int64(len(line))
	}
	_, err := f.Seek(good, io.SeekStart)
	return err
}

var _ authorization.Store = (*Store)(nil)

// Commit writes rec and applies p atomically; see authorization.Store.
func (s *Store) Commit(ctx context.Context, rec idempotency.Record, p *ledger.Posting) error {
	roundtrip.Count(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := authorization.Check(rec, p); err != nil {
		return fmt.Errorf("filestore: commit: %w", err)
	}
	// Encoding needs no state: do it before taking the lock.
	line := appendLine(make([]byte, 0, 1024), rec, p)
	s.mu.Lock()
	if s.failed != nil {
		s.mu.Unlock()
		return fmt.Errorf("filestore: commit %s: journal failed earlier: %w", rec.Key, s.failed)
	}
	if old, ok := s.records[rec.Key]; ok && idempotency.Blocks(old.rec, rec.CreatedAt) {
		s.mu.Unlock()
		if err := s.waitDurable(old.seq); err != nil {
			return err
		}
		return &idempotency.HeldError{Record: old.rec}
	}
	if p != nil {
		if err := s.book.Apply(*p); err != nil {
			// The commits this refusal rests on must be in the journal before
			// the caller acts on it.
			seq := s.appended
			s.mu.Unlock()
			if werr := s.waitDurable(seq); werr != nil {
				return werr
			}
			return err
		}
	}
	s.appended++
	seq := s.appended
	s.records[rec.Key] = held{rec: rec, seq: seq}
	s.pending = append(s.pending, line...)
	s.mu.Unlock()
	return s.waitDurable(seq)
}

// waitDurable returns once the first seq commits are in the journal, writing
// every line queued so far if no one else is doing it.
func (s *Store) waitDurable(seq uint64) error {
	if s.durable.Load() >= seq {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.durable.Load() >= seq { // the writer we waited for took our line
		return nil
	}
	s.mu.Lock()
	failed, lines, last := s.failed, s.pending, s.appended
	s.pending, s.spare = s.spare[:0], nil
	s.mu.Unlock()
	if failed != nil {
		return fmt.Errorf("filestore: journal failed: %w", failed)
	}
	_, err := s.f.Write(lines)
	if err == nil {
		err = s.f.Sync()
	}
	s.mu.Lock()
	s.spare = lines
	if err != nil {
		s.failed = err
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("filestore: write journal: %w", err)
	}
	s.durable.Store(last)
	return nil
}

// Statement returns a page of the user's account; cursor is empty for the
// first page. It fails with ledger.ErrCursor for a cursor it did not issue.
func (s *Store) Statement(ctx context.Context, userID, cursor string, limit int) (ledger.Statement, error) {
	roundtrip.Count(ctx)
	if err := storable.CheckID("user id", userID); err != nil {
		return ledger.Statement{}, fmt.Errorf("filestore: statement: %w", err)
	}
	before := -1
	if cursor != "" {
		n, ok := parseCursor(cursor, userID)
		if !ok {
			return ledger.Statement{}, fmt.Errorf("%w: %q", ledger.ErrCursor, cursor)
		}
		before = n
	}
	s.mu.Lock()
	entries, next := s.book.Entries(userID, before, limit)
	st := ledger.Statement{UserID: userID, Balances: s.book.Balances(userID), Entries: entries}
	seq := s.appended
	s.mu.Unlock()
	if next >= 0 {
		st.Next = formatCursor(next, userID)
	}
	// Show only what is in the journal: wait for what was read to get there.
	if err := s.waitDurable(seq); err != nil {
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
