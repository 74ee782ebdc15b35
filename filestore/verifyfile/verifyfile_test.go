package verifyfile_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/filestore/filestoretest"
	"github.com/tarjeta-dev/tarjeta/filestore/verifyfile"
	. "github.com/tarjeta-dev/tarjeta/storetest"
)

func TestVerificationsConformance(t *testing.T) {
	RunVerifications(t, func(t *testing.T) verification.Store {
		s, err := verifyfile.Open(t.TempDir(), T0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestRestart: verifications, claims, references and windows survive a
// restart; what expired is compacted away at the next open.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := verifyfile.Open(dir, T0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := Ver(1), Ver(2)
	a.ExternalID, b.ExpiresAt = "loan-1", T0.Add(time.Hour)
	for i, v := range []verification.Verification{a, b} {
		w, _ := s.Window(ctx, "k")
		w.Created = append(w.Created, v.CreatedAt)
		if err := s.Create(ctx, v, w); err != nil {
			t.Fatal(i, err)
		}
	}
	a.Version = 2
	if err := s.Save(ctx, a, &verification.Reference{Provider: "td", Reference: "seq-1"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = verifyfile.Open(dir, T0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.ByReference(ctx, "td", "seq-1"); err != nil || got.ID != a.ID || got.Version != 2 {
		t.Errorf("after a restart: %+v, %v", got, err)
	}
	if got, err := s.ByExternalID(ctx, "loan-1"); err != nil || got.ID != a.ID {
		t.Errorf("the claim after a restart: %+v, %v", got, err)
	}
	if _, err := s.Get(ctx, b.ID); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("an expired verification survived compaction: %v", err)
	}
	if w, _ := s.Window(ctx, "k"); w.Version != 2 || len(w.Created) != 2 {
		t.Errorf("window after a restart: %+v", w)
	}
	s.Close()
	s, err = verifyfile.Open(dir, T0.Add(25*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Window(ctx, "k"); w.Version != 0 {
		t.Errorf("a window with nothing in 24 hours survived compaction: %+v", w)
	}
}

// TestDiskFull: a write the disk refuses is refused, nothing of it is
// kept, and the store goes on once the disk has room.
func TestDiskFull(t *testing.T) {
	disk := &filestoretest.FullDisk{}
	s, err := verifyfile.Open(t.TempDir(), T0, disk.Wrap)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	v := Ver(1)
	disk.Full.Store(true)
	w, _ := s.Window(ctx, "k")
	if err := s.Create(ctx, v, w); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Create on a full disk: %v", err)
	}
	disk.Full.Store(false)
	if _, err := s.Get(ctx, v.ID); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("a refused write was kept: %v", err)
	}
	w, _ = s.Window(ctx, "k")
	if err := s.Create(ctx, v, w); err != nil {
		t.Errorf("after the disk has room: %v", err)
	}
}
