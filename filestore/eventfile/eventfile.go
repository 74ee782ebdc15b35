// Package eventfile is the embedded store of the webhooks function in the
// local stack: events, TD signs and processing records in memory, made
// durable by their own journal (filestore.WAL).
package eventfile

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/text"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// JournalName is the webhooks journal's file name inside the store's
// directory.
const JournalName = "webhooks.journal"

// Store is the embedded store of the webhooks function. It is safe for
// concurrent use. After a failed journal write it refuses everything until
// a write succeeds again (see ledgerfile).
type Store struct {
	mu     sync.Mutex // guards the fields below it, and the order of lines in log
	events map[string]*webhook.Event
	order  []*webhook.Event  // in the order received
	seqs   map[string]uint64 // the journal line that wrote each event
	// subjects index the events by their subject keys.
	subjects map[string][]*webhook.Event
	signs    map[string]bound
	records  map[recordKey]inbound.Record
	log      *filestore.WAL
	changed  chan struct{}
	// erased says the journal holds erased events still (a crash before
	// its rewrite, replayed): opening rewrites it.
	erased bool
	// The erasures (erasures.go).
	tombstones map[string]erasure.Tombstone
	receipts   map[string]erasure.Receipt
	gone       map[string]bool
}

type recordKey struct{ kind, id string }

var _ webhook.Store = (*Store)(nil)

// Open opens (creating if needed) the events kept in dir. Events that
// expired before now, and the TD signs that did, are compacted away: the
// journal is rewritten without them. wrap wraps the journal file (fault
// injection in tests).
func Open(dir string, now time.Time, wrap ...func(filestore.File) filestore.File) (*Store, error) {
	s := &Store{changed: make(chan struct{}, 1)}
	log, err := filestore.OpenCompacted(dir, JournalName, s.reset, s.applyContent, func() ([][]byte, bool) { return s.compacted(now) }, wrap...)
	if err != nil {
		return nil, err
	}
	s.log = log
	return s, nil
}

func (s *Store) applyContent(content []byte) error {
	var l eventLine
	if err := json.Unmarshal(content, &l); err != nil {
		return err
	}
	return s.apply(l)
}

// compacted returns the journal's lines without what expired before now,
// each event in one line with its state; ok is false when nothing expired
// and nothing was erased.
func (s *Store) compacted(now time.Time) (lines [][]byte, ok bool) {
	expired := func(at time.Time) bool { return !at.IsZero() && at.Before(now) }
	ok = s.erased
	for _, e := range s.order {
		ok = ok || expired(e.ExpiresAt)
	}
	for _, g := range s.signs {
		ok = ok || expired(g.expires)
	}
	if !ok {
		return nil, false
	}
	line := func(l eventLine) {
		content, _ := json.Marshal(l)
		lines = append(lines, filestore.Line(content))
	}
	for _, e := range s.order {
		if !expired(e.ExpiresAt) {
			line(eventLine{Event: eventLineOf(*e)})
		}
	}
	for sign, g := range s.signs {
		if !expired(g.expires) {
			line(eventLine{Sign: &signJSON{Sign: sign, BodyHash: g.body[:], ExpiresAt: g.expires}})
		}
	}
	for _, r := range s.records {
		line(eventLine{Record: &recordJSON{Kind: r.Kind, ID: r.ID, Version: r.Version, EventID: r.EventID, Data: r.Data}})
	}
	for _, l := range s.erasureLines() {
		line(l)
	}
	return lines, true
}

// reset empties the memory, for the journal's replay.
func (s *Store) reset() {
	s.events, s.order, s.seqs = make(map[string]*webhook.Event), nil, make(map[string]uint64)
	s.subjects = make(map[string][]*webhook.Event)
	s.erased = false
	s.tombstones, s.receipts, s.gone = make(map[string]erasure.Tombstone), make(map[string]erasure.Receipt), make(map[string]bool)
	s.signs, s.records = make(map[string]bound), make(map[recordKey]inbound.Record)
}

// lock takes s.mu, restarting the journal first if a write failed; on an
// error s.mu is not held.
func (s *Store) lock() error {
	return filestore.Lock(&s.mu, s.log, s.reset)
}

// Close closes the journal.
func (s *Store) Close() error { return s.log.Close() }

