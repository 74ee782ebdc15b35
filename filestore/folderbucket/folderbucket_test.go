package folderbucket_test

import (
	"context"
	"errors"
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
		if _, err := b.Stat(ctx, key); !errors.Is(err, folderbucket.ErrKey) {
			t.Errorf("key %q: %v, want ErrKey", key, err)
		}
	}
}
