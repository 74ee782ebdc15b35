// Package folderbucket is the local stack's stand-in for the settlement
// bucket: the object with key K is the plain file <root>/<bucket>/K, byte
// for byte, so that a file dropped there is an object; ETags (the MD5 of
// the content, as S3 gives for a single-part upload) are kept apart, under
// <root>/.meta/<bucket>/, and worked out again when a file changes.
package folderbucket

import (
	"bufio"
	"cmp"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// Bucket is a folder of objects. It is safe for concurrent use. Every file
// is reached through an os.Root, so that no link leads a read or a write out
// of the folder.
type Bucket struct {
	dir, meta string
}

var _ settlement.Bucket = (*Bucket)(nil)

// New returns the bucket name under root. Nothing is created or checked
// until an object is written.
func New(root, name string) *Bucket {
	return &Bucket{dir: filepath.Join(root, name), meta: filepath.Join(root, ".meta", name)}
}

// name is the file name of key under the bucket's root.
func name(key string) (string, error) {
	if err := settlement.CheckKey(key); err != nil {
		return "", fmt.Errorf("folderbucket: %w", err)
	}
	return filepath.FromSlash(key), nil
}

// open opens dir as a root; create makes it first. A root that does not
// exist is nil, with no error.
func open(dir string, create bool) (*os.Root, error) {
	if create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("folderbucket: %w", err)
		}
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("folderbucket: %w", err)
	}
	return root, nil
}

// failure reads an error of the file system about key: one that says
// nothing is there is ErrNoObject; a link out of the folder, a loop of
// links or anything else but a regular file is ErrUnreadable; the rest
// are the disk's.
func failure(key string, err error) error {
	var perr *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("folderbucket: %s: %w", key, settlement.ErrNoObject)
	case errors.As(err, &perr) && (perr.Err.Error() == "path escapes from parent" || errors.Is(perr.Err, syscall.ELOOP)):
		return fmt.Errorf("folderbucket: %s: %w: %v", key, settlement.ErrUnreadable, perr.Err)
	}
	return fmt.Errorf("folderbucket: %s: %w", key, err)
}

