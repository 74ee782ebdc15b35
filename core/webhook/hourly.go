package webhook

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Limits of Hourly.
const (
	// MaxHourlyRange is the widest range Hourly counts.
	MaxHourlyRange = 7 * 24 * time.Hour
	// MaxCounted is how many events Hourly reads at most: past it the
	// counts are of the newest MaxCounted and say they are incomplete.
	MaxCounted = 100_000
	// countPage is how many events each read of Hourly asks for.
	countPage = 500
)

// ErrRange is a range Hourly does not count: backwards or wider than
// MaxHourlyRange.
var ErrRange = errors.New("webhook: range backwards or wider than 7 days")

// Hours counts the events received in [Since, Until) per hour, provider
// and status.
type Hours struct {
	Since, Until time.Time
	Counts       []HourCount // by hour, then provider, then status
	// Complete is false when the range held more than MaxCounted events:
	// Counts then holds the newest MaxCounted, and the hours before the
	// oldest of them are missing or short.
	Complete bool
}

// HourCount is how many events of a provider were received in an hour and
// now have a status.
type HourCount struct {
	Hour     time.Time
	Provider string
	Status   Status
	Count    int
}

// Lister is what Hourly reads: Store's listing.
type Lister interface {
	Events(ctx context.Context, f Filter, cursor string, limit int) ([]Event, string, error)
}

// Hourly counts the events received from since to until, both turned to
// whole hours (since down, until up), reading the events' listing page by
// page: it costs reads in proportion to the events of the range, up to
// MaxCounted.
func Hourly(ctx context.Context, events Lister, since, until time.Time) (Hours, error) {
	since, until = since.UTC().Truncate(time.Hour), until.UTC()
	if t := until.Truncate(time.Hour); !t.Equal(until) {
		until = t.Add(time.Hour)
	}
	if until.Before(since) || until.Sub(since) > MaxHourlyRange {
		return Hours{}, fmt.Errorf("webhook: hourly from %s to %s: %w", since.Format(time.RFC3339), until.Format(time.RFC3339), ErrRange)
	}
	type key struct {
		hour     time.Time
		provider string
		status   Status
	}
	counts := map[key]int{}
	f := Filter{Since: since, Until: until}
	h := Hours{Since: since, Until: until, Complete: true}
	read, cursor := 0, ""
	for {
		page, next, err := events.Events(ctx, f, cursor, min(countPage, MaxCounted-read))
		if err != nil {
			return Hours{}, fmt.Errorf("webhook: hourly: %w", err)
		}
		for _, e := range page {
			counts[key{e.ReceivedAt.UTC().Truncate(time.Hour), e.Provider, e.Status}]++
		}
		read += len(page)
		if next == "" {
			break
		}
		if read >= MaxCounted {
			h.Complete = false
			break
		}
		cursor = next
	}
	h.Counts = make([]HourCount, 0, len(counts))
	for k, n := range counts {
		h.Counts = append(h.Counts, HourCount{Hour: k.hour, Provider: k.provider, Status: k.status, Count: n})
	}
	sort.Slice(h.Counts, func(i, j int) bool {
		a, b := h.Counts[i], h.Counts[j]
		if !a.Hour.Equal(b.Hour) {
			return a.Hour.Before(b.Hour)
		}
		if a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		return a.Status < b.Status
	})
	return h, nil
}
