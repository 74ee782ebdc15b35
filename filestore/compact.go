package filestore

import "fmt"

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
