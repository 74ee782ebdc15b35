// Package filestore is what the local stack's embedded stores share: a
// journal (WAL) of checksummed lines, replayed when a store opens, written
// in groups and fsynced before anything is acknowledged, that recovers by
// itself from a failed write, and the repair of a damaged journal. Each
// store, with its own lines, is a package below it (ledgerfile, eventfile).
package filestore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// File is what a WAL needs of its journal file once it is open: appending
// whole groups of lines, syncing them, cutting off a group whose write
// failed, and closing.
type File interface {
	io.WriteCloser
	Sync() error
	Truncate(size int64) error
}

// WAL is an append-only journal of checksummed lines (see BeginLine),
// written in groups: whoever waits for a line first writes and fsyncs every
// line queued so far, and the others find theirs already durable.
//
// A write or sync that fails stops the WAL: the store's memory may then
// hold changes the journal lacks. Recover cuts the journal back to its last
// durable line and replays it into a reset memory; every line of the failed
// group is lost (its writer was told so), every line acknowledged is kept.
type WAL struct {
	path  string
	apply func(content []byte) error
	wrap  []func(File) File

	mu       sync.Mutex // guards the fields below it
	pending  []byte     // lines queued, not yet written
	spare    []byte     // the buffer of the last group written, reused for the next
	appended uint64     // number of lines queued since open
	last     uint64     // the last of them that is not lost
	failed   error      // the write or sync that failed, after which nothing is queued
	lost     []span     // the lines of failed groups, whose writers must hear so

	wmu     sync.Mutex    // held while writing or recovering
	durable atomic.Uint64 // number of lines resolved: written and synced, or lost
	size    int64         // bytes of the journal written and synced; guarded by wmu
	f       File
}

// span is the sequence numbers (from, to] of lines a failed group lost.
type span struct{ from, to uint64 }

// OpenWAL opens (creating if needed) the journal name in dir and replays it:
// apply gets the content of each line in order. A last line without its
// newline was cut short by a crash before it was acknowledged, and is cut
// off; any other line that does not check out fails with *DamagedError.
// wrap, when given, wraps the file (fault injection in tests).
func OpenWAL(dir, name string, apply func(content []byte) error, wrap ...func(File) File) (*WAL, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", dir, err)
	}
	path := filepath.Join(dir, name)
	// O_APPEND: after a group that failed half-written is cut off, the next
	// write lands where the journal now ends.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", path, err)
	}
	// A journal just created must survive a power cut as well as its lines.
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("filestore: open %s: %w", path, err)
	}
	good, partial, err := scan(f, apply)
	if err == nil && partial {
		err = cut(f, good)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("filestore: replay %s: %w", path, err)
	}
	w := &WAL{path: path, apply: apply, wrap: wrap, f: f, size: good}
	for _, wr := range wrap {
		w.f = wr(w.f)
	}
	return w, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func cut(f File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}

// scan applies every line of r and returns the length of the lines that
// checked out, and whether a last line lacked its newline.
func scan(r io.Reader, apply func(content []byte) error) (good int64, partial bool, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	checksummed := false
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return good, len(line) > 0, nil
		}
		if err != nil {
			return good, false, err
		}
		content, sum, err := checkLine(line[:len(line)-1], checksummed)
		if err == nil {
			err = apply(content)
		}
		if err != nil {
			return good, false, &DamagedError{Line: n, Offset: good, Err: err}
		}
		checksummed = checksummed || sum
		good += int64(len(line))
	}
}

// Err returns the failure that stopped the journal, if any.
func (w *WAL) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// Add queues a sealed line and returns its sequence number. Callers hold
// their own lock around applying a change and adding its line, so that the
// journal's order is the order changes were applied in.
func (w *WAL) Add(line []byte) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return 0, fmt.Errorf("filestore: journal failed earlier: %w", w.failed)
	}
	w.pending = append(w.pending, line...)
	w.appended++
	w.last = w.appended
	return w.appended, nil
}

// Last is the sequence number of the last line queued and not lost: what a
// read of the store's memory waits for.
func (w *WAL) Last() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// ErrLost reports a line whose group failed to be written: its change is
// not in the journal, nor, after Recover, in memory.
var ErrLost = errors.New("filestore: the journal write of this change failed")

