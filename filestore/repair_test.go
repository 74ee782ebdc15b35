package filestore

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func writeLines(t *testing.T, dir, name string, n int) {
	t.Helper()
	w, err := OpenWAL(dir, name, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := 1; i <= n; i++ {
		b, start := BeginLine(nil)
		seq, err := w.Add(SealLine(append(b, `{"n":`+strconv.Itoa(i)+`}`...), start))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Wait(seq); err != nil {
			t.Fatal(err)
		}
	}
}

func replayed(t *testing.T, dir, name string) []string {
	t.Helper()
	var got []string
	w, err := OpenWAL(dir, name, func(c []byte) error { got = append(got, string(c)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	return got
}

// TestRepair: each damaged line is set aside, every intact line after it
// kept; a journal without damage is left alone.
func TestRepair(t *testing.T) {
	dir := t.TempDir()
	writeLines(t, dir, "a.journal", 5)
	writeLines(t, dir, "b.journal", 2)
	path := filepath.Join(dir, "a.journal")
	b, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(b, []byte("\n"))
	lines[1] = bytes.Replace(lines[1], []byte(`"n":2`), []byte(`"n":7`), 1) // a flipped byte
	lines[3] = []byte("garbage\n")
	damaged := bytes.Join(lines, nil)
	damaged = append(damaged, `0000`...) // a last line cut short
	os.WriteFile(path, damaged, 0o600)
	if _, err := OpenWAL(dir, "a.journal", func([]byte) error { return nil }); err == nil {
		t.Fatal("the damaged journal opened")
	}
	before, _ := os.ReadFile(filepath.Join(dir, "b.journal"))

	reps, err := Repair(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Kept != 3 || len(reps[0].Aside) != 3 || reps[0].Aside[0].Line != 2 || reps[0].Aside[1].Line != 4 ||
		reps[0].Aside[0].Offset != int64(len(lines[0])) || len(reps[1].Aside) != 0 {
		t.Fatalf("Repair = %+v", reps)
	}
	if got := strings.Join(replayed(t, dir, "a.journal"), " "); got != `{"n":1} {"n":3} {"n":5}` {
		t.Errorf("after the repair the journal replays %s", got)
	}
	aside, _ := os.ReadFile(reps[0].AsideFile)
	if !bytes.Contains(aside, []byte(`"n":7`)) || !bytes.Contains(aside, []byte("garbage\n")) || !bytes.HasSuffix(aside, []byte("0000\n")) {
		t.Errorf("set aside: %q", aside)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "b.journal")); !bytes.Equal(before, after) {
		t.Error("an intact journal was rewritten")
	}
	if !strings.Contains(reps[0].String(), "line 2 (byte") {
		t.Errorf("report: %s", reps[0])
	}
}