// Changed is signalled, without blocking, whenever an event is received or
// attempted: the local processor waits on it.
func (s *Store) Changed() <-chan struct{} { return s.changed }

func (s *Store) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// eventLine is one journal line. Its field names are the journal's file
// format: add fields, never rename them.
type eventLine struct {
	// Erase names the events a person's request erased: replayed, it
	// removes them, until the journal is rewritten without them.
	Erase []string `json:"erase,omitempty"`
	// An erasure's records (erasures.go).
	Tombstone *erasure.Tombstone `json:"tombstone,omitempty"`
	Receipt   *erasure.Receipt   `json:"receipt,omitempty"`
	Gone      []string           `json:"gone,omitempty"`
	Event     *eventJSON         `json:"event,omitempty"`
	Sign      *signJSON          `json:"sign,omitempty"`
	Attempt   *attemptJSON       `json:"settle,omitempty"` // "settle": the journal's name for an attempt
	Record    *recordJSON        `json:"record,omitempty"`
}

type eventJSON struct {
	ID         string            `json:"id"`
	Provider   string            `json:"provider"`
	Route      string            `json:"route"`
	Type       string            `json:"type"`
	DedupeKey  string            `json:"dedupe_key"`
	Status     string            `json:"status"`
	ReceivedAt time.Time         `json:"received_at"`
	ExpiresAt  time.Time         `json:"expires_at,omitzero"`
	Auth       string            `json:"auth"`
	Hint       bool              `json:"hint,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       []byte            `json:"body"`
	// A compacted journal writes each event's processing in its line.
	Attempts  int      `json:"attempts,omitempty"`
	LastError string   `json:"last_error,omitempty"`
	Note      string   `json:"note,omitempty"`
	Subjects  []string `json:"subjects,omitempty"`
}

func eventLineOf(e webhook.Event) *eventJSON {
	return &eventJSON{
		ID: e.ID, Provider: e.Provider, Route: e.Route, Type: e.Type, DedupeKey: e.DedupeKey,
		Status: string(e.Status), ReceivedAt: e.ReceivedAt.UTC(), ExpiresAt: e.ExpiresAt.UTC(), Auth: e.Auth, Hint: e.Hint,
		Headers: e.Headers, Body: e.Body, Attempts: e.Attempts, LastError: e.LastError, Note: e.Note, Subjects: e.Subjects,
	}
}

type signJSON struct {
	Sign      string    `json:"sign"`
	BodyHash  []byte    `json:"body_hash"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// bound is what a sign is bound to.
type bound struct {
	body    [sha256.Size]byte
	expires time.Time
}

type attemptJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	Note   string `json:"note,omitempty"`
	// Retry marks the line of a retry: the event is RECEIVED again, its
	// attempts and last error kept.
	Retry bool `json:"retry,omitempty"`
}

type recordJSON struct {
	Kind    string    `json:"kind"`
	ID      string    `json:"id"`
	Version time.Time `json:"version"`
	EventID string    `json:"event_id"`
	Data    []byte    `json:"data"`
}

// apply changes memory as line says; replay and the writers share it.
func (s *Store) apply(l eventLine) error {
	if len(l.Erase) > 0 {
		s.remove(l.Erase)
		s.erased = true
	}
	s.applyErasure(l)
	if e := l.Event; e != nil {
		if _, kept := s.events[e.ID]; kept {
			// A line repeated in the journal (a copy pasted back after a
			// repair, say) applies once.
			return nil
		}
		ev := &webhook.Event{
			ID: e.ID, Provider: e.Provider, Route: e.Route, Type: e.Type,
			DedupeKey: e.DedupeKey, Status: webhook.Status(e.Status), ReceivedAt: e.ReceivedAt, ExpiresAt: e.ExpiresAt,
			Auth: e.Auth, Hint: e.Hint, Headers: e.Headers, Body: e.Body, Attempts: e.Attempts, LastError: e.LastError, Note: e.Note,
			Subjects: e.Subjects,
		}
		s.events[ev.ID] = ev
		for _, k := range ev.Subjects {
			s.subjects[k] = append(s.subjects[k], ev)
		}
		// In the order of receipt: at the end but for a delivery that
		// took the lock after a later one.
		i := len(s.order)
		for i > 0 && receivedBefore(ev, s.order[i-1].ReceivedAt, s.order[i-1].ID) {
			i--
		}
		s.order = slices.Insert(s.order, i, ev)
	}
	if g := l.Sign; g != nil {
		var h [sha256.Size]byte
		if copy(h[:], g.BodyHash) != len(h) {
			return fmt.Errorf("sign %q: short body hash", g.Sign)
		}
		s.signs[g.Sign] = bound{body: h, expires: g.ExpiresAt}
	}
	if st := l.Attempt; st != nil {
		// An attempt on an event the journal no longer holds (set aside by
		// a repair) has nothing left to change.
		if ev, ok := s.events[st.ID]; ok && st.Retry {
			ev.Status = webhook.Received
		} else if ok {
			ev.Status, ev.LastError, ev.Note = webhook.Status(st.Status), st.Error, st.Note
			ev.Attempts++
		}
	}
	if r := l.Record; r != nil {
		s.records[recordKey{r.Kind, r.ID}] = inbound.Record{Kind: r.Kind, ID: r.ID, Version: r.Version, EventID: r.EventID, Data: r.Data}
	}
	return nil
}

