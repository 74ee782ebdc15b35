package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// starter is a provider for the cases that run a verification.Service
// over the store: it counts its starts, answers its checks with check, and
// finds the starts it took unless find is set.
type starter struct {
	name  string
	check func() verification.Result
	find  error

	mu    sync.Mutex
	taken map[string]string // verification id → reference
}

func (p *starter) Start(_ context.Context, id string, _ verification.Input) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.taken == nil {
		p.taken = make(map[string]string)
	}
	ref := fmt.Sprintf("%s-%d", p.name, len(p.taken)+1)
	p.taken[id] = ref
	return ref, nil
}

func (p *starter) Find(_ context.Context, id string, _ verification.Input, _ time.Time) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.find != nil {
		return "", p.find
	}
	if ref, ok := p.taken[id]; ok {
		return ref, nil
	}
	return "", verification.ErrNotFound
}

func (p *starter) Check(context.Context, string, employment.Person, employment.Source, employment.Date) (verification.Result, error) {
	if p.check == nil {
		return verification.Result{}, nil
	}
	return p.check(), nil
}

func (p *starter) Notice(_ string, body []byte) (verification.Notice, error) {
	return verification.Notice{Reference: string(body)}, nil
}

func (p *starter) Window() time.Duration                { return 24 * time.Hour }
func (p *starter) Serves(verification.Institution) bool { return true }

func (p *starter) starts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.taken)
}

// service is a verification.Service over s with the providers first and
// second, in that order, at the clock now.
func service(s verification.Store, now func() time.Time, first, second *starter) *verification.Service {
	return &verification.Service{
		Store: s, Providers: map[string]verification.Provider{first.name: first, second.name: second},
		Order: []string{first.name, second.name}, PollAfter: 2 * time.Minute, Retention: 720 * time.Hour,
		Now: now, Random: rand.Reader,
	}
}

// startClaimedOnce: a notification and the follow-up acting on one
// verification at once, both finding its provider failed, start the next
// provider once: the store's conditional write lets one claim the start.
func startClaimedOnce(t *testing.T, s verification.Store) {
	ctx := context.Background()
	var both sync.WaitGroup
	both.Add(2)
	first := &starter{name: "first", check: func() verification.Result {
		both.Done()
		both.Wait() // both read the verification before either writes
		p := employment.ProblemOf(outcome.ProviderDown, "Service unavailable")
		return verification.Result{Problem: &p}
	}}
	second := &starter{name: "second"}
	now := T0
	svc := service(s, func() time.Time { return now }, first, second)
	v, _, err := svc.Start(ctx, verification.Request{CURP: "HEGG560427MVZRRL04"})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	var work sync.WaitGroup
	work.Go(func() {
		if _, err := svc.Take(ctx, webhook.Event{ID: "evt_1", Provider: "first", Body: []byte("first-1")}); err != nil {
			t.Errorf("Take: %v", err)
		}
	})
	work.Go(func() {
		if _, err := svc.FollowUp(ctx); err != nil {
			t.Errorf("FollowUp: %v", err)
		}
	})
	work.Wait()
	got := get(t, s, v.ID)
	if second.starts() != 1 || len(got.Attempts) != 2 || got.Attempts[1].Reference != "second-1" {
		t.Fatalf("the next provider started %d times; %+v", second.starts(), got)
	}
	if byRef, err := s.ByReference(ctx, "second", "second-1"); err != nil || byRef.ID != v.ID {
		t.Errorf("ByReference = %+v, %v", byRef, err)
	}
}

// unconfirmedStart: a start a crashed writer claimed, which the provider
// took but whose answer was never written, is found at the provider by the
// follow-up and never sent again; one the provider cannot say it holds is
// failed over.
func unconfirmedStart(t *testing.T, s verification.Store) {
	ctx := context.Background()
	for i, cannot := range []bool{false, true} {
		first, second := &starter{name: "first"}, &starter{name: "second"}
		if cannot {
			first.find = verification.ErrCannotFind
		}
		now := T0.Add(2 * time.Minute)
		svc := service(s, func() time.Time { return now }, first, second)
		v := Ver(10 + i)
		v.Attempts = []verification.Attempt{{Provider: "first", Status: verification.Pending, StartedAt: v.CreatedAt}}
		v.NextCheck = v.CreatedAt.Add(time.Minute)
		create(t, s, v, fmt.Sprint("k", i))
		first.taken = map[string]string{v.ID: "first-taken"}
		if _, err := svc.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
		got := get(t, s, v.ID)
		switch {
		case !cannot:
			if byRef, err := s.ByReference(ctx, "first", "first-taken"); err != nil || byRef.ID != v.ID || got.Attempts[0].Reference != "first-taken" || len(got.Attempts) != 1 {
				t.Errorf("found: %+v; ByReference: %v", got, err)
			}
		case len(got.Attempts) != 2 || got.Attempts[0].Status != verification.Failed || got.Attempts[1].Reference != "second-1" || second.starts() != 1:
			t.Errorf("cannot be asked: %+v", got)
		}
		if first.starts() != 1 {
			t.Errorf("the first provider was asked to start %d more times", first.starts()-1)
		}
	}
}

// hintsCoalesced: 20 unauthenticated hints about one attempt at once make
// one question to the provider: the first to mark the attempt notified in
// the store asks, the others find it marked.
func hintsCoalesced(t *testing.T, s verification.Store) {
	ctx := context.Background()
	var mu sync.Mutex
	checks := 0
	first := &starter{name: "first", check: func() verification.Result {
		mu.Lock()
		checks++
		mu.Unlock()
		return verification.Result{}
	}}
	svc := service(s, func() time.Time { return T0 }, first, &starter{name: "second"})
	if _, _, err := svc.Start(ctx, verification.Request{CURP: "HEGG560427MVZRRL04"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			e := webhook.Event{ID: fmt.Sprint("evt_", i), Provider: "first", Body: []byte("first-1"), Auth: "first-unsigned", Hint: true}
			if _, err := svc.Take(ctx, e); err != nil {
				t.Errorf("Take: %v", err)
			}
		})
	}
	wg.Wait()
	if checks != 1 {
		t.Errorf("20 hints asked the provider %d times, want 1", checks)
	}
}
