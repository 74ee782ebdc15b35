// Package verifyfile is the embedded store of the verify function in the
// local stack: verifications, their external ids, provider references and
// CURP windows in memory, made durable by their own journal
// (filestore.WAL).
package verifyfile

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// JournalName is the verifications journal's file name inside the store's
// directory.
const JournalName = "verifications.journal"

// Store is the embedded store of verifications. It is safe for concurrent
// use. After a failed journal write it refuses everything until a write
// succeeds again (see ledgerfile).
type Store struct {
	mu      sync.Mutex // guards the fields below it, and the order of lines in log
	byID    map[string]verification.Verification
	ext     map[string]string // external id → verification id
	refs    map[verification.Reference]string
	windows map[string]verification.Window
	log     *filestore.WAL
	// erased says the journal holds erased verifications still (a crash
	// before its rewrite, replayed): opening rewrites it.
	erased bool
}

var _ verification.Store = (*Store)(nil)

// line is one journal line. Its field names are the journal's file format:
// add fields, never rename them.
type line struct {
	// Erase names the verifications a person's request erased: replayed,
	// it removes them, until the journal is rewritten without them.
	Erase []string `json:"erase,omitempty"`
	// Verification is verification.Encode's document: the whole
	// verification as written, the latest version winning.
	Verification json.RawMessage `json:"verification,omitempty"`
	Window       *windowJSON     `json:"window,omitempty"`
	Reference    *referenceJSON  `json:"reference,omitempty"`
}

type windowJSON struct {
	Key     string      `json:"key"`
	Created []time.Time `json:"created"`
	Version int64       `json:"version"`
}

type referenceJSON struct {
	Provider     string `json:"provider"`
	Reference    string `json:"reference"`
	Verification string `json:"verification"`
}

// Open opens (creating if needed) the verifications kept in dir.
// Verifications that expired before now, with their external ids and
// references, and windows with nothing in the last 24 hours, are compacted
// away: the journal is rewritten without them. wrap wraps the journal file
// (fault injection in tests).
func Open(dir string, now time.Time, wrap ...func(filestore.File) filestore.File) (*Store, error) {
	s := &Store{}
	log, err := filestore.OpenCompacted(dir, JournalName, s.reset, func(content []byte) error {
		var l line
		if err := json.Unmarshal(content, &l); err != nil {
			return err
		}
		return s.apply(l)
	}, func() ([][]byte, bool) { return s.compacted(now) }, wrap...)
	if err != nil {
		return nil, err
	}
	s.log = log
	return s, nil
}

func (s *Store) reset() {
	s.byID, s.ext = make(map[string]verification.Verification), make(map[string]string)
	s.refs, s.windows = make(map[verification.Reference]string), make(map[string]verification.Window)
	s.erased = false
}

// compacted returns the journal's lines without what expired before now;
// ok is false when nothing did.
func (s *Store) compacted(now time.Time) (lines [][]byte, ok bool) {
	expired := func(v verification.Verification) bool { return !v.ExpiresAt.IsZero() && v.ExpiresAt.Before(now) }
	stale := func(w verification.Window) bool {
		return !slices.ContainsFunc(w.Created, func(t time.Time) bool { return t.After(now.Add(-24 * time.Hour)) })
	}
	ok = s.erased
	for _, v := range s.byID {
		ok = ok || expired(v)
	}
	for _, w := range s.windows {
		ok = ok || stale(w)
	}
	if !ok {
		return nil, false
	}
	add := func(l line) {
		content, _ := json.Marshal(l)
		lines = append(lines, filestore.Line(content))
	}
	for _, v := range s.byID {
		if !expired(v) {
			doc, _ := verification.Encode(v)
			add(line{Verification: doc})
		}
	}
	for _, w := range s.windows {
		if !stale(w) {
			add(line{Window: &windowJSON{w.Key, w.Created, w.Version}})
		}
	}
	for r, id := range s.refs {
		if v, kept := s.byID[id]; kept && !expired(v) {
			add(line{Reference: &referenceJSON{r.Provider, r.Reference, id}})
		}
	}
	return lines, true
}

