package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// RunEvents runs the suite every store of webhook events passes; open
// returns an empty store for each subtest.
func RunEvents(t *testing.T, open func(t *testing.T) webhook.Store) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s webhook.Store)
	}{
		{"an event is kept once", receivedOnce},
		{"a dropped event is kept without what it said", droppedKept},
		{"a TD sign binds its body", signBindsBody},
		{"events page newest first, filtered", eventPages},
		{"the oldest of a filter is one read", oldestEvent},
		{"every filter combination follows attempts", filterCombinations},
		{"events of a time range", timeRange},
		{"events list in the order of receipt", receiptOrder},
		{"a person's events by subject, none of another", bySubject},
		{"erased events are gone, others kept", erasedEvents},
		{"attempts are counted and processing happens once", attemptedOnce},
		{"the latest record wins", latestRecordWins},
		{"concurrent deliveries keep one event", concurrentDeliveries},
		{"what no store can take is refused", eventLimits},
		{"a FAILED event is retried, no other", retried},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// Ev returns a RECEIVED event of provider p with dedupe key key, received
// at T0 plus n seconds.
func Ev(p, typ, key string, n int) webhook.Event {
	return webhook.Event{
		ID: webhook.IDOf(p, key), Provider: p, Route: p, Type: typ, DedupeKey: key,
		Status: webhook.Received, ReceivedAt: T0.Add(time.Duration(n) * time.Second), Auth: "test",
		ExpiresAt: T0.Add(90 * 24 * time.Hour),
		Headers:   map[string]string{"Content-Type": "application/json"}, Body: []byte(`{"k":"` + key + `"}`),
	}
}

// droppedKept: an event DROPPED (it names an erased person) is kept with
// no body, no headers and no dedupe key, listed by its status.
func droppedKept(t *testing.T, s webhook.Store) {
	e := Ev("td", "OK", "", 1)
	e.Status, e.Body, e.Headers = webhook.Dropped, nil, nil
	if receive(t, s, e, nil) {
		t.Fatal("the first delivery is a duplicate")
	}
	got, err := s.Event(context.Background(), e.ID)
	if err != nil || got.Status != webhook.Dropped || len(got.Body) != 0 || len(got.Headers) != 0 || got.DedupeKey != "" {
		t.Fatalf("Event = %+v, %v", got, err)
	}
	page, _, err := s.Events(context.Background(), webhook.Filter{Status: webhook.Dropped}, "", 10)
	if err != nil || len(page) != 1 || page[0].ID != e.ID {
		t.Errorf("listed DROPPED: %+v, %v", page, err)
	}
}

func receive(t *testing.T, s webhook.Store, e webhook.Event, sign *webhook.SignUse) bool {
	t.Helper()
	dup, err := s.Receive(context.Background(), e, sign)
	if err != nil {
		t.Fatalf("Receive(%s): %v", e.DedupeKey, err)
	}
	return dup
}

func receivedOnce(t *testing.T, s webhook.Store) {
	e := Ev("pomelo", "ACTIVITY_CREATED", "act-1", 0)
	e.Hint = true
	if receive(t, s, e, nil) {
		t.Fatal("first delivery reported as a duplicate")
	}
	again := e
	again.ReceivedAt = e.ReceivedAt.Add(time.Minute)
	again.Body = []byte(`{"other":"body"}`)
	if !receive(t, s, again, nil) {
		t.Fatal("second delivery not reported as a duplicate")
	}
	got, err := s.Event(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DedupeKey != "act-1" || got.Provider != "pomelo" || got.Route != e.Route || got.Type != e.Type ||
		got.Status != webhook.Received || !got.ReceivedAt.Equal(e.ReceivedAt) || got.Attempts != 0 || got.LastError != "" ||
		got.Auth != "test" || !got.Hint || got.Headers["Content-Type"] != "application/json" || string(got.Body) != string(e.Body) {
		t.Errorf("kept event = %+v, want the first delivery %+v", got, e)
	}
	if _, err := s.Event(context.Background(), "evt_none"); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("unknown event: err = %v, want ErrNotFound", err)
	}
	// An id no event can have, however long, is not found: never a store
	// error that would invite a retry.
	for _, id := range []string{webhook.IDOf("pomelo", "none"), strings.Repeat("e", 3000), "evt_" + strings.Repeat("a", 2000)} {
		if _, err := s.Event(context.Background(), id); !errors.Is(err, webhook.ErrNotFound) {
			t.Errorf("event %.12s...: err = %v, want ErrNotFound", id, err)
		}
	}
}

func signBindsBody(t *testing.T, s webhook.Store) {
	e := Ev("td", "OK", "seq-1:OK", 0)
	use := &webhook.SignUse{Sign: []byte("mac-1"), BodyHash: sha256.Sum256(e.Body)}
	receive(t, s, e, use)
	// TD retrying: the same sign and body.
	if !receive(t, s, e, use) {
		t.Error("TD's retry not reported as a duplicate")
	}
	// The same sign over another body is a replay, even for a new event.
	other := Ev("td", "OK", "seq-2:OK", 1)
	_, err := s.Receive(context.Background(), other, &webhook.SignUse{Sign: []byte("mac-1"), BodyHash: sha256.Sum256(other.Body)})
	if !errors.Is(err, webhook.ErrSignReused) {
		t.Fatalf("replayed sign: err = %v, want ErrSignReused", err)
	}
	if _, err := s.Event(context.Background(), other.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("a replay was kept: %v", err)
	}
	// TD's retry comes re-signed: the duplicate binds its fresh sign too, so
	// that its URL takes no other body afterwards.
	if !receive(t, s, e, &webhook.SignUse{Sign: []byte("mac-2"), BodyHash: sha256.Sum256(e.Body)}) {
		t.Error("TD's re-signed retry not reported as a duplicate")
	}
	_, err = s.Receive(context.Background(), other, &webhook.SignUse{Sign: []byte("mac-2"), BodyHash: sha256.Sum256(other.Body)})
	if !errors.Is(err, webhook.ErrSignReused) {
		t.Fatalf("the retry's sign over another body: err = %v, want ErrSignReused", err)
	}
}

func eventPages(t *testing.T, s webhook.Store) {
	for i, p := range []string{"td", "pomelo", "belvo", "pomelo", "palenca", "pomelo", "td"} {
		receive(t, s, Ev(p, "T"+string(p), fmt.Sprint("k", i), i), nil)
	}
	all := pageAll(t, s, webhook.Filter{}, 3)
	if want := "k6 k5 k4 k3 k2 k1 k0"; all != want {
		t.Errorf("all events = %s, want %s", all, want)
	}
	if got := pageAll(t, s, webhook.Filter{Provider: "pomelo"}, 2); got != "k5 k3 k1" {
		t.Errorf("pomelo events = %s", got)
	}
	if got := pageAll(t, s, webhook.Filter{Type: "Ttd"}, 1); got != "k6 k0" {
		t.Errorf("events of type Ttd = %s", got)
	}
	if got := pageAll(t, s, webhook.Filter{Status: webhook.Processed}, 5); got != "" {
		t.Errorf("processed events = %s, want none", got)
	}
	// A full last page has no next cursor.
	page, next, err := s.Events(context.Background(), webhook.Filter{Provider: "td"}, "", 2)
	if err != nil || len(page) != 2 || next != "" {
		t.Errorf("exactly one page: %d events, next %q, %v", len(page), next, err)
	}
	if _, _, err := s.Events(context.Background(), webhook.Filter{}, "not-a-cursor", 2); !errors.Is(err, webhook.ErrCursor) {
		t.Errorf("bad cursor: err = %v, want ErrCursor", err)
	}
	// A cursor belongs to its filter.
	_, next, err = s.Events(context.Background(), webhook.Filter{Provider: "pomelo"}, "", 1)
	if err != nil || next == "" {
		t.Fatalf("first pomelo page: next %q, %v", next, err)
	}
	if _, _, err := s.Events(context.Background(), webhook.Filter{Provider: "td"}, next, 1); !errors.Is(err, webhook.ErrCursor) {
		t.Errorf("a pomelo cursor with provider=td: err = %v, want ErrCursor", err)
	}
	// A listing holds no headers and no body: Event has them.
	page, _, _ = s.Events(context.Background(), webhook.Filter{}, "", 1)
	if len(page) != 1 || page[0].Body != nil || page[0].Headers != nil || page[0].DedupeKey != "k6" || !page[0].ExpiresAt.Equal(T0.Add(90*24*time.Hour)) {
		t.Errorf("listed event = %+v", page)
	}
}

// oldestEvent: Backlog finds the oldest event of a filter, following the
// attempts; none when nothing matches.
func oldestEvent(t *testing.T, s webhook.Store) {
	b, ok := s.(webhook.Backlog)
	if !ok {
		t.Fatalf("%T is not a webhook.Backlog", s)
	}
	ctx := context.Background()
	if _, found, err := b.Oldest(ctx, webhook.Filter{Status: webhook.Received}); found || err != nil {
		t.Errorf("an empty store's oldest: found %v, %v", found, err)
	}
	for i, p := range []string{"td", "pomelo", "belvo", "pomelo"} {
		receive(t, s, Ev(p, "T", fmt.Sprint("k", i), i), nil)
	}
	for _, tc := range []struct {
		f    webhook.Filter
		want string
	}{
		{webhook.Filter{Status: webhook.Received}, "k0"},
		{webhook.Filter{Provider: "pomelo", Status: webhook.Received}, "k1"},
		{webhook.Filter{Provider: "palenca"}, ""},
	} {
		e, found, err := b.Oldest(ctx, tc.f)
		if err != nil || found != (tc.want != "") || found && (e.DedupeKey != tc.want || e.Body != nil || !e.ReceivedAt.Equal(T0.Add(time.Duration(tc.want[1]-'0')*time.Second))) {
			t.Errorf("Oldest(%+v) = %s at %v, found %v, %v; want %q", tc.f, e.DedupeKey, e.ReceivedAt, found, err, tc.want)
		}
	}
	// Processed, the oldest leaves the backlog.
	first := Ev("td", "T", "k0", 0)
	if err := s.Attempted(ctx, first, webhook.Attempt{Status: webhook.Processed}); err != nil {
		t.Fatal(err)
	}
	if e, _, err := b.Oldest(ctx, webhook.Filter{Status: webhook.Received}); err != nil || e.DedupeKey != "k1" {
		t.Errorf("after k0 was processed, the oldest RECEIVED is %s (%v), want k1", e.DedupeKey, err)
	}
}

// filterCombinations: every combination of provider, status and type
// lists exactly its events, and a status filter follows the attempts.
func filterCombinations(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	evs := []webhook.Event{Ev("td", "OK", "a", 0), Ev("td", "ERROR", "b", 1), Ev("belvo", "OK", "c", 2), Ev("td", "OK", "d", 3)}
	for _, e := range evs {
		receive(t, s, e, nil)
	}
	if err := s.Attempted(ctx, evs[0], webhook.Attempt{Status: webhook.Processed}); err != nil {
		t.Fatal(err)
	}
	if err := s.Attempted(ctx, evs[3], webhook.Attempt{Status: webhook.Failed, Error: "down"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    webhook.Filter
		want string
	}{
		{webhook.Filter{}, "d c b a"},
		{webhook.Filter{Provider: "td"}, "d b a"},
		{webhook.Filter{Status: webhook.Received}, "c b"},
		{webhook.Filter{Type: "OK"}, "d c a"},
		{webhook.Filter{Provider: "td", Status: webhook.Processed}, "a"},
		{webhook.Filter{Provider: "td", Type: "OK"}, "d a"},
		{webhook.Filter{Status: webhook.Failed, Type: "OK"}, "d"},
		{webhook.Filter{Provider: "td", Status: webhook.Received, Type: "ERROR"}, "b"},
		{webhook.Filter{Provider: "palenca", Status: webhook.Received}, ""},
	} {
		if got := pageAll(t, s, tc.f, 1); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
	// An attempt must name the kept event's provider and type, of which
	// the listings are keyed.
	wrong := evs[1]
	wrong.Type = "OTHER"
	if err := s.Attempted(ctx, wrong, webhook.Attempt{Status: webhook.Processed}); err == nil {
		t.Error("an attempt naming another type was recorded")
	}
	if got, _ := s.Event(ctx, wrong.ID); got.Status != webhook.Received || got.Attempts != 0 {
		t.Errorf("after a refused attempt: %s, %d attempts", got.Status, got.Attempts)
	}
}

// timeRange: Since and Until bound any filter's listing to [Since, Until),
// to the nanosecond, and a cursor belongs to its range.
func timeRange(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	for i, p := range []string{"td", "pomelo", "td", "pomelo", "td"} {
		receive(t, s, Ev(p, "T", fmt.Sprint("k", i), i), nil)
	}
	at := func(n int) time.Time { return T0.Add(time.Duration(n) * time.Second) }
	for _, tc := range []struct {
		f    webhook.Filter
		want string
	}{
		{webhook.Filter{Since: at(1)}, "k4 k3 k2 k1"},
		{webhook.Filter{Since: at(1).Add(time.Nanosecond)}, "k4 k3 k2"},
		{webhook.Filter{Until: at(3)}, "k2 k1 k0"},
		{webhook.Filter{Until: at(3).Add(time.Nanosecond)}, "k3 k2 k1 k0"},
		{webhook.Filter{Since: at(1), Until: at(4)}, "k3 k2 k1"},
		{webhook.Filter{Provider: "td", Since: at(1), Until: at(5)}, "k4 k2"},
		{webhook.Filter{Provider: "pomelo", Status: webhook.Received, Type: "T", Since: at(2)}, "k3"},
		{webhook.Filter{Since: at(5)}, ""},
		{webhook.Filter{Since: at(2), Until: at(2)}, ""},
	} {
		if got := pageAll(t, s, tc.f, 1); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
	f := webhook.Filter{Since: at(1)}
	_, next, err := s.Events(ctx, f, "", 1)
	if err != nil || next == "" {
		t.Fatalf("first page since k1: next %q, %v", next, err)
	}
	if _, _, err := s.Events(ctx, webhook.Filter{Since: at(2)}, next, 1); !errors.Is(err, webhook.ErrCursor) {
		t.Errorf("a cursor of another range: err = %v, want ErrCursor", err)
	}
}

// receiptOrder: events kept out of the order they were received in (two
// deliveries racing for a write) list by receipt, and a cursor continues
// its listing whatever arrives between two pages.
func receiptOrder(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	for _, n := range []int{3, 1, 4, 0, 2} {
		receive(t, s, Ev("td", "T", fmt.Sprint("k", n), n), nil)
	}
	for _, limit := range []int{1, 2, 10} {
		if got := pageAll(t, s, webhook.Filter{}, limit); got != "k4 k3 k2 k1 k0" {
			t.Errorf("limit %d: %s, want k4 k3 k2 k1 k0", limit, got)
		}
	}
	page, next, err := s.Events(ctx, webhook.Filter{}, "", 2)
	if err != nil || len(page) != 2 || next == "" {
		t.Fatalf("first page: %d, %q, %v", len(page), next, err)
	}
	receive(t, s, Ev("td", "T", "k5", 5), nil)
	receive(t, s, Ev("td", "T", "late", -1), nil)
	var keys []string
	for next != "" {
		if page, next, err = s.Events(ctx, webhook.Filter{}, next, 2); err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			keys = append(keys, e.DedupeKey)
		}
	}
	if got := strings.Join(keys, " "); got != "k2 k1 k0 late" {
		t.Errorf("after the first page, with k5 and an earlier one kept since: %s, want k2 k1 k0 late", got)
	}
}

// bySubject: an event is found, whole, under each of its subjects, once
// however many of them are asked, in the order of receipt; a duplicate
// adds nothing; a subject no event names finds none.
func bySubject(t *testing.T, s webhook.Store) {
	b, ok := s.(interface {
		BySubject(ctx context.Context, keys []string) ([]webhook.Event, error)
		Named(ctx context.Context, keys []string) ([]webhook.Event, error)
	})
	if !ok {
		t.Fatalf("%T finds no event by subject", s)
	}
	ctx := context.Background()
	curp, similar := webhook.SubjectKey("curp:HEGG560427MVZRRL04"), webhook.SubjectKey("curp:HEGG560427MVZRRL05")
	ref, nss := webhook.SubjectKey("td:1700000001"), webhook.SubjectKey("nss:12345678903")
	for i, subjects := range [][]string{{ref, curp}, {similar}, {ref}, nil, {nss, curp, ref}} {
		e := Ev("td", "OK", fmt.Sprint("k", i), 10-i) // received out of order
		e.Subjects = subjects
		receive(t, s, e, nil)
		if i == 0 {
			receive(t, s, e, nil)
		}
	}
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{curp}, "k4 k0"},
		{[]string{ref}, "k4 k2 k0"},
		{[]string{curp, ref, nss}, "k4 k2 k0"},
		{[]string{similar}, "k1"},
		{[]string{webhook.SubjectKey("curp:ROMA880315MDFDRR07")}, ""},
	} {
		got, err := b.BySubject(ctx, tc.keys)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range got {
			keys = append(keys, e.DedupeKey)
			if e.Body == nil || len(e.Subjects) == 0 {
				t.Errorf("%s is not whole: %+v", e.DedupeKey, e)
			}
		}
		if strings.Join(keys, " ") != tc.want {
			t.Errorf("BySubject(%v) = %v, want %s", tc.keys, keys, tc.want)
		}
		// What an erase reads: the same events, without their bodies.
		named, err := b.Named(ctx, tc.keys)
		if err != nil || len(named) != len(got) {
			t.Fatalf("Named(%v) = %d events, %v; want %d", tc.keys, len(named), err, len(got))
		}
		for i, e := range named {
			if e.ID != got[i].ID || !e.ReceivedAt.Equal(got[i].ReceivedAt) || !slices.Equal(e.Subjects, got[i].Subjects) || e.Body != nil || e.Headers != nil {
				t.Errorf("Named(%v)[%d] = %+v, want %s without its body", tc.keys, i, e, got[i].ID)
			}
		}
	}
	if e, err := s.Event(ctx, Ev("td", "OK", "k4", 6).ID); err != nil || strings.Join(e.Subjects, " ") != nss+" "+curp+" "+ref {
		t.Errorf("the event's subjects: %q, %v", e.Subjects, err)
	}
}

// erasedEvents: an erase removes the events whole (their detail, their
// listings, their subjects), says how many it held, keeps every other, and
// erasing again removes nothing.
func erasedEvents(t *testing.T, s webhook.Store) {
	b, ok := s.(interface {
		BySubject(ctx context.Context, keys []string) ([]webhook.Event, error)
		Erase(ctx context.Context, events []webhook.Event) (int, error)
	})
	if !ok {
		t.Fatalf("%T erases no event", s)
	}
	ctx := context.Background()
	curp := webhook.SubjectKey("curp:HEGG560427MVZRRL04")
	for i := range 5 {
		e := Ev("td", "OK", fmt.Sprint("k", i), i)
		if i%2 == 0 {
			e.Subjects = []string{curp}
		}
		receive(t, s, e, nil)
	}
	mine, err := b.BySubject(ctx, []string{curp})
	if err != nil || len(mine) != 3 {
		t.Fatalf("the person's events: %d, %v", len(mine), err)
	}
	if err := s.Attempted(ctx, mine[0], webhook.Attempt{Status: webhook.Processed}); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Erase(ctx, mine); err != nil || n != 3 {
		t.Fatalf("Erase = %d, %v; want 3", n, err)
	}
	if got, err := b.BySubject(ctx, []string{curp}); err != nil || len(got) != 0 {
		t.Errorf("after the erase, by subject: %d, %v", len(got), err)
	}
	for _, e := range mine {
		if _, err := s.Event(ctx, e.ID); !errors.Is(err, webhook.ErrNotFound) {
			t.Errorf("%s after the erase: %v", e.DedupeKey, err)
		}
	}
	if all := pageAll(t, s, webhook.Filter{}, 2); all != "k3 k1" {
		t.Errorf("the events left: %q, want k3 k1", all)
	}
	if got := pageAll(t, s, webhook.Filter{Status: webhook.Processed}, 2); got != "" {
		t.Errorf("the processed listing after the erase: %q", got)
	}
	if n, err := b.Erase(ctx, mine); err != nil || n != 0 {
		t.Errorf("again: %d, %v; want 0", n, err)
	}
}

// pageAll lists every event matching f, limit at a time, as their dedupe
// keys.
func pageAll(t *testing.T, s webhook.Store, f webhook.Filter, limit int) string {
	t.Helper()
	var keys []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		page, next, err := s.Events(context.Background(), f, cursor, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > limit {
			t.Fatalf("page of %d, limit %d", len(page), limit)
		}
		for _, e := range page {
			keys = append(keys, e.DedupeKey)
		}
		if next == "" {
			return strings.Join(keys, " ")
		}
		cursor = next
	}
}

func attemptedOnce(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := Ev("pomelo", "ACTIVITY_CREATED", "act-1", 0)
	receive(t, s, e, nil)
	if err := s.Attempted(ctx, e, webhook.Attempt{Status: webhook.Failed, Error: "pomelo: 502"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Event(ctx, e.ID)
	if got.Status != webhook.Failed || got.Attempts != 1 || got.LastError != "pomelo: 502" {
		t.Errorf("after a failed attempt: %+v", got)
	}
	rec := &inbound.Record{Kind: "activity", ID: "a-1", Version: T0, Data: []byte(`{"v":1}`)}
	if err := s.Attempted(ctx, e, webhook.Attempt{Status: webhook.Processed, Note: "about no request of ours", Record: rec}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Event(ctx, e.ID)
	if got.Status != webhook.Processed || got.Attempts != 2 || got.LastError != "" || got.Note != "about no request of ours" {
		t.Errorf("after processing: %+v", got)
	}
	if page, _, err := s.Events(ctx, webhook.Filter{Provider: "pomelo", Status: webhook.Processed}, "", 10); err != nil || len(page) != 1 || page[0].Note != got.Note {
		t.Errorf("the listing: %+v, %v; want the note", page, err)
	}
	kept, err := s.Record(ctx, "activity", "a-1")
	if err != nil || string(kept.Data) != `{"v":1}` || kept.EventID != e.ID || !kept.Version.Equal(T0) {
		t.Errorf("record = %+v, %v", kept, err)
	}
	// Processing happens once.
	if err := s.Attempted(ctx, e, webhook.Attempt{Status: webhook.Processed}); !errors.Is(err, webhook.ErrProcessed) {
		t.Errorf("second processed attempt: err = %v, want ErrProcessed", err)
	}
	if got, _ = s.Event(ctx, e.ID); got.Attempts != 2 {
		t.Errorf("attempts = %d after a refused attempt, want 2", got.Attempts)
	}
	if err := s.Attempted(ctx, webhook.Event{ID: "evt_none", Provider: "pomelo", Type: "T"}, webhook.Attempt{Status: webhook.Processed}); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("unknown event: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Record(ctx, "activity", "a-2"); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("unknown record: err = %v, want ErrNotFound", err)
	}
}

func latestRecordWins(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	newer, older := Ev("pomelo", "ACTIVITY_UPDATED", "u-2", 0), Ev("pomelo", "ACTIVITY_CREATED", "u-1", 1)
	receive(t, s, newer, nil)
	receive(t, s, older, nil)
	attempt := func(e webhook.Event, version time.Time, data string) {
		t.Helper()
		rec := &inbound.Record{Kind: "activity", ID: "a-1", Version: version, Data: []byte(data)}
		if err := s.Attempted(ctx, e, webhook.Attempt{Status: webhook.Processed, Record: rec}); err != nil {
			t.Fatal(err)
		}
	}
	attempt(newer, T0.Add(time.Hour), `{"status":"APPROVED"}`)
	attempt(older, T0, `{"status":"PENDING"}`) // arrives late: processed, but not kept
	kept, err := s.Record(ctx, "activity", "a-1")
	if err != nil || string(kept.Data) != `{"status":"APPROVED"}` || kept.EventID != newer.ID {
		t.Errorf("record = %+v, %v; want the later version", kept, err)
	}
	if got, _ := s.Event(ctx, older.ID); got.Status != webhook.Processed {
		t.Errorf("the late event is %s, want PROCESSED", got.Status)
	}
}

func concurrentDeliveries(t *testing.T, s webhook.Store) {
	e := Ev("belvo", "EMPLOYMENT_RECORDS", "wh-1", 0)
	errs := make(chan error, 20)
	firsts := make(chan bool, 20)
	for range 20 {
		go func() {
			dup, err := s.Receive(context.Background(), e, nil)
			errs <- err
			firsts <- !dup && err == nil
		}()
	}
	n := 0
	for range 20 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		if <-firsts {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d deliveries kept the event, want 1", n)
	}
	if got := pageAll(t, s, webhook.Filter{}, 50); got != "wh-1" {
		t.Errorf("events = %s, want one", got)
	}
}

func eventLimits(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	big := Ev("palenca", "login.success", "big", 0)
	big.Body = make([]byte, webhook.MaxBody+1)
	if _, err := s.Receive(ctx, big, nil); !errors.Is(err, storable.ErrInvalid) {
		t.Errorf("body over MaxBody: err = %v, want storable.ErrInvalid", err)
	}
	if _, err := s.Event(ctx, big.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("a refused event was kept: %v", err)
	}
	e := Ev("pomelo", "ACTIVITY_CREATED", "act-1", 0)
	receive(t, s, e, nil)
	rec := &inbound.Record{Kind: "activity", ID: strings.Repeat("a", storable.MaxID+1)}
	if err := s.Attempted(ctx, e, webhook.Attempt{Status: webhook.Processed, Record: rec}); !errors.Is(err, storable.ErrInvalid) {
		t.Errorf("record id over MaxID: err = %v, want storable.ErrInvalid", err)
	}
	if got, _ := s.Event(ctx, e.ID); got.Status != webhook.Received || got.Attempts != 0 {
		t.Errorf("a refused attempt changed the event: %+v", got)
	}
}

func retried(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	failed, done := Ev("pomelo", "ACTIVITY_CREATED", "act-1", 0), Ev("pomelo", "ACTIVITY_CREATED", "act-2", 1)
	receive(t, s, failed, nil)
	receive(t, s, done, nil)
	if err := s.Retry(ctx, failed); !errors.Is(err, webhook.ErrNotFailed) {
		t.Errorf("retry of a RECEIVED event: %v, want ErrNotFailed", err)
	}
	if err := s.Attempted(ctx, failed, webhook.Attempt{Status: webhook.Failed, Error: "the API was down"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Attempted(ctx, done, webhook.Attempt{Status: webhook.Processed}); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, failed); err != nil {
		t.Fatalf("retry of a FAILED event: %v", err)
	}
	got, err := s.Event(ctx, failed.ID)
	if err != nil || got.Status != webhook.Received || got.Attempts != 1 || got.LastError != "the API was down" {
		t.Errorf("after the retry: %+v, %v; want RECEIVED, its attempt and error kept", got, err)
	}
	if ids := pageAll(t, s, webhook.Filter{Status: webhook.Received}, 10); ids != "act-1" {
		t.Errorf("RECEIVED listing %q, want act-1", ids)
	}
	if ids := pageAll(t, s, webhook.Filter{Provider: "pomelo", Status: webhook.Failed}, 10); ids != "" {
		t.Errorf("FAILED listing %q, want none", ids)
	}
	for name, e := range map[string]webhook.Event{"again": failed, "processed": done} {
		if err := s.Retry(ctx, e); !errors.Is(err, webhook.ErrNotFailed) {
			t.Errorf("retry %s: %v, want ErrNotFailed", name, err)
		}
	}
	if err := s.Retry(ctx, Ev("pomelo", "ACTIVITY_CREATED", "nope", 2)); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("retry of no event: %v, want ErrNotFound", err)
	}
}
