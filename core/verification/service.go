package verification

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/ids"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// Service runs verifications. Now and Random are its clock and its source
// of ids; Log gets one line per change, with no CURP, NSS or name.
type Service struct {
	Store     Store
	Providers map[string]Provider
	// Order is the failover order of the providers (VERIFY_PROVIDER_ORDER).
	Order []string
	// PollAfter is how long an attempt without a notification waits
	// before the follow-up polls it (VERIFY_POLL_AFTER).
	PollAfter time.Duration
	// Retention is how long a verification is kept (VERIFY_RETENTION).
	Retention time.Duration
	Now       func() time.Time
	Random    io.Reader
	Log       *slog.Logger
}

// DailyLimit is how many verifications of one CURP the guard lets start in
// 24 hours: IMSS answers a CURP three times a day.
const DailyLimit = 3

// Mexico is the zone of the day a report is computed against: central
// Mexico, UTC-6 all year since 2022.
var Mexico = time.FixedZone("CST", -6*60*60)

const (
	// startGrace keeps the follow-up off a verification its creator is
	// still starting; a creator that crashed leaves it to the follow-up.
	startGrace = time.Minute
	// retryCheck is how soon a check that could not reach the provider
	// is tried again.
	retryCheck = 30 * time.Second
	// notifiedWait is how long after its start an attempt whose provider
	// told of a result the API does not show yet is looked at on every
	// tick of the follow-up; after it, every VERIFY_POLL_AFTER. Palenca
	// says a login takes 10 to 180 seconds.
	notifiedWait = 15 * time.Minute
	// maxReport keeps a report within one store item.
	maxReport = storable.ItemBytes / 2
	saveTries = 5
)

// Start checks r, calls no one when it is wrong (a *FieldError), applies
// the daily guard (ErrDailyLimit), and keeps a new verification, which it
// starts with the first provider that takes it. A repeat of an external_id
// with the same input returns the verification it made, created false; with
// another input it fails with ErrExternalIDReused.
func (s *Service) Start(ctx context.Context, r Request) (v Verification, created bool, err error) {
	in, ext, err := s.check(r)
	if err != nil {
		return Verification{}, false, err
	}
	key := PersonKey(in.CURP)
	for range saveTries {
		now := s.Now()
		w, err := s.Store.Window(ctx, key)
		if err != nil {
			return Verification{}, false, err
		}
		recent := within(w.Created, now.Add(-24*time.Hour))
		if len(recent) >= DailyLimit {
			if ext != "" {
				if v, err := s.repeat(ctx, ext, in); !errors.Is(err, ErrNotFound) {
					return v, false, err
				}
			}
			return Verification{}, false, ErrDailyLimit
		}
		id, err := s.newID()
		if err != nil {
			return Verification{}, false, err
		}
		v = Verification{
			ID: id, ExternalID: ext, Input: in, Status: Pending, CreatedAt: now, UpdatedAt: now,
			ExpiresAt: now.Add(s.Retention), Version: 1,
		}
		// The first start is claimed by the write that creates v.
		s.claim(&v, nil)
		err = s.Store.Create(ctx, v, Window{Key: key, Created: append(recent, now), Version: w.Version})
		switch {
		case err == nil:
			s.log(v, "created")
			a := v.current()
			v, err = s.launches(ctx, v, a != nil && a.Unconfirmed(), nil)
			return v, true, err
		case errors.Is(err, ErrExternalID):
			v, err := s.repeat(ctx, ext, in)
			if errors.Is(err, ErrNotFound) {
				continue // claimed by a write that has since gone
			}
			return v, false, err
		case errors.Is(err, ErrConflict):
			continue // the window moved: count again
		default:
			return Verification{}, false, err
		}
	}
	return Verification{}, false, fmt.Errorf("verification: start: %w", ErrConflict)
}

// repeat returns the verification ext claimed, if it asked for in.
func (s *Service) repeat(ctx context.Context, ext string, in Input) (Verification, error) {
	v, err := s.Store.ByExternalID(ctx, ext)
	if err != nil {
		return Verification{}, err
	}
	if v.Input != in {
		return Verification{}, ErrExternalIDReused
	}
	return v, nil
}

