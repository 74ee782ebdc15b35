package verification

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// Take follows up a provider's notification, kept by the webhooks function
// (it implements webhook.Handoff). Nothing a notification's body says
// changes a verification unless the body is authenticated (a failure
// Palenca's signed login.error reports) or the provider's API confirms it:
// otherwise it only makes the service ask the API. A notification whose
// sender nothing authenticated is a hint (see hint). A notification about
// no verification of ours, or one already ended, changes nothing and says
// so in its note; one handed over twice changes a verification once. An
// error leaves the event to be offered again.
func (s *Service) Take(ctx context.Context, e webhook.Event) (note string, err error) {
	p, ok := s.Providers[e.Provider]
	if !ok {
		return "", fmt.Errorf("verification: %s is not a configured provider", e.Provider)
	}
	n, err := p.Notice(e.Type, e.Body)
	if err != nil {
		return "unreadable notification: " + err.Error(), nil
	}
	if n.Reference == "" {
		return "names no request", nil
	}
	v, err := s.Store.ByReference(ctx, e.Provider, n.Reference)
	if errors.Is(err, ErrNotFound) {
		// Also a notification that beat its start's write of the
		// reference: the follow-up polls that verification, so the
		// result is not lost.
		return "no verification has this " + e.Provider + " reference", nil
	}
	if err != nil {
		return "", err
	}
	if e.Unauthenticated() {
		return s.hint(ctx, v, e.Provider, n.Reference)
	}
	_, err = s.apply(ctx, v, func(v *Verification) (*Reference, bool) {
		note = ""
		a := v.current()
		if !waits(a, e.Provider, n.Reference) {
			note = noLongerWaits(v)
			return nil, false
		}
		a.Notified = true
		if n.Problem != nil && !e.Hint {
			s.fail(v, *n.Problem)
			return nil, true
		}
		return s.follow(ctx, v, n.Claim), true
	})
	return note, err
}

// hint takes a notification whose sender nothing authenticated: anyone may
// have sent it, as often as they like, so all it may cause is one question
// to the provider's API per attempt. The first hint marks the attempt
// notified (a conditional write, which also keeps the follow-up off it
// while this writer asks); only the writer that marked it asks. Later
// hints change nothing: the follow-up looks again at a notified attempt at
// each tick, for notifiedWait.
func (s *Service) hint(ctx context.Context, v Verification, provider, ref string) (note string, err error) {
	var due time.Time
	v, _, err = s.update(ctx, v, func(v *Verification) (*Reference, bool) {
		note = ""
		a := v.current()
		switch {
		case !waits(a, provider, ref):
			note = noLongerWaits(v)
			return nil, false
		case a.Notified:
			note = "an unauthenticated hint, coalesced: " + provider + " is already being asked about this request"
			return nil, false
		}
		a.Notified = true
		due = s.Now().Add(retryCheck)
		v.NextCheck = due
		return nil, true
	})
	if err != nil || note != "" {
		return note, err
	}
	_, err = s.apply(ctx, v, func(v *Verification) (*Reference, bool) {
		if !waits(v.current(), provider, ref) || !v.NextCheck.Equal(due) {
			return nil, false // the follow-up got there first
		}
		return s.follow(ctx, v, nil), true
	})
	return "", err
}

// waits reports whether a, a verification's current attempt, waits for
// the provider's request ref.
func waits(a *Attempt, provider, ref string) bool {
	return a != nil && a.Provider == provider && a.Reference == ref
}

func noLongerWaits(v *Verification) string {
	return "verification " + v.ID + " is " + string(v.Status) + " and no longer waits for this request"
}

// The follow-up's bounds. A run looks at most dueLimit verifications, at
// most perProvider of one provider's at once; a provider whose checks
// failed to reach it circuitTrips times in a row is skipped for the rest
// of the run, its verifications left due for the next.
const (
	dueLimit     = 1000
	perProvider  = 4
	circuitTrips = 3
)