// apply changes memory as l says; replay and the writers share it. A line
// repeated in the journal applies once: a verification older than the
// kept one changes nothing.
func (s *Store) apply(l line) error {
	if len(l.Erase) > 0 {
		s.remove(l.Erase)
		s.erased = true
	}
	if l.Verification != nil {
		v, err := verification.Decode(l.Verification)
		if err != nil {
			return err
		}
		if old, kept := s.byID[v.ID]; !kept || old.Version < v.Version {
			s.byID[v.ID] = v
		}
		if _, claimed := s.ext[v.ExternalID]; v.ExternalID != "" && !claimed {
			s.ext[v.ExternalID] = v.ID
		}
	}
	if w := l.Window; w != nil {
		if old, kept := s.windows[w.Key]; !kept || old.Version < w.Version {
			s.windows[w.Key] = verification.Window{Key: w.Key, Created: w.Created, Version: w.Version}
		}
	}
	if r := l.Reference; r != nil {
		s.refs[verification.Reference{Provider: r.Provider, Reference: r.Reference}] = r.Verification
	}
	return nil
}

// lock takes s.mu, restarting the journal first if a write failed; on an
// error s.mu is not held.
func (s *Store) lock() error {
	return filestore.Lock(&s.mu, s.log, s.reset)
}

// Close closes the journal.
func (s *Store) Close() error { return s.log.Close() }

// commit applies l and journals it; the caller holds s.mu and waits for the
// returned sequence number after releasing it.
func (s *Store) commit(l line) (uint64, error) {
	return filestore.Commit(s.log, l, s.apply)
}

// read runs f under the lock and waits for what it read to be durable.
func (s *Store) read(ctx context.Context, f func()) error {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return err
	}
	f()
	seq := s.log.Last()
	s.mu.Unlock()
	return s.log.Wait(seq)
}

