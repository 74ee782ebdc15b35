package webhook

import (
	"context"
	"errors"

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
// nothing to do now (UNHANDLED, already PROCESSED, waiting for the verify
// function), and an error wrapping ErrAttempt when the attempt failed and
// was recorded, or the store's error when it could not be.
func (p *Processor) Process(ctx context.Context, e Event) error {
	if e.Status == Processed || e.Status == Unhandled {
		return nil
	}
	var (
		rec  *inbound.Record
		note string
		err  error
	)
	route, ok := p.Routes.Find(e.Route)
	switch {
	case !ok:
		err = text.Annotate(inbound.ErrPayload, "unknown route "+e.Route)
	case route.Keep != nil:
		var r inbound.Record
		if r, err = route.Keep(ctx, e.Body, e.ReceivedAt); err == nil {
			r.EventID = e.ID
			rec = &r
		}
	case p.Handoff == nil:
		return nil
	default:
		note, err = p.Handoff.Take(ctx, e)
	}
	if err != nil {
		if serr := p.Store.Attempted(ctx, e, Attempt{Status: Failed, Error: err.Error()}); serr != nil && !errors.Is(serr, ErrProcessed) {
			return serr
		}
		return text.Wrap(ErrAttempt, err)
	}
	err = p.Store.Attempted(ctx, e, Attempt{Status: Processed, Note: note, Record: rec})
	if errors.Is(err, ErrProcessed) {
		return nil // another attempt processed it first
	}
	return err
}

// Drain offers every event that has processing left to p: RECEIVED ones,
// and FAILED ones with fewer than maxAttempts attempts, of the providers
// that have processing (a route with a Keep, or a Handoff to take it). It
// is the local stack's processor loop body; in AWS the table's stream
// offers each event instead. It returns the number of events offered.
func Drain(ctx context.Context, s Store, p *Processor, maxAttempts int) (int, error) {
	offered := 0
	for _, provider := range p.processed() {
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
					if listed.Status == Failed && listed.Attempts >= maxAttempts {
						continue
					}
					e, err := s.Event(ctx, listed.ID) // the listing has no body
					if err != nil {
						return offered, err
					}
					offered++
					if err := p.Process(ctx, e); err != nil && !errors.Is(err, ErrAttempt) {
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

// processed lists the providers whose events p has something to do with.
func (p *Processor) processed() []string {
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
