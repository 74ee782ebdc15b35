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

// wal is an append-only journal of checksummed lines (see line.go), written
// in groups: whoever waits for a line first writes and fsyncs every line
// queued so far, and the others find theirs already durable.
type wal struct {
	mu       sync.Mutex // guards the fields below it
	pending  []byte     // lines queued, not yet written
	spare    []byte     // the buffer of the last group written, reused for the next
	appended uint64     // number of lines queued since open
	failed   error      // the write or sync that failed, after which nothing is queued

	wmu     sync.Mutex    // held while writing
	durable atomic.Uint64 // number of lines written and synced
	f       journal
}

// journal is what a wal needs of its file once it is open: appending whole
// groups of lines, syncing them and closing.
type journal interface {
	io.WriteCloser
	Sync() error
}

// openWAL opens (creating if needed) the journal name in dir and replays it:
// apply gets the content of each line in order. A last line without its
// newline was cut short by a crash before it was acknowledged, and is cut
// off; any other line that does not check out fails with *DamagedError.
func openWAL(dir, name string, apply func(content []byte) error) (*wal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", dir, err)
	}
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", path, err)
	}
	// A journal just created must survive a power cut as well as its lines.
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("filestore: open %s: %w", path, err)
	}
	if err := replay(f, apply); err != nil {
		f.Close()
		return nil, fmt.Errorf("filestore: replay %s: %w", path, err)
	}
	return &wal{f: f}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func replay(f *os.File, apply func(content []byte) error) error {
	r := bufio.NewReaderSize(f, 1<<16)
	var good int64
	checksummed := false
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
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
		content, sum, err := checkLine(line[:len(line)-1], checksummed)
		if err == nil {
			err = apply(content)
		}
		if err != nil {
			return &DamagedError{Line: n, Offset: good, Err: err}
		}
		checksummed = checksummed || sum
		good += int64(len(line))
	}
	_, err := f.Seek(good, io.SeekStart)
	return err
}

// err returns the failure that stopped the journal, if any.
func (w *wal) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// add queues a sealed line and returns its sequence number. Callers hold
// their own lock around applying a change and adding its line, so that the
// journal's order is the order changes were applied in.
func (w *wal) add(line []byte) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return 0, fmt.Errorf("filestore: journal failed earlier: %w", w.failed)
	}
	w.pending = append(w.pending, line...)
	w.appended++
	return w.appended, nil
}

// last is the sequence number of the last line queued.
func (w *wal) last() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appended
}

// wait returns once the first seq lines are written and synced, writing
// every line queued so far if no one else is doing it.
func (w *wal) wait(seq uint64) error {
	if w.durable.Load() >= seq {
		return nil
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.durable.Load() >= seq { // the writer we waited for took our line
		return nil
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
	w.durable.Store(last)
	return nil
}

func (w *wal) Close() error { return w.f.Close() }