// commit applies l and journals it; the caller holds s.mu and waits for the
// returned sequence number after releasing it.
func (s *Store) commit(l eventLine) (uint64, error) {
	return filestore.Commit(s.log, l, s.apply)
}

// Receive implements webhook.Store.
func (s *Store) Receive(ctx context.Context, e webhook.Event, sign *webhook.SignUse) (bool, error) {
	roundtrip.Count(ctx)
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := webhook.CheckEvent(e); err != nil {
		return false, fmt.Errorf("eventfile: receive: %w", err)
	}
	if err := s.lock(); err != nil {
		return false, err
	}
	var signLine *signJSON
	if sign != nil {
		key := signKey(sign.Sign)
		b, ok := s.signs[key]
		if ok && b.body != sign.BodyHash {
			seq := s.log.Last()
			s.mu.Unlock()
			return false, errorAfter(s.log.Wait(seq), webhook.ErrSignReused)
		}
		if !ok {
			signLine = &signJSON{Sign: key, BodyHash: sign.BodyHash[:], ExpiresAt: e.ExpiresAt.UTC()}
		}
	}
	if _, dup := s.events[e.ID]; dup {
		seq := s.seqs[e.ID]
		if signLine != nil {
			// A retry's fresh sign is bound to the body too, so that its URL
			// takes no other body afterwards.
			var err error
			if seq, err = s.commit(eventLine{Sign: signLine}); err != nil {
				s.mu.Unlock()
				return false, fmt.Errorf("eventfile: receive %s: %w", e.ID, err)
			}
		}
		s.mu.Unlock()
		return true, s.log.Wait(seq)
	}
	l := eventLine{Event: eventLineOf(e), Sign: signLine}
	seq, err := s.commit(l)
	if err != nil {
		s.mu.Unlock()
		return false, fmt.Errorf("eventfile: receive %s: %w", e.ID, err)
	}
	s.seqs[e.ID] = seq
	s.mu.Unlock()
	if err := s.log.Wait(seq); err != nil {
		return false, err
	}
	s.signal()
	return false, nil
}

// signKey is how a sign is kept: the lower hex of its MAC.
func signKey(mac []byte) string { return string(text.AppendHex(nil, mac)) }

// errorAfter is err when the wait it comes from failed, else refusal.
func errorAfter(err, refusal error) error {
	if err != nil {
		return err
	}
	return refusal
}

// Event implements webhook.Store.
func (s *Store) Event(ctx context.Context, id string) (webhook.Event, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return webhook.Event{}, err
	}
	ev, ok := s.events[id]
	var e webhook.Event
	if ok {
		e = *ev
	}
	seq := s.log.Last()
	s.mu.Unlock()
	if !ok {
		return webhook.Event{}, fmt.Errorf("eventfile: event %q: %w", id, webhook.ErrNotFound)
	}
	return e, s.log.Wait(seq)
}

