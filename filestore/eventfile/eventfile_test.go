package eventfile_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/filestore/filestoretest"
	. "github.com/tarjeta-dev/tarjeta/storetest"
)

func TestEventsConformance(t *testing.T) {
	RunEvents(t, func(t *testing.T) webhook.Store {
		s, err := eventfile.Open(t.TempDir(), T0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestEventsRestart: events, their settlements, records and TD signs survive
// a restart of the embedded store.
func TestEventsRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := eventfile.Open(dir, T0)
	if err != nil {
		t.Fatal(err)
	}
	e := Ev("td", "OK", "seq-1:OK", 0)
	sign := &webhook.SignUse{Sign: []byte("s1"), BodyHash: sha256.Sum256(e.Body)}
	if _, err := s.Receive(ctx, e, sign); err != nil {
		t.Fatal(err)
	}
	rec := &inbound.Record{Kind: "k", ID: "r1", Version: T0, Data: []byte(`{}`)}
	if err := s.Attempted(ctx, e, webhook.Attempt{Status: webhook.Processed, Record: rec}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = eventfile.Open(dir, T0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Event(ctx, e.ID)
	if err != nil || got.Status != webhook.Processed || got.Attempts != 1 || string(got.Body) != string(e.Body) {
		t.Errorf("event after restart = %+v, %v", got, err)
	}
	if _, err := s.Record(ctx, "k", "r1"); err != nil {
		t.Errorf("record after restart: %v", err)
	}
	other := Ev("td", "OK", "seq-2:OK", 1)
	if _, err := s.Receive(ctx, other, &webhook.SignUse{Sign: []byte("s1"), BodyHash: sha256.Sum256(other.Body)}); !errors.Is(err, webhook.ErrSignReused) {
		t.Errorf("sign after restart: err = %v, want ErrSignReused", err)
	}
	if dup, err := s.Receive(ctx, e, sign); !dup || err != nil {
		t.Errorf("duplicate after restart: %v, %v", dup, err)
	}
}

// TestRepeatedEventLine: a journal line that appears twice (pasted back
// after a repair, say) is applied once: the event is listed once.
func TestRepeatedEventLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := eventfile.Open(dir, T0)
	if err != nil {
		t.Fatal(err)
	}
	e := Ev("belvo", "T", "w-1", 0)
	if _, err := s.Receive(ctx, e, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, eventfile.JournalName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, b...), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = eventfile.Open(dir, T0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, _, err := s.Events(ctx, webhook.Filter{}, "", 10)
	if err != nil || len(page) != 1 {
		t.Errorf("events after a repeated line = %d, %v; want 1", len(page), err)
	}
}

// TestDiskFull: while the disk is full no delivery is kept; once space is
// freed the store recovers by itself, with nothing acknowledged lost or
// listed twice.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	disk := &filestoretest.FullDisk{}
	s, err := eventfile.Open(t.TempDir(), T0, disk.Wrap)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Receive(ctx, Ev("belvo", "T", "w-1", 0), nil); err != nil {
		t.Fatal(err)
	}
	disk.Full.Store(true)
	if _, err := s.Receive(ctx, Ev("belvo", "T", "w-2", 1), nil); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("receive on a full disk: err = %v, want ENOSPC", err)
	}
	disk.Full.Store(false)
	for _, key := range []string{"w-2", "w-3", "w-2"} {
		if _, err := s.Receive(ctx, Ev("belvo", "T", key, 2), nil); err != nil {
			t.Fatalf("receive %s after space was freed: %v", key, err)
		}
	}
	page, _, err := s.Events(ctx, webhook.Filter{}, "", 10)
	if err != nil || len(page) != 3 {
		t.Errorf("events after recovery = %d, %v; want w-1, w-2, w-3 once each", len(page), err)
	}
}

// TestCompaction: events and signs past their ExpiresAt are compacted away
// when the store opens; what is left keeps its state, and the journal
// shrinks.
func TestCompaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := eventfile.Open(dir, T0)
	if err != nil {
		t.Fatal(err)
	}
	old, kept := Ev("td", "OK", "old:OK", 0), Ev("td", "OK", "kept:OK", 1)
	old.ExpiresAt, kept.ExpiresAt = T0.Add(time.Hour), T0.Add(100*time.Hour)
	if _, err := s.Receive(ctx, old, &webhook.SignUse{Sign: []byte("s-old"), BodyHash: sha256.Sum256(old.Body)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Receive(ctx, kept, &webhook.SignUse{Sign: []byte("s-kept"), BodyHash: sha256.Sum256(kept.Body)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Attempted(ctx, kept, webhook.Attempt{Status: webhook.Failed, Error: "down"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, eventfile.JournalName)
	before, _ := os.ReadFile(path)

	s, err = eventfile.Open(dir, T0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after, _ := os.ReadFile(path)
	if len(after) >= len(before) {
		t.Errorf("journal of %d bytes after compaction, %d before", len(after), len(before))
	}
	if _, err := s.Event(ctx, old.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("the expired event is still kept: %v", err)
	}
	got, err := s.Event(ctx, kept.ID)
	if err != nil || got.Status != webhook.Failed || got.Attempts != 1 || got.LastError != "down" || string(got.Body) != string(kept.Body) {
		t.Errorf("the live event after compaction = %+v, %v", got, err)
	}
	// The live sign is still bound; the expired one is free.
	other := Ev("td", "OK", "other:OK", 2)
	if _, err := s.Receive(ctx, other, &webhook.SignUse{Sign: []byte("s-kept"), BodyHash: sha256.Sum256(other.Body)}); !errors.Is(err, webhook.ErrSignReused) {
		t.Errorf("the live sign over another body: %v", err)
	}
	if _, err := s.Receive(ctx, other, &webhook.SignUse{Sign: []byte("s-old"), BodyHash: sha256.Sum256(other.Body)}); err != nil {
		t.Errorf("the expired sign: %v", err)
	}
}
