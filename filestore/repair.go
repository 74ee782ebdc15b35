package filestore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Repaired says what Repair did to one journal.
type Repaired struct {
	Journal string   // its path
	Kept    int      // intact lines kept, in order
	Aside   []Damage // the lines set aside
	// AsideFile holds the lines set aside, as they were, appended to what
	// an earlier repair set aside.
	AsideFile string
}

// Damage is one line set aside.
type Damage struct {
	Line   int   // 1-based, in the journal before the repair
	Offset int64 // where it started
	Reason string
}

// Repair sets aside every damaged line of each journal (*.journal) in dir:
// the lines that do not check out (checksum, shape) and a last line cut
// short, each moved to <journal>.damaged beside it, while every intact line
// stays, in order. Unlike cutting the file at the first damaged line, this
// keeps every acknowledged line that is intact. A journal without damage is
// not touched. The store must not be open meanwhile.
func Repair(dir string) ([]Repaired, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.journal"))
	if err != nil {
		return nil, err
	}
	var out []Repaired
	for _, p := range paths {
		r, err := repair(p)
		if err != nil {
			return out, fmt.Errorf("filestore: repair %s: %w", p, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func repair(path string) (Repaired, error) {
	rep := Repaired{Journal: path, AsideFile: path + ".damaged"}
	b, err := os.ReadFile(path) // a local stack's journal: read whole
	if err != nil {
		return rep, err
	}
	var kept [][]byte
	var aside []byte
	var offset int64
	checksummed := false
	for n, line := range slices.Collect(bytes.Lines(b)) {
		reason := ""
		if line[len(line)-1] != '\n' {
			reason = "cut short (no newline): never acknowledged"
		} else if _, sum, cerr := checkLine(line[:len(line)-1], checksummed); cerr != nil {
			reason = cerr.Error()
		} else {
			checksummed = checksummed || sum
		}
		if reason == "" {
			kept = append(kept, line)
		} else {
			rep.Aside = append(rep.Aside, Damage{Line: n + 1, Offset: offset, Reason: reason})
			aside = append(aside, line...)
			if line[len(line)-1] != '\n' {
				aside = append(aside, '\n')
			}
		}
		offset += int64(len(line))
	}
	rep.Kept = len(kept)
	if len(rep.Aside) == 0 {
		return rep, nil
	}
	// The damaged lines are kept before the journal loses them.
	af, err := os.OpenFile(rep.AsideFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return rep, err
	}
	if _, err := af.Write(aside); err != nil {
		af.Close()
		return rep, err
	}
	if err := errors.Join(af.Sync(), af.Close()); err != nil {
		return rep, err
	}
	return rep, Rewrite(filepath.Dir(path), filepath.Base(path), kept)
}

// String says what was done, for the person who ran the repair.
func (r Repaired) String() string {
	if len(r.Aside) == 0 {
		return fmt.Sprintf("%s: %d lines, no damage", r.Journal, r.Kept)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: kept %d lines, set %d aside in %s:", r.Journal, r.Kept, len(r.Aside), r.AsideFile)
	for _, d := range r.Aside {
		fmt.Fprintf(&b, "\n  line %d (byte %d): %s", d.Line, d.Offset, d.Reason)
	}
	return b.String()
}
