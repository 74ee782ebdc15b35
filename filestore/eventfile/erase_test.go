package eventfile_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

// personal are what a push of Ana's carries that no file may keep once she
// is erased.
var personal = []string{"HEGG560427MVZRRL04", "12345678903", "Ana Gómez", "334.26"}

func pushOf(key string, n int, body string) webhook.Event {
	at := time.Date(2026, 12, 1, 10, 0, n, 0, time.UTC)
	return webhook.Event{ID: webhook.IDOf("td", key), Provider: "td", Route: "td", Type: "OK", DedupeKey: key, Status: webhook.Received,
		ReceivedAt: at, ExpiresAt: at.Add(90 * 24 * time.Hour), Auth: "test", Headers: map[string]string{"query": "sign=abc"},
		Body: []byte(body), Subjects: webhook.SubjectKeys([]string{"td:" + key})}
}

const anasBody = `{"sequence_id":"s-1","curp":"HEGG560427MVZRRL04","nss":"12345678903","name":"Ana Gómez","daily_salary":"$334.26"}`

// scan fails t when a file under dir holds any of what.
func scan(t *testing.T, dir string, what []string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, w := range what {
			if bytes.Contains(b, []byte(w)) {
				t.Errorf("%s still holds %q", path, w)
			}
		}
		return nil
	})
}

// TestEraseLeavesNothingOnDisk: after an erase no file under the store's
// folder holds what the erased events carried (their lines are rewritten
// away, not only forgotten), the other events are kept, and the store goes
// on appending to the rewritten journal.
func TestEraseLeavesNothingOnDisk(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := eventfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	anas, other := pushOf("s-1", 1, anasBody), pushOf("s-2", 2, `{"sequence_id":"s-2","name":"Luis"}`)
	for _, e := range []webhook.Event{anas, other} {
		if _, err := s.Receive(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Attempted(ctx, anas, webhook.Attempt{Status: webhook.Failed, Error: "down"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Erase(ctx, []webhook.Event{anas}); err != nil || n != 1 {
		t.Fatalf("Erase = %d, %v", n, err)
	}
	scan(t, dir, personal)
	third := pushOf("s-3", 3, `{"sequence_id":"s-3"}`)
	if _, err := s.Receive(ctx, third, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = eventfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Event(ctx, anas.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("Ana's push after a restart: %v", err)
	}
	for _, e := range []webhook.Event{other, third} {
		if got, err := s.Event(ctx, e.ID); err != nil || string(got.Body) != string(e.Body) {
			t.Errorf("%s after a restart: %s, %v", e.DedupeKey, got.Body, err)
		}
	}
}

// TestEraseCutShort: a crash after the erase's journal line and before the
// rewrite leaves the line in the journal: opening applies it and rewrites
// the journal without what it erased.
func TestEraseCutShort(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := eventfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	anas := pushOf("s-1", 1, anasBody)
	if _, err := s.Receive(ctx, anas, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	f, err := os.OpenFile(filepath.Join(dir, eventfile.JournalName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(filestore.Line([]byte(`{"erase":["` + anas.ID + `"]}`)))
	f.Close()
	s, err = eventfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Event(ctx, anas.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("Ana's push: %v", err)
	}
	scan(t, dir, personal)
}

func TestErasuresConformance(t *testing.T) {
	storetest.RunErasures(t, func(t *testing.T) erasure.Records {
		s, err := eventfile.Open(t.TempDir(), storetest.T0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