// Get returns the verification with id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Verification, error) {
	if !ValidID(id) {
		return Verification{}, ErrNotFound
	}
	return s.Store.Get(ctx, id)
}

// ByExternalID returns the verification that claimed ext, or ErrNotFound.
func (s *Service) ByExternalID(ctx context.Context, ext string) (Verification, error) {
	if storable.CheckID("external_id", ext) != nil {
		return Verification{}, ErrNotFound
	}
	return s.Store.ByExternalID(ctx, ext)
}

// claim gives v an attempt with the next provider that takes it (the
// pinned one, or the first of Order not yet tried), unconfirmed: the
// provider is called only once a write has kept the claim (see apply), so
// that no retry after a conflict, no race and no crash calls it twice. With
// no provider left it ends v FAILED with last, the problem of the attempt
// before.
func (s *Service) claim(v *Verification, last *employment.Problem) {
	candidates := s.candidates(v)
	if len(candidates) == 0 {
		if last == nil {
			p := employment.ProblemOf(outcome.ProviderError, "")
			last = &p
		}
		s.finish(v, Failed, last)
		return
	}
	now := s.Now()
	v.Attempts = append(v.Attempts, Attempt{Provider: candidates[0], Status: Pending, StartedAt: now})
	// The follow-up leaves the claim to its writer for startGrace, then
	// recovers it.
	v.NextCheck = now.Add(startGrace)
}

// apply is update, and then the provider start the saved write claimed, if
// it did: the start is called, and its answer recorded. A start the
// provider refuses for its own reasons claims the next provider, which is
// called in turn.
func (s *Service) apply(ctx context.Context, v Verification, change func(*Verification) (*Reference, bool)) (Verification, error) {
	v, claimed, err := s.update(ctx, v, change)
	return s.launches(ctx, v, claimed, err)
}

// launches launches the start v's write claimed, if claimed, and the next
// provider's that its record claims, and so on.
func (s *Service) launches(ctx context.Context, v Verification, claimed bool, err error) (Verification, error) {
	for err == nil && claimed {
		v, claimed, err = s.launch(ctx, v)
	}
	return v, err
}

// launch calls the start of v's last attempt, which this writer claimed,
// and records its answer. claimed says the record claimed the next
// provider's start.
func (s *Service) launch(ctx context.Context, v Verification) (_ Verification, claimed bool, err error) {
	i := len(v.Attempts) - 1
	name := v.Attempts[i].Provider
	ref, startErr := s.Providers[name].Start(ctx, v.ID, v.Input)
	if startErr != nil && ctx.Err() != nil {
		// The caller is gone: whether the provider took the request is
		// unknown, and the claim stays for the follow-up to recover.
		return v, false, ctx.Err()
	}
	return s.update(ctx, v, func(v *Verification) (*Reference, bool) {
		if i >= len(v.Attempts) || v.Attempts[i].Provider != name || !v.Attempts[i].Unconfirmed() {
			// The follow-up recovered the claim first (its writer took
			// longer than startGrace): what the provider answered now
			// belongs to no attempt.
			if startErr == nil {
				s.log(*v, "start answered after its claim was recovered: the provider's request is orphaned", slog.String("provider", name))
			}
			return nil, false
		}
		if startErr != nil {
			s.fail(v, problemOf(startErr))
			return nil, true
		}
		return s.confirm(v, ref), true
	})
}

// confirm records ref as the reference of v's unconfirmed attempt, to be
// claimed with the write.
func (s *Service) confirm(v *Verification, ref string) *Reference {
	a := v.current()
	a.Reference = ref
	v.NextCheck = s.Now().Add(s.PollAfter)
	s.log(*v, "started", slog.String("provider", a.Provider))
	return &Reference{Provider: a.Provider, Reference: ref}
}

