// Package folderbucket is the local stack's stand-in for the settlement
// bucket: the object with key K is the plain file <root>/<bucket>/K, byte
// for byte, so that a file dropped there is an object; ETags (the MD5 of
// the content, as S3 gives for a single-part upload) are kept apart, under
// <root>/.meta/<bucket>/, and worked out again when a file changes.
package folderbucket

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// Bucket is a folder of objects. It is safe for concurrent use; a file
// rewritten while it is read is not noticed until the next Stat.
type Bucket struct {
	dir, meta string
}

var _ settlement.Bucket = (*Bucket)(nil)

// New returns the bucket name under root. Nothing is created or checked
// until an object is written.
func New(root, name string) *Bucket {
	return &Bucket{dir: filepath.Join(root, name), meta: filepath.Join(root, ".meta", name)}
}

// ErrKey reports a key that names no file inside the bucket.
var ErrKey = errors.New("folderbucket: key names no file inside the bucket")

// path is the file of key.
func (b *Bucket) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.ContainsRune(key, 0) {
		return "", fmt.Errorf("%w: %q", ErrKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: %q", ErrKey, key)
		}
	}
	return filepath.Join(b.dir, filepath.FromSlash(key)), nil
}

// meta is what is kept of an object besides its content.
type meta struct {
	ETag    string    `json:"etag"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
}

// Stat gives the file's ETag, computing it when the file is new or changed
// since it was last computed.
func (b *Bucket) Stat(_ context.Context, key string) (settlement.Object, error) {
	path, err := b.path(key)
	if err != nil {
		return settlement.Object{}, err
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
		return settlement.Object{}, fmt.Errorf("folderbucket: %s: %w", key, settlement.ErrNoObject)
	}
	if err != nil {
		return settlement.Object{}, fmt.Errorf("folderbucket: %w", err)
	}
	metaPath := filepath.Join(b.meta, filepath.FromSlash(key)+".json")
	var m meta
	if raw, err := os.ReadFile(metaPath); err == nil && json.Unmarshal(raw, &m) == nil &&
		m.Size == info.Size() && m.ModTime.Equal(info.ModTime()) {
		return settlement.Object{Key: key, ETag: m.ETag, Size: m.Size}, nil
	}
	etag, err := etagOf(path)
	if err != nil {
		return settlement.Object{}, fmt.Errorf("folderbucket: %s: %w", key, err)
	}
	m = meta{ETag: etag, Size: info.Size(), ModTime: info.ModTime()}
	if raw, err := json.Marshal(m); err == nil {
		// The ETag can always be worked out again: failing to keep it is no error.
		if os.MkdirAll(filepath.Dir(metaPath), 0o755) == nil {
			_ = writeFile(metaPath, raw)
		}
	}
	return settlement.Object{Key: key, ETag: etag, Size: m.Size}, nil
}

func etagOf(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return `"` + hex.EncodeToString(h.Sum(nil)) + `"`, nil
}

// Open opens the file at offset if its ETag is still etag.
func (b *Bucket) Open(ctx context.Context, key, etag string, offset int64) (io.ReadCloser, error) {
	obj, err := b.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	if obj.ETag != etag {
		return nil, fmt.Errorf("folderbucket: %s: %w", key, settlement.ErrChanged)
	}
	path, _ := b.path(key)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("folderbucket: %w", err)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("folderbucket: %w", err)
	}
	return f, nil
}

// Get reads the file whole.
func (b *Bucket) Get(_ context.Context, key string) ([]byte, error) {
	path, err := b.path(key)
	if err != nil {
		return nil, err
	}
	body, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("folderbucket: %s: %w", key, settlement.ErrNoObject)
	}
	if err != nil {
		return nil, fmt.Errorf("folderbucket: %w", err)
	}
	return body, nil
}

// Put writes the file through a temporary one renamed over it, so that a
// reader sees the old content or the new, never a part.
func (b *Bucket) Put(_ context.Context, key, _ string, body []byte) error {
	path, err := b.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("folderbucket: %w", err)
	}
	if err := writeFile(path, body); err != nil {
		return fmt.Errorf("folderbucket: put %s: %w", key, err)
	}
	return nil
}

// writeFile replaces path's content atomically and durably.
func writeFile(path string, body []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, bytes.NewReader(body)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
