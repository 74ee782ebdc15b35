package folderbucket_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/filestore/folderbucket"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunBucket(t, func(t *testing.T) settlement.Bucket {
		return folderbucket.New(t.TempDir(), "settlement")
	})
}

// TestDroppedFiles: a file put into the folder by hand is an object, byte
// for byte; rewriting it changes its ETag; the bucket needs no folder until
// then.
func TestDroppedFiles(t *testing.T) {
	root := t.TempDir()
	b := folderbucket.New(root, "settlement")
	ctx := context.Background()
	if _, err := b.Stat(ctx, "transactions2026_12_01.csv"); !errors.Is(err, settlement.ErrNoObject) {
		t.Fatalf("before the folder exists: %v", err)
	}
	path := filepath.Join(root, "settlement", "transactions2026_12_01.csv")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("a,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	first, err := b.Stat(ctx, "transactions2026_12_01.csv")
	if err != nil || first.ETag != `"f69f5b72bc79a92dc70c63c9aa142e36"` || first.Size != 4 {
		t.Fatalf("dropped file: %+v %v", first, err)
	}
	later := time.Now().Add(time.Second)
	if err := os.WriteFile(path, []byte("a,c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, later, later)
	second, err := b.Stat(ctx, "transactions2026_12_01.csv")
	if err != nil || second.ETag == first.ETag {
		t.Errorf("rewritten file: %+v (was %+v) %v", second, first, err)
	}
	if err := b.Put(ctx, "reports/2026/12/01/summary.json", "application/json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(root, "settlement", "reports", "2026", "12", "01", "summary.json")); err != nil || string(got) != "{}" {
		t.Errorf("a put object is the plain file: %q %v", got, err)
	}
	for _, key := range []string{"../escape", "/abs", "a//b", "a/./b", ""} {
		if _, err := b.Stat(ctx, key); !errors.Is(err, settlement.ErrKey) {
			t.Errorf("key %q: %v, want ErrKey", key, err)
		}
	}
}

// TestLinksStayInside: a link that leads out of the bucket's folder is
// never followed, on read or on write, and a loop of links is no object:
// each is settlement.ErrUnreadable, which fails a run rather than
// retrying it.
func TestLinksStayInside(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	b := folderbucket.New(root, "settlement")
	ctx := context.Background()
	dir := filepath.Join(root, "settlement")
	secret := filepath.Join(outside, "secret.csv")
	for _, err := range []error{
		os.MkdirAll(dir, 0o755), os.WriteFile(secret, []byte("a,b\n"), 0o644),
		os.Symlink(secret, filepath.Join(dir, "transactions2026_12_01.csv")),
		os.Symlink(outside, filepath.Join(dir, "reports")),
		os.Symlink("loop-b", filepath.Join(dir, "loop-a")), os.Symlink("loop-a", filepath.Join(dir, "loop-b")),
		os.WriteFile(filepath.Join(dir, "inside.csv"), []byte("x\n"), 0o644),
		os.Symlink("inside.csv", filepath.Join(dir, "link-inside.csv")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{"transactions2026_12_01.csv", "loop-a", "reports/x.csv"} {
		if _, err := b.Stat(ctx, key); !errors.Is(err, settlement.ErrUnreadable) {
			t.Errorf("Stat(%s) = %v, want ErrUnreadable", key, err)
		}
		if _, err := b.Get(ctx, key); !errors.Is(err, settlement.ErrUnreadable) {
			t.Errorf("Get(%s) = %v, want ErrUnreadable", key, err)
		}
	}
	if err := b.Put(ctx, "reports/2026/12/01/summary.json", "application/json", []byte("{}")); !errors.Is(err, settlement.ErrUnreadable) {
		t.Errorf("Put through a link out: %v, want ErrUnreadable", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("the folder outside holds %d entries, want its one file", len(entries))
	}
	if obj, err := b.Stat(ctx, "link-inside.csv"); err != nil || obj.Size != 2 {
		t.Errorf("a link inside the folder: %+v, %v", obj, err)
	}
}

// TestRewrittenWhileRead: a file rewritten in place (as cp does) while it
// is read fails the read with ErrChanged, never a mix of old and new.
func TestRewrittenWhileRead(t *testing.T) {
	root := t.TempDir()
	b := folderbucket.New(root, "settlement")
	ctx := context.Background()
	old := bytes.Repeat([]byte("old,row\n"), 100_000)
	if err := b.Put(ctx, "t.csv", "text/csv", old); err != nil {
		t.Fatal(err)
	}
	obj, err := b.Stat(ctx, "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Open(ctx, "t.csv", obj.ETag, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadFull(r, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	// cp truncates and writes the same file.
	later := time.Now().Add(2 * time.Second)
	path := filepath.Join(root, "settlement", "t.csv")
	if err := os.WriteFile(path, bytes.Repeat([]byte("new,row,longer\n"), 100_000), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, later, later)
	if _, err := io.ReadAll(r); !errors.Is(err, settlement.ErrChanged) {
		t.Errorf("reading on: %v, want ErrChanged", err)
	}
	// Unchanged, it reads whole.
	obj, _ = b.Stat(ctx, "t.csv")
	r2, err := b.Open(ctx, "t.csv", obj.ETag, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if got, err := io.ReadAll(r2); err != nil || len(got) != int(obj.Size)-5 {
		t.Errorf("unchanged: %d bytes, %v", len(got), err)
	}
}
