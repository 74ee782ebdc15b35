package verification

import (
	"context"
	"errors"
	"fmt"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// Take follows up a provider's notification, kept by the webhooks function
// (it implements webhook.Handoff). It checks with the provider's API before
// it believes anything a notification's body says, except a failure no API
// confirms (Palenca's login.error). A notification about no verification
// of ours, or one already ended, changes nothing and says so in its note;
// one handed over twice changes a verification once. An error leaves the
// event to be offered again.
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
	_, err = s.apply(ctx, v, func(v *Verification) (*Reference, bool) {
		a := v.current()
		if a == nil || a.Provider != e.Provider || a.Reference != n.Reference {
			note = "verification " + v.ID + " is " + string(v.Status) + " and no longer waits for this request"
			return nil, false
		}
		a.Notified = true
		if n.Problem != nil {
			return s.fail(ctx, v, *n.Problem), true
		}
		return s.follow(ctx, v, n.Claim), true
	})
	return note, err
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
