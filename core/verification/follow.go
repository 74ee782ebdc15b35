package verification

import (
	"context"
	"errors"
	"fmt"
	"time"

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
			return s.fail(ctx, v, *n.Problem), true
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

// FollowUp looks at the verifications that are due: it polls the attempts
// past VERIFY_POLL_AFTER (at once for those notified), expires those past
// their provider's window, and starts those whose creator stopped before
// it could. It is the schedule's work; it returns how many it looked at.
func (s *Service) FollowUp(ctx context.Context) (int, error) {
	const page, most = 50, 1000
	// Due is read as of the run's start, and each verification looked at
	// once: one checked again at the next tick is due again at once.
	start := s.Now()
	seen := make(map[string]bool)
	for len(seen) < most {
		due, err := s.Store.Due(ctx, start, page)
		if err != nil {
			return len(seen), err
		}
		fresh := 0
		for _, v := range due {
			if seen[v.ID] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return len(seen), err
			}
			seen[v.ID], fresh = true, fresh+1
			if _, err := s.apply(ctx, v, func(v *Verification) (*Reference, bool) {
				if v.Status.Final() || v.NextCheck.After(start) {
					return nil, false // another writer got there first
				}
				return s.follow(ctx, v, nil), true
			}); err != nil {
				return len(seen), err
			}
		}
		if len(due) < page || fresh == 0 {
			break
		}
	}
	return len(seen), nil
}