// Events implements webhook.Store. The events are kept in the order of
// receipt, so that a page is a walk back from Until (or the newest) that
// ends at Since. A cursor is the receipt time and id of the page's last
// event: the next page starts before it, wherever events arrived since.
func (s *Store) Events(ctx context.Context, f webhook.Filter, cursor string, limit int) ([]webhook.Event, string, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return nil, "", err
	}
	before := len(s.order)
	if !f.Until.IsZero() {
		before = s.position(f.Until, "")
	}
	if cursor != "" {
		at, id, ok := parseCursor(cursor, f.Tag())
		if !ok {
			s.mu.Unlock()
			return nil, "", fmt.Errorf("eventfile: events: %w", webhook.ErrCursor)
		}
		before = min(before, s.position(at, id))
	}
	var out []webhook.Event
	next := ""
	for i := before - 1; i >= 0; i-- {
		e := s.order[i]
		if !f.Since.IsZero() && e.ReceivedAt.Before(f.Since) {
			break
		}
		if !f.Matches(*e) {
			continue
		}
		if len(out) == limit {
			last := out[limit-1]
			next = f.Tag() + "." + strconv.FormatInt(last.ReceivedAt.UnixNano(), 10) + "." + last.ID
			break
		}
		listed := *e
		listed.Headers, listed.Body = nil, nil
		out = append(out, listed)
	}
	seq := s.log.Last()
	s.mu.Unlock()
	return out, next, s.log.Wait(seq)
}

// position is where an event received at at with id goes in s.order: the
// events before it were received earlier (or at the same time, with a
// smaller id).
func (s *Store) position(at time.Time, id string) int {
	return sort.Search(len(s.order), func(i int) bool { return !receivedBefore(s.order[i], at, id) })
}

func receivedBefore(e *webhook.Event, at time.Time, id string) bool {
	return e.ReceivedAt.Before(at) || e.ReceivedAt.Equal(at) && e.ID < id
}

func parseCursor(c, tag string) (at time.Time, id string, ok bool) {
	t, rest, ok := strings.Cut(c, ".")
	if !ok || t != tag {
		return time.Time{}, "", false
	}
	nanos, id, ok := strings.Cut(rest, ".")
	n, err := strconv.ParseInt(nanos, 10, 64)
	if !ok || err != nil || !webhook.ValidID(id) {
		return time.Time{}, "", false
	}
	return time.Unix(0, n), id, true
}

// Erase removes the events (privacy.Events): a journal line naming them,
// then the journal rewritten without them, so that no file keeps what they
// held. It answers how many it held.
func (s *Store) Erase(ctx context.Context, events []webhook.Event) (int, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	var ids []string
	for _, e := range events {
		if _, ok := s.events[e.ID]; ok && !slices.Contains(ids, e.ID) {
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	seq, err := filestore.Commit(s.log, eventLine{Erase: ids}, s.apply)
	if err != nil {
		return 0, fmt.Errorf("eventfile: erase: %w", err)
	}
	if err := s.log.Wait(seq); err != nil {
		return 0, fmt.Errorf("eventfile: erase: %w", err)
	}
	lines, _ := s.compacted(time.Time{})
	if err := s.log.Replace(lines); err != nil {
		return 0, fmt.Errorf("eventfile: erase: %w", err)
	}
	s.erased = false
	return len(ids), nil
}

// remove forgets the events with ids.
func (s *Store) remove(ids []string) {
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		e, ok := s.events[id]
		if !ok {
			continue
		}
		gone[id] = true
		delete(s.events, id)
		delete(s.seqs, id)
		for _, k := range e.Subjects {
			s.subjects[k] = slices.DeleteFunc(s.subjects[k], func(x *webhook.Event) bool { return x.ID == id })
			if len(s.subjects[k]) == 0 {
				delete(s.subjects, k)
			}
		}
	}
	s.order = slices.DeleteFunc(s.order, func(e *webhook.Event) bool { return gone[e.ID] })
}

// BySubject returns, whole, every event kept under any of the subject keys
// (webhook.SubjectKey), each once, in the order of receipt.
func (s *Store) BySubject(ctx context.Context, keys []string) ([]webhook.Event, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	var out []webhook.Event
	for _, k := range keys {
		for _, e := range s.subjects[k] {
			if !seen[e.ID] {
				seen[e.ID] = true
				out = append(out, *e)
			}
		}
	}
	seq := s.log.Last()
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b webhook.Event) int {
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), strings.Compare(a.ID, b.ID))
	})
	return out, s.log.Wait(seq)
}