// recover looks at an attempt whose start was never confirmed, once its
// writer has had startGrace to record it. The provider is asked whether it
// took the request: a request it holds is confirmed; one it does not hold,
// or a provider that cannot be asked, fails the attempt over to the next
// provider. The start itself is never sent again to the same provider:
// each is an IMSS query of the CURP.
func (s *Service) recover(ctx context.Context, v *Verification, p Provider) *Reference {
	a := v.current()
	now := s.Now()
	if wait := a.StartedAt.Add(startGrace); now.Before(wait) {
		v.NextCheck = wait
		return nil
	}
	ref, err := p.Find(ctx, v.ID, v.Input, a.StartedAt)
	switch {
	case err == nil:
		s.log(*v, "unconfirmed start found at the provider", slog.String("provider", a.Provider))
		r := s.confirm(v, ref)
		v.NextCheck = now // its notification may have come and gone: poll it
		return r
	case errors.Is(err, ErrNotFound):
		s.fail(v, employment.ProblemOf(outcome.ProviderError, "the start was interrupted and "+a.Provider+" holds no request of ours"))
		return nil
	case errors.Is(err, ErrCannotFind), now.After(a.StartedAt.Add(p.Window())):
		s.fail(v, employment.ProblemOf(outcome.ProviderError, "the start was interrupted and "+a.Provider+" cannot say whether it took it"))
		return nil
	}
	s.log(*v, "unconfirmed start: the provider could not be asked", slog.String("provider", a.Provider), slog.String("error", err.Error()))
	v.NextCheck = now.Add(retryCheck)
	return nil
}

// candidates are the providers v may still try, in order.
func (s *Service) candidates(v *Verification) []string {
	order := s.Order
	if v.Input.Provider != "" {
		order = []string{v.Input.Provider}
	}
	var out []string
	for _, name := range order {
		tried := slices.ContainsFunc(v.Attempts, func(a Attempt) bool { return a.Provider == name })
		if p, ok := s.Providers[name]; ok && !tried && p.Serves(v.Input.Institution.OrIMSS()) {
			out = append(out, name)
		}
	}
	return out
}

// follow looks at the current attempt of v: it asks the provider, and
// completes, fails over, fails, expires or waits. claim is what a
// notification claimed, compared with what the provider answers.
func (s *Service) follow(ctx context.Context, v *Verification, claim func(employment.Person, employment.Source, employment.Date) (employment.Report, error)) *Reference {
	a := v.current()
	if a == nil { // its creator stopped before claiming a start
		s.claim(v, nil)
		return nil
	}
	p, ok := s.Providers[a.Provider]
	switch {
	case !ok:
		s.fail(v, employment.ProblemOf(outcome.ProviderError, a.Provider+" is no longer configured"))
		return nil
	case a.Unconfirmed():
		return s.recover(ctx, v, p)
	}
	now := s.Now()
	known := employment.Person{CURP: v.Input.CURP, NSS: v.Input.NSS}
	source := employment.Source{RetrievedAt: now, Confirmed: true}
	today := employment.DateOf(now.In(Mexico))
	res, err := p.Check(ctx, a.Reference, known, source, today)
	late := now.After(a.StartedAt.Add(p.Window()))
	switch {
	case err != nil || res.Report == nil && res.Problem == nil:
		if err != nil {
			s.log(*v, "check failed", slog.String("provider", a.Provider), slog.String("error", err.Error()))
		}
		if late {
			a.Status = Expired
			e := employment.ProblemOf(outcome.VerificationExpiry, "")
			a.Error = &e
			s.finish(v, Expired, &e)
			return nil
		}
		v.NextCheck = now.Add(s.PollAfter)
		switch {
		case err != nil:
			v.NextCheck = now.Add(retryCheck)
		case a.Notified && now.Before(a.StartedAt.Add(notifiedWait)):
			v.NextCheck = now.Add(time.Second) // told of a result: look again at the next tick
		}
		return nil
	case res.Problem != nil:
		s.fail(v, *res.Problem)
		return nil
	}
	body, err := json.Marshal(res.Report)
	if err != nil || len(body) > maxReport {
		s.fail(v, employment.ProblemOf(outcome.ProviderBadData, "the report does not fit one verification"))
		return nil
	}
	if claim != nil {
		claimed, err := claim(known, source, today)
		if err != nil || !employment.SameData(claimed, *res.Report) {
			s.log(*v, "notification contradicted by the provider's API: its body is discarded", slog.String("provider", a.Provider))
		}
	}
	a.Status = Completed
	v.Report = body
	s.finish(v, Completed, nil)
	return nil
}