// Wait returns once the first seq lines are written and synced, writing
// every line queued so far if no one else is doing it. It fails with
// ErrLost, or the write's error, when line seq was not kept.
func (w *WAL) Wait(seq uint64) error {
	if w.durable.Load() >= seq {
		return w.check(seq)
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.durable.Load() >= seq { // the writer we waited for took our line
		return w.check(seq)
	}
	w.mu.Lock()
	failed, lines, last := w.failed, w.pending, w.appended
	w.pending, w.spare = w.spare[:0], nil
	w.mu.Unlock()
	if failed != nil {
		return fmt.Errorf("filestore: journal failed: %w", failed)
	}
	_, err := w.f.Write(lines)
	if err == nil {
		err = w.f.Sync()
	}
	w.mu.Lock()
	w.spare = lines
	if err != nil {
		w.failed = err
	}
	w.mu.Unlock()
	if err != nil {
		return fmt.Errorf("filestore: write journal: %w", err)
	}
	w.size += int64(len(lines))
	w.durable.Store(last)
	return nil
}

// check reports whether resolved line seq was lost.
func (w *WAL) check(seq uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, l := range w.lost {
		if seq > l.from && seq <= l.to {
			return ErrLost
		}
	}
	return nil
}

// Recover restarts a WAL stopped by a failed write: it cuts the journal
// back to its last durable line, calls reset to empty the store's memory,
// and replays the journal into it. The caller holds the lock it holds
// around Add, so that nothing is applied meanwhile. It returns nil when
// there was nothing to recover, and the failure again when the journal
// still cannot be written (the disk still full).
func (w *WAL) Recover(reset func()) error {
	if w.Err() == nil {
		return nil // the common case, without waiting for a write under way
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed == nil {
		return nil
	}
	if err := cut(w.f, w.size); err != nil {
		return fmt.Errorf("filestore: journal failed: %w (recovering: %w)", w.failed, err)
	}
	r, err := os.Open(w.path)
	if err != nil {
		return fmt.Errorf("filestore: journal failed: %w (recovering: %w)", w.failed, err)
	}
	defer r.Close()
	reset()
	if _, _, err := scan(io.LimitReader(r, w.size), w.apply); err != nil {
		// Lines that replayed at open cannot stop replaying now but by a
		// bug: stay stopped.
		return fmt.Errorf("filestore: recover %s: %w", w.path, err)
	}
	if resolved := w.durable.Load(); w.appended > resolved {
		w.lost = append(w.lost, span{resolved, w.appended})
		// The last kept line is the last durable one before every lost span.
		w.last = resolved
		for i := len(w.lost) - 1; i >= 0; i-- {
			if l := w.lost[i]; w.last > l.from && w.last <= l.to {
				w.last = l.from
			}
		}
	}
	w.pending, w.failed = w.pending[:0], nil
	w.durable.Store(w.appended)
	return nil
}

// Replace rewrites the journal with lines, atomically (Rewrite), and goes
// on appending to the new one: what the old journal held beyond them is on
// no disk any more (an erased person's data). lines are what the store's
// memory holds: its caller holds the lock it holds around Add, and the
// lines queued before are written first.
func (w *WAL) Replace(lines [][]byte) error {
	if err := w.Wait(w.Last()); err != nil {
		return err
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if err := Rewrite(filepath.Dir(w.path), filepath.Base(w.path), lines); err != nil {
		return fmt.Errorf("filestore: rewrite %s: %w", w.path, err)
	}
	f, err := os.OpenFile(w.path, os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		// The old file, renamed over, is still open and still appended to,
		// but is on no path: stop, so that nothing is acknowledged unkept.
		w.mu.Lock()
		w.failed = err
		w.mu.Unlock()
		return fmt.Errorf("filestore: reopen %s: %w", w.path, err)
	}
	var size int64
	for _, l := range lines {
		size += int64(len(l))
	}
	var nf File = f
	for _, wr := range w.wrap {
		nf = wr(nf)
	}
	old := w.f
	w.f, w.size = nf, size
	return old.Close()
}

// Close closes the journal.
func (w *WAL) Close() error { return w.f.Close() }

// Rewrite replaces the journal name in dir with lines, atomically: the
// new journal is written and synced beside it, then renamed over it. The
// journal must not be open.
func Rewrite(dir, name string, lines [][]byte) error {
	path := filepath.Join(dir, name)
	tmp := path + ".rewriting"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // gone once renamed
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.Write(l)
	}
	if err := errors.Join(w.Flush(), f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}