// write runs f under the lock; f returns the line to commit, or an error
// that refuses the write.
func (s *Store) write(ctx context.Context, f func() (line, error)) error {
	roundtrip.Count(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.lock(); err != nil {
		return err
	}
	l, refused := f()
	if refused != nil {
		seq := s.log.Last()
		s.mu.Unlock()
		if err := s.log.Wait(seq); err != nil {
			return err
		}
		return refused
	}
	seq, err := s.commit(l)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.log.Wait(seq)
}

// Window implements verification.Store.
func (s *Store) Window(ctx context.Context, key string) (verification.Window, error) {
	var w verification.Window
	err := s.read(ctx, func() {
		w = s.windows[key]
		w.Key, w.Created = key, slices.Clone(w.Created)
	})
	return w, err
}

// document encodes v, refusing what DynamoDB could not keep alike.
func document(v verification.Verification) ([]byte, error) {
	if err := storable.CheckID("external_id", v.ExternalID); err != nil {
		return nil, err
	}
	doc, err := verification.Encode(v)
	if err != nil {
		return nil, err
	}
	if len(doc) > storable.ItemBytes-1024 {
		return nil, fmt.Errorf("%w: verification %s is %d bytes", storable.ErrInvalid, v.ID, len(doc))
	}
	return doc, nil
}

// Create implements verification.Store.
func (s *Store) Create(ctx context.Context, v verification.Verification, w verification.Window) error {
	doc, err := document(v)
	if err != nil {
		return fmt.Errorf("verifyfile: create: %w", err)
	}
	err = s.write(ctx, func() (line, error) {
		switch {
		case s.byID[v.ID].ID != "":
			return line{}, verification.ErrConflict
		case v.ExternalID != "" && s.ext[v.ExternalID] != "":
			return line{}, verification.ErrExternalID
		case s.windows[w.Key].Version != w.Version:
			return line{}, verification.ErrConflict
		}
		return line{Verification: doc, Window: &windowJSON{w.Key, w.Created, w.Version + 1}}, nil
	})
	if err != nil {
		return fmt.Errorf("verifyfile: create %s: %w", v.ID, err)
	}
	return nil
}

// copyOf returns v sharing no memory with the store's: a caller changes
// its copy, never the store's.
func copyOf(v verification.Verification) verification.Verification {
	v.Attempts, v.Report = slices.Clone(v.Attempts), bytes.Clone(v.Report)
	return v
}

// Get implements verification.Store.
func (s *Store) Get(ctx context.Context, id string) (verification.Verification, error) {
	var v verification.Verification
	var ok bool
	if err := s.read(ctx, func() { v, ok = s.byID[id]; v = copyOf(v) }); err != nil {
		return v, err
	}
	if !ok {
		return v, fmt.Errorf("verifyfile: %s: %w", id, verification.ErrNotFound)
	}
	return v, nil
}

// ByExternalID implements verification.Store.
func (s *Store) ByExternalID(ctx context.Context, ext string) (verification.Verification, error) {
	return s.by(ctx, "external id", func() string { return s.ext[ext] })
}

// ByReference implements verification.Store.
func (s *Store) ByReference(ctx context.Context, provider, ref string) (verification.Verification, error) {
	return s.by(ctx, provider+" reference", func() string { return s.refs[verification.Reference{Provider: provider, Reference: ref}] })
}

func (s *Store) by(ctx context.Context, what string, id func() string) (verification.Verification, error) {
	var v verification.Verification
	var ok bool
	if err := s.read(ctx, func() { v, ok = s.byID[id()]; v = copyOf(v) }); err != nil {
		return v, err
	}
	if !ok {
		return v, fmt.Errorf("verifyfile: by %s: %w", what, verification.ErrNotFound)
	}
	return v, nil
}

// ByPerson returns every verification of the person whose
// verification.PersonKey is person, oldest first (privacy.Verifications).
func (s *Store) ByPerson(ctx context.Context, person string) ([]verification.Verification, error) {
	var out []verification.Verification
	err := s.read(ctx, func() {
		for _, v := range s.byID {
			if verification.PersonKey(v.Input.CURP) == person {
				out = append(out, copyOf(v))
			}
		}
	})
	slices.SortFunc(out, func(a, b verification.Verification) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, err
}

// Erase removes the verifications whole (privacy.Verifications), with the
// external ids and references they claimed: a journal line naming them,
// then the journal rewritten without them, so that no file keeps what they
// held. The daily guard's windows, a hash and times, stay. It answers how
// many it held; one changed since vs were read is kept, and reported with
// verification.ErrConflict.
func (s *Store) Erase(ctx context.Context, vs []verification.Verification) (int, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	var (
		ids     []string
		changed error
	)
	for _, v := range vs {
		kept, ok := s.byID[v.ID]
		switch {
		case !ok || slices.Contains(ids, v.ID):
		case kept.Version != v.Version:
			changed = fmt.Errorf("verifyfile: erase %s: %w", v.ID, verification.ErrConflict)
		default:
			ids = append(ids, v.ID)
		}
	}
	if len(ids) == 0 {
		return 0, changed
	}
	seq, err := filestore.Commit(s.log, line{Erase: ids}, s.apply)
	if err != nil {
		return 0, fmt.Errorf("verifyfile: erase: %w", err)
	}
	if err := s.log.Wait(seq); err != nil {
		return 0, fmt.Errorf("verifyfile: erase: %w", err)
	}
	lines, _ := s.compacted(time.Time{})
	if err := s.log.Replace(lines); err != nil {
		return 0, fmt.Errorf("verifyfile: erase: %w", err)
	}
	s.erased = false
	return len(ids), changed
}

// remove forgets the verifications with ids and what they claimed.
func (s *Store) remove(ids []string) {
	for _, id := range ids {
		delete(s.byID, id)
	}
	for ext, id := range s.ext {
		if slices.Contains(ids, id) {
			delete(s.ext, ext)
		}
	}
	for r, id := range s.refs {
		if slices.Contains(ids, id) {
			delete(s.refs, r)
		}
	}
}

// Save implements verification.Store.
func (s *Store) Save(ctx context.Context, v verification.Verification, ref *verification.Reference) error {
	doc, err := document(v)
	if err == nil && ref != nil {
		err = storable.CheckID("reference", ref.Reference)
	}
	if err != nil {
		return fmt.Errorf("verifyfile: save: %w", err)
	}
	err = s.write(ctx, func() (line, error) {
		old, ok := s.byID[v.ID]
		if !ok || old.Version != v.Version-1 {
			return line{}, verification.ErrConflict
		}
		l := line{Verification: doc}
		if ref != nil {
			l.Reference = &referenceJSON{ref.Provider, ref.Reference, v.ID}
		}
		return l, nil
	})
	if err != nil {
		return fmt.Errorf("verifyfile: save %s: %w", v.ID, err)
	}
	return nil
}

// Due implements verification.Store.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]verification.Verification, error) {
	var out []verification.Verification
	err := s.read(ctx, func() {
		for _, v := range s.byID {
			if v.Status == verification.Pending && !v.NextCheck.After(now) {
				out = append(out, copyOf(v))
			}
		}
	})
	slices.SortFunc(out, func(a, b verification.Verification) int {
		return cmp.Or(a.NextCheck.Compare(b.NextCheck), cmp.Compare(a.ID, b.ID))
	})
	return out[:min(limit, len(out))], err
}
