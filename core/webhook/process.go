package webhook

import (
	"context"
	"errors"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Handoff takes the events of the routes without a Keep: those whose
// bodies the verify function confirms with the provider's own API before
// believing them (TD, Belvo and Palenca). A nil error settles the event
// PROCESSED, with note when there is one (an event about no request of
// ours); an error records a FAILED attempt, offered again.
type Handoff interface {
	Take(ctx context.Context, e Event) (note string, err error)
}

// Processor processes events: each attempt is recorded with
// Store.Attempted, so that an event is processed once however often it is
// offered.
type Processor struct {
	Store   Store
	Routes  Routes
	Handoff Handoff // nil: events of routes without Keep stay RECEIVED for it
}

// ErrAttempt wraps the error of a failed processing attempt, which was
// recorded as FAILED: the caller retries the event later.
var ErrAttempt = errors.New("webhook: processing attempt failed")

// Process makes one attempt at e. It returns nil when e is processed or has
// nothing to do now (UNHANDLED, DROPPED, already PROCESSED, waiting for the
// verify function), and an error wrapping ErrAttempt when the attempt
// failed and was recorded, or the store's error when it could not be.
func (p *Processor) Process(ctx context.Context, e Event) error {
	if e.Status.settled() {
		return nil
	}
	route, ok := p.Routes.Find(e.Route)
	switch {
	case !ok:
		return settle(ctx, p.Store, e, nil, "", text.Annotate(inbound.ErrPayload, "unknown route "+e.Route))
	case route.Keep != nil:
		r, err := route.Keep(ctx, e.Body, e.ReceivedAt)
		if err != nil {
			return settle(ctx, p.Store, e, nil, "", err)
		}
		r.EventID = e.ID
		return settle(ctx, p.Store, e, &r, "", nil)
	case p.Handoff == nil:
		return nil
	}
	return Hand(ctx, p.Store, p.Handoff, e)
}

// Hand makes one attempt at e through h, and records it in s: the verify
// function settles the events it takes from the store's stream so. It
// returns as Process does.
func Hand(ctx context.Context, s Store, h Handoff, e Event) error {
	if e.Status.settled() {
		return nil
	}
	note, err := h.Take(ctx, e)
	return settle(ctx, s, e, nil, note, err)
}

// settle records the attempt that ended with err (PROCESSED when nil). An
// event no longer kept (erased with its person, or expired, since it was
// offered) has nothing left to record: offering it again cannot help.
func settle(ctx context.Context, s Store, e Event, rec *inbound.Record, note string, err error) error {
	if err != nil {
		serr := s.Attempted(ctx, e, Attempt{Status: Failed, Error: err.Error()})
		switch {
		case errors.Is(serr, ErrNotFound):
			return nil
		case serr != nil && !errors.Is(serr, ErrProcessed):
			return serr
		}
		return text.Wrap(ErrAttempt, err)
	}
	err = s.Attempted(ctx, e, Attempt{Status: Processed, Note: note, Record: rec})
	if errors.Is(err, ErrProcessed) || errors.Is(err, ErrNotFound) {
		return nil // another attempt processed it first, or it is gone
	}
	return err
}

// BackfillAge is how old an event must be before a schedule offers it
// (Drain's settledBefore): a table's stream offers the newer ones.
const BackfillAge = 2 * time.Minute

// Drain offers process every event of providers that has processing left:
// RECEIVED ones, and FAILED ones with fewer than maxAttempts attempts.
// Events received at or after settledBefore are left (zero leaves none):
// the verify function's backfill leaves the newest to the stream. It is the
// local processor loop's body, with Processor.Process; in AWS the table's
// stream offers each event instead. It returns the number of events
// offered.
func Drain(ctx context.Context, s Store, providers []string, maxAttempts int, settledBefore time.Time, process func(context.Context, Event) error) (int, error) {
	offered := 0
	for _, provider := range providers {
		// Failed events first: one that fails in this pass is retried in
		// the next.
		for _, status := range []Status{Failed, Received} {
			cursor := ""
			for {
				page, next, err := s.Events(ctx, Filter{Provider: provider, Status: status}, cursor, 100)
				if err != nil {
					return offered, err
				}
				for _, listed := range page {
					if listed.Status == Failed && listed.Attempts >= maxAttempts ||
						!settledBefore.IsZero() && !listed.ReceivedAt.Before(settledBefore) {
						continue
					}
					e, err := s.Event(ctx, listed.ID) // the listing has no body
					if err != nil {
						return offered, err
					}
					offered++
					if err := process(ctx, e); err != nil && !errors.Is(err, ErrAttempt) {
						return offered, err
					}
				}
				if next == "" {
					break
				}
				cursor = next
			}
		}
	}
	return offered, nil
}

// Providers lists the providers whose events p has something to do with: a
// route with a Keep, or a Handoff to take it.
func (p *Processor) Providers() []string {
	var out []string
	for _, provider := range p.Routes.Providers() {
		for _, r := range p.Routes {
			if r.Provider == provider && (r.Keep != nil || p.Handoff != nil) {
				out = append(out, provider)
				break
			}
		}
	}
	return out
}