// Named is BySubject with each event's id, receipt time and subjects only
// (privacy.Events): what an erase needs.
func (s *Store) Named(ctx context.Context, keys []string) ([]webhook.Event, error) {
	events, err := s.BySubject(ctx, keys)
	for i, e := range events {
		events[i] = webhook.Event{ID: e.ID, ReceivedAt: e.ReceivedAt, Subjects: e.Subjects}
	}
	return events, err
}

// Oldest implements webhook.Backlog.
func (s *Store) Oldest(ctx context.Context, f webhook.Filter) (webhook.Event, bool, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return webhook.Event{}, false, err
	}
	var (
		oldest webhook.Event
		found  bool
	)
	for _, e := range s.order {
		if f.Matches(*e) {
			oldest, found = *e, true
			oldest.Headers, oldest.Body = nil, nil
			break
		}
	}
	// As Events: nothing is answered before the journal holds it.
	seq := s.log.Last()
	s.mu.Unlock()
	return oldest, found, s.log.Wait(seq)
}

var _ webhook.Backlog = (*Store)(nil)

// Attempted implements webhook.Store.
func (s *Store) Attempted(ctx context.Context, e webhook.Event, st webhook.Attempt) error {
	roundtrip.Count(ctx)
	id := e.ID
	if st.Record != nil {
		if err := webhook.CheckRecord(*st.Record); err != nil {
			return fmt.Errorf("eventfile: attempt on %s: %w", id, err)
		}
	}
	if err := s.lock(); err != nil {
		return err
	}
	ev, ok := s.events[id]
	if ok && (ev.Provider != e.Provider || ev.Type != e.Type) {
		s.mu.Unlock()
		return fmt.Errorf("eventfile: attempt on %s: provider %q and type %q are not the kept event's", id, e.Provider, e.Type)
	}
	if !ok || ev.Status == webhook.Processed {
		seq := s.log.Last()
		s.mu.Unlock()
		refusal := fmt.Errorf("eventfile: attempt on %s: %w", id, webhook.ErrProcessed)
		if !ok {
			refusal = fmt.Errorf("eventfile: attempt on %s: %w", id, webhook.ErrNotFound)
		}
		return errorAfter(s.log.Wait(seq), refusal)
	}
	l := eventLine{Attempt: &attemptJSON{ID: id, Status: string(st.Status), Error: st.Error, Note: st.Note}}
	if r := st.Record; r != nil {
		if old, ok := s.records[recordKey{r.Kind, r.ID}]; !ok || !old.Version.After(r.Version) {
			l.Record = &recordJSON{Kind: r.Kind, ID: r.ID, Version: r.Version.UTC(), EventID: id, Data: r.Data}
		}
	}
	seq, err := s.commit(l)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("eventfile: attempt on %s: %w", id, err)
	}
	if err := s.log.Wait(seq); err != nil {
		return err
	}
	s.signal()
	return nil
}

// Retry implements webhook.Store: one journal line.
func (s *Store) Retry(ctx context.Context, e webhook.Event) error {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return err
	}
	ev, ok := s.events[e.ID]
	var refusal error
	switch {
	case !ok:
		refusal = webhook.ErrNotFound
	case ev.Provider != e.Provider || ev.Type != e.Type:
		refusal = fmt.Errorf("provider %q and type %q are not the kept event's", e.Provider, e.Type)
	case ev.Status != webhook.Failed:
		refusal = webhook.ErrNotFailed
	}
	if refusal != nil {
		seq := s.log.Last()
		s.mu.Unlock()
		return errorAfter(s.log.Wait(seq), fmt.Errorf("eventfile: retry %s: %w", e.ID, refusal))
	}
	seq, err := s.commit(eventLine{Attempt: &attemptJSON{ID: e.ID, Status: string(webhook.Received), Retry: true}})
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("eventfile: retry %s: %w", e.ID, err)
	}
	if err := s.log.Wait(seq); err != nil {
		return err
	}
	s.signal()
	return nil
}

// Record implements webhook.Store.
func (s *Store) Record(ctx context.Context, kind, id string) (inbound.Record, error) {
	roundtrip.Count(ctx)
	if err := s.lock(); err != nil {
		return inbound.Record{}, err
	}
	r, ok := s.records[recordKey{kind, id}]
	seq := s.log.Last()
	s.mu.Unlock()
	if !ok {
		return inbound.Record{}, fmt.Errorf("eventfile: record %s %q: %w", kind, id, webhook.ErrNotFound)
	}
	return r, s.log.Wait(seq)
}
