package webhook

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// listed is a Lister over a slice of events, oldest first, answering pages
// newest first as the stores do; reads counts its calls.
type listed struct {
	events []Event
	reads  int
}

func (l *listed) Events(ctx context.Context, f Filter, cursor string, limit int) ([]Event, string, error) {
	l.reads++
	before := len(l.events)
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil {
			return nil, "", ErrCursor
		}
		before = n
	}
	var out []Event
	for i := before - 1; i >= 0; i-- {
		if !f.Matches(l.events[i]) {
			continue
		}
		if len(out) == limit {
			return out, strconv.Itoa(i + 1), nil
		}
		out = append(out, l.events[i])
	}
	return out, "", nil
}

func TestHourly(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration, p string, s Status) Event {
		return Event{ID: fmt.Sprint(d), Provider: p, Status: s, ReceivedAt: t0.Add(d)}
	}
	l := &listed{events: []Event{
		at(-time.Minute, "td", Processed), // before the range
		at(0, "td", Processed),
		at(10*time.Minute, "td", Processed),
		at(20*time.Minute, "pomelo", Failed),
		at(59*time.Minute+59*time.Second, "td", Received),
		at(time.Hour, "td", Processed),
		at(2*time.Hour+30*time.Minute, "belvo", Unhandled), // after the range
	}}
	h, err := Hourly(context.Background(), l, t0.Add(15*time.Minute), t0.Add(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !h.Since.Equal(t0) || !h.Until.Equal(t0.Add(2*time.Hour)) || !h.Complete {
		t.Errorf("range %s–%s, complete %t; want whole hours 10:00–12:00, complete", h.Since, h.Until, h.Complete)
	}
	want := []HourCount{
		{t0, "pomelo", Failed, 1},
		{t0, "td", Processed, 2},
		{t0, "td", Received, 1},
		{t0.Add(time.Hour), "td", Processed, 1},
	}
	if fmt.Sprint(h.Counts) != fmt.Sprint(want) {
		t.Errorf("counts = %v\nwant %v", h.Counts, want)
	}

	for _, r := range []struct{ since, until time.Time }{
		{t0, t0.Add(-time.Hour)},
		{t0, t0.Add(MaxHourlyRange + time.Minute)},
	} {
		if _, err := Hourly(context.Background(), l, r.since, r.until); !errors.Is(err, ErrRange) {
			t.Errorf("%s–%s: err = %v, want ErrRange", r.since, r.until, err)
		}
	}
}

// TestHourlyBounded: past MaxCounted events Hourly stops reading, counts
// the newest and says so.
func TestHourlyBounded(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	l := &listed{}
	for i := range MaxCounted + 10 {
		l.events = append(l.events, Event{Provider: "td", Status: Processed, ReceivedAt: t0.Add(time.Duration(i) * time.Second)})
	}
	h, err := Hourly(context.Background(), l, t0, t0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range h.Counts {
		total += c.Count
	}
	if h.Complete || total != MaxCounted || l.reads != MaxCounted/countPage {
		t.Errorf("complete %t, %d counted in %d reads; want incomplete, %d in %d", h.Complete, total, l.reads, MaxCounted, MaxCounted/countPage)
	}
	if _, err := Hourly(context.Background(), &failing{}, t0, t0.Add(time.Hour)); err == nil {
		t.Error("a store that fails: no error")
	}
}

type failing struct{}

func (failing) Events(context.Context, Filter, string, int) ([]Event, string, error) {
	return nil, "", errors.New("down")
}