// meta is what is kept of an object besides its content.
type meta struct {
	ETag    string    `json:"etag"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
}

// Stat gives the file's ETag, computing it when the file is new or changed
// since it was last computed.
func (b *Bucket) Stat(ctx context.Context, key string) (settlement.Object, error) {
	f, obj, err := b.openObject(key)
	if err != nil {
		return settlement.Object{}, err
	}
	f.Close()
	return obj, nil
}

// openObject opens the file of key and describes it as it was opened: its
// ETag is that of the content the file holds.
func (b *Bucket) openObject(key string) (*os.File, settlement.Object, error) {
	n, err := name(key)
	if err != nil {
		return nil, settlement.Object{}, err
	}
	root, err := open(b.dir, false)
	if err != nil || root == nil {
		return nil, settlement.Object{}, cmp.Or(err, fmt.Errorf("folderbucket: %s: %w", key, settlement.ErrNoObject))
	}
	defer root.Close()
	f, err := root.Open(n)
	if err != nil {
		return nil, settlement.Object{}, failure(key, err)
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("folderbucket: %s: %w: not a regular file", key, settlement.ErrUnreadable)
	}
	if err != nil {
		f.Close()
		return nil, settlement.Object{}, err
	}
	etag, err := b.etag(key, f, info)
	if err != nil {
		f.Close()
		return nil, settlement.Object{}, fmt.Errorf("folderbucket: %s: %w", key, err)
	}
	return f, settlement.Object{Key: key, ETag: etag, Size: info.Size()}, nil
}

// etag is the MD5 of f's content: the one kept for a file of info's size
// and modification time, else worked out again and kept.
func (b *Bucket) etag(key string, f *os.File, info fs.FileInfo) (string, error) {
	metaName := filepath.FromSlash(key) + ".json"
	metaRoot, _ := open(b.meta, false)
	if metaRoot != nil {
		defer metaRoot.Close()
		var m meta
		if raw, err := metaRoot.ReadFile(metaName); err == nil && json.Unmarshal(raw, &m) == nil &&
			m.Size == info.Size() && m.ModTime.Equal(info.ModTime()) {
			return m.ETag, nil
		}
	}
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, info.Size())); err != nil {
		return "", err
	}
	etag := `"` + hex.EncodeToString(h.Sum(nil)) + `"`
	// The ETag can always be worked out again: failing to keep it is no
	// error.
	if raw, err := json.Marshal(meta{ETag: etag, Size: info.Size(), ModTime: info.ModTime()}); err == nil {
		if metaRoot == nil {
			metaRoot, _ = open(b.meta, true)
			if metaRoot != nil {
				defer metaRoot.Close()
			}
		}
		if metaRoot != nil && metaRoot.MkdirAll(filepath.Dir(metaName), 0o755) == nil {
			_ = writeFile(metaRoot, metaName, raw)
		}
	}
	return etag, nil
}

// Open opens the file at offset if its ETag is still etag. What it reads is
// the file as it was opened: a file rewritten in place meanwhile (its size
// or modification time changed by the end) fails the read with
// settlement.ErrChanged.
func (b *Bucket) Open(ctx context.Context, key, etag string, offset int64) (io.ReadCloser, error) {
	f, obj, err := b.openObject(key)
	if err != nil {
		return nil, err
	}
	if obj.ETag != etag {
		f.Close()
		return nil, fmt.Errorf("folderbucket: %s: %w", key, settlement.ErrChanged)
	}
	info, err := f.Stat()
	if err == nil {
		_, err = f.Seek(offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("folderbucket: %w", err)
	}
	return &snapshot{f: f, key: key, size: info.Size(), mod: info.ModTime(), left: info.Size() - offset}, nil
}

// snapshot reads a file that must not change while it is read.
type snapshot struct {
	f    *os.File
	key  string
	size int64
	mod  time.Time
	left int64 // bytes before the end, as the file was opened
}

func (s *snapshot) Read(p []byte) (int, error) {
	n, err := s.f.Read(p)
	s.left -= int64(n)
	if err == io.EOF || s.left < 0 {
		info, serr := s.f.Stat()
		if serr != nil || s.left != 0 || info.Size() != s.size || !info.ModTime().Equal(s.mod) {
			return n, fmt.Errorf("folderbucket: %s: %w", s.key, settlement.ErrChanged)
		}
	}
	return n, err
}

func (s *snapshot) Close() error { return s.f.Close() }

// Get reads the file whole.
func (b *Bucket) Get(_ context.Context, key string) ([]byte, error) {
	n, err := name(key)
	if err != nil {
		return nil, err
	}
	root, err := open(b.dir, false)
	if err != nil || root == nil {
		return nil, cmp.Or(err, fmt.Errorf("folderbucket: %s: %w", key, settlement.ErrNoObject))
	}
	defer root.Close()
	body, err := root.ReadFile(n)
	if err != nil {
		return nil, failure(key, err)
	}
	return body, nil
}

// Put writes the file through a temporary one renamed over it, so that a
// reader sees the old content or the new, never a part.
func (b *Bucket) Put(ctx context.Context, key, contentType string, body []byte) error {
	return b.PutStream(ctx, key, contentType, func(w io.Writer) error {
		_, err := w.Write(body)
		return err
	})
}

// PutStream writes the file from write through a temporary one renamed
// over it, as Put does.
func (b *Bucket) PutStream(_ context.Context, key, _ string, write func(io.Writer) error) error {
	n, err := name(key)
	if err != nil {
		return err
	}
	root, err := open(b.dir, true)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.MkdirAll(filepath.Dir(n), 0o755); err != nil {
		return failure(key, err)
	}
	err = replace(root, n, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 64<<10)
		if err := write(w); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return failure(key, err)
	}
	return nil
}

// writeFile replaces the content of name under root atomically and durably.
func writeFile(root *os.Root, name string, body []byte) error {
	return replace(root, name, func(w io.Writer) error {
		_, err := w.Write(body)
		return err
	})
}

// replace writes name under root from write, through a temporary file
// renamed over it once synced.
func replace(root *os.Root, name string, write func(io.Writer) error) error {
	var suffix [8]byte
	rand.Read(suffix[:])
	tmp := filepath.Join(filepath.Dir(name), ".put-"+hex.EncodeToString(suffix[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer root.Remove(tmp)
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return root.Rename(tmp, name)
}