// FollowUp looks at the verifications that are due: it polls the attempts
// past VERIFY_POLL_AFTER (at once for those notified), expires those past
// their provider's window, recovers unconfirmed starts, and starts those
// whose creator stopped before it could. It is the schedule's work; it
// returns how many it looked at. Each provider's verifications are looked
// at in a lane of their own, so that one provider's slowness never delays
// another's: a provider that is timing out costs its own lane one round of
// timeouts, then its circuit opens.
func (s *Service) FollowUp(ctx context.Context) (int, error) {
	// Due is read as of the run's start, each verification looked at once.
	start := s.Now()
	due, err := s.Store.Due(ctx, start, dueLimit)
	if err != nil {
		return 0, err
	}
	lanes := make(map[string][]Verification)
	for _, v := range due {
		lanes[v.Provider()] = append(lanes[v.Provider()], v)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		looked int
		errs   []error
	)
	for name, vs := range lanes {
		wg.Go(func() {
			n, err := s.followLane(ctx, start, name, vs)
			mu.Lock()
			looked += n
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	wg.Wait()
	return looked, errors.Join(errs...)
}

// followLane looks at vs, the due verifications of provider name, at most
// perProvider at once, through a circuit: once open, the rest of vs is
// left for the next run. A store error ends the lane.
func (s *Service) followLane(ctx context.Context, start time.Time, name string, vs []Verification) (int, error) {
	run := *s
	c := &circuit{}
	if p, ok := s.Providers[name]; ok {
		run.Providers = maps.Clone(s.Providers)
		run.Providers[name] = guarded{p, c}
	}
	var (
		wg      sync.WaitGroup
		slots   = make(chan struct{}, perProvider)
		mu      sync.Mutex
		looked  int
		skipped int
		failed  error
	)
	for _, v := range vs {
		slots <- struct{}{}
		mu.Lock()
		stop := failed != nil
		mu.Unlock()
		if stop || ctx.Err() != nil || c.open() {
			<-slots
			skipped++
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			_, err := run.apply(ctx, v, func(v *Verification) (*Reference, bool) {
				if v.Status.Final() || v.NextCheck.After(start) {
					return nil, false // another writer got there first
				}
				return run.follow(ctx, v, nil), true
			})
			mu.Lock()
			looked++
			if err != nil && failed == nil {
				failed = err
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if c.open() && skipped > 0 && s.Log != nil {
		s.Log.LogAttrs(ctx, slog.LevelWarn, "follow-up skipped a provider that is not answering",
			slog.String("provider", name), slog.Int("skipped", skipped))
	}
	if failed == nil {
		failed = ctx.Err()
	}
	return looked, failed
}

// circuit counts a provider's failures to answer in a row, in one run.
type circuit struct {
	mu     sync.Mutex
	failed int
}

func (c *circuit) open() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed >= circuitTrips
}

func (c *circuit) record(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.failed++
	} else {
		c.failed = 0
	}
}

// errCircuitOpen is a guarded provider's answer once its circuit is open.
var errCircuitOpen = errors.New("verification: the provider is not answering: skipped for the rest of this run")

// guarded is a provider whose questions (Check, Find) go through a
// circuit: each failure to reach it counts, and once the circuit is open
// none is asked.
type guarded struct {
	Provider
	c *circuit
}

func (g guarded) Check(ctx context.Context, ref string, known employment.Person, source employment.Source, today employment.Date) (Result, error) {
	if g.c.open() {
		return Result{}, errCircuitOpen
	}
	res, err := g.Provider.Check(ctx, ref, known, source, today)
	g.c.record(err)
	return res, err
}

func (g guarded) Find(ctx context.Context, id string, in Input, startedAt time.Time) (string, error) {
	if g.c.open() {
		return "", errCircuitOpen
	}
	ref, err := g.Provider.Find(ctx, id, in, startedAt)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCannotFind) {
		g.c.record(nil) // an answer
	} else {
		g.c.record(err)
	}
	return ref, err
}