// fail ends the current attempt with p, and fails over when p is the
// provider's and v is not pinned to it.
func (s *Service) fail(v *Verification, p employment.Problem) {
	a := v.current()
	a.Status, a.Error = Failed, &p
	s.log(*v, "attempt failed", slog.String("provider", a.Provider), slog.String("code", string(p.Code)))
	if p.About == outcome.Provider {
		s.claim(v, &p)
	} else {
		s.finish(v, Failed, &p)
	}
}

func (s *Service) finish(v *Verification, st Status, p *employment.Problem) {
	v.Status, v.Error, v.NextCheck = st, p, time.Time{}
	attrs := []slog.Attr{slog.String("provider", v.Provider())}
	if p != nil {
		attrs = append(attrs, slog.String("code", string(p.Code)))
	}
	s.log(*v, "finished", attrs...)
}

// update applies change to v and saves it, reading it again and
// re-applying change when another writer saved it first. change reports
// whether it changed anything, and the reference to claim with the write.
// claimed says the saved write claimed a provider start (see claim): the
// caller, and no one else, calls it.
func (s *Service) update(ctx context.Context, v Verification, change func(*Verification) (*Reference, bool)) (_ Verification, claimed bool, err error) {
	for range saveTries {
		before := len(v.Attempts)
		ref, changed := change(&v)
		if !changed {
			return v, false, nil
		}
		v.Version++
		v.UpdatedAt = s.Now()
		err := s.Store.Save(ctx, v, ref)
		if err == nil {
			a := v.current()
			return v, len(v.Attempts) > before && a != nil && a.Unconfirmed(), nil
		}
		if !errors.Is(err, ErrConflict) {
			return v, false, err
		}
		if v, err = s.Store.Get(ctx, v.ID); err != nil {
			return Verification{}, false, err
		}
	}
	return Verification{}, false, fmt.Errorf("verification: save %s: %w", v.ID, ErrConflict)
}

// problemOf reads a provider's error: its problem, or the failure to reach
// it.
func problemOf(err error) employment.Problem {
	var p employment.Problem
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, context.DeadlineExceeded):
		return employment.ProblemOf(outcome.ProviderTimeout, "")
	}
	return employment.ProblemOf(outcome.ProviderDown, "")
}

func (s *Service) log(v Verification, msg string, attrs ...slog.Attr) {
	if s.Log == nil {
		return
	}
	attrs = append(attrs, slog.String("verification", v.ID), slog.String("status", string(v.Status)))
	s.Log.LogAttrs(context.Background(), slog.LevelInfo, "verification "+msg, attrs...)
}

// PersonKey is what the stores key a person's data by: a hash of the CURP
// (upper-cased, as a verification keeps it), so that no key holds one. It
// is the key of the daily guard's window, and of the index of a person's
// verifications.
func PersonKey(curp string) string {
	sum := sha256.Sum256([]byte("curp\x00" + curp))
	return hex.EncodeToString(sum[:16])
}

func within(times []time.Time, since time.Time) []time.Time {
	var out []time.Time
	for _, t := range times {
		if t.After(since) {
			out = append(out, t)
		}
	}
	return out
}

// newID returns "ver_" and 26 letters and digits: 128 random bits.
func (s *Service) newID() (string, error) {
	id, err := ids.New(s.Random, "ver_")
	if err != nil {
		return "", fmt.Errorf("verification: id: %w", err)
	}
	return id, nil
}

// ValidID reports whether id has the shape of a verification's id: any
// other names none.
func ValidID(id string) bool { return ids.Valid(id, "ver_", ids.RandomLen) }
