package filestore

import (
	"encoding/json"
	"fmt"
	"sync"
)

// Line returns content as one journal line: its checksum, the content, a
// newline.
func Line(content []byte) []byte {
	b, start := BeginLine(make([]byte, 0, len(content)+10))
	return SealLine(append(b, content...), start)
}

// OpenCompacted opens the journal name in dir as OpenWAL does, replaying it
// with apply into a memory reset empties first. Then compact says whether
// the journal holds what no longer needs keeping (what expired) and gives
// the lines of what does: the journal is rewritten with them and replayed
// again.
func OpenCompacted(dir, name string, reset func(), apply func(content []byte) error, compact func() ([][]byte, bool), wrap ...func(File) File) (*WAL, error) {
	open := func() (*WAL, error) {
		reset()
		return OpenWAL(dir, name, apply, wrap...)
	}
	w, err := open()
	if err != nil {
		return nil, err
	}
	lines, ok := compact()
	if !ok {
		return w, nil
	}
	w.Close()
	if err := Rewrite(dir, name, lines); err != nil {
		return nil, fmt.Errorf("filestore: compact %s: %w", name, err)
	}
	return open()
}

// Commit applies l to a store's memory and queues it on w as one JSON
// line. The caller holds the memory's lock and, after releasing it, waits
// for the returned sequence number (WAL.Wait).
func Commit[L any](w *WAL, l L, apply func(L) error) (uint64, error) {
	content, err := json.Marshal(l)
	if err != nil {
		return 0, err
	}
	if err := apply(l); err != nil {
		return 0, err
	}
	return w.Add(Line(content))
}

// Lock takes mu, the lock of a store's memory, restarting w first if one
// of its writes failed (WAL.Recover, with reset emptying the memory); on an
// error mu is not held.
func Lock(mu *sync.Mutex, w *WAL, reset func()) error {
	mu.Lock()
	if err := w.Recover(reset); err != nil {
		mu.Unlock()
		return err
	}
	return nil
}
