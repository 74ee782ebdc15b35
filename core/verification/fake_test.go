package verification_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/verification"
)

// memory is an in-memory verification.Store for the service's unit tests;
// the real stores pass storetest.RunVerifications.
type memory struct {
	mu      sync.Mutex
	byID    map[string]verification.Verification
	ext     map[string]string
	refs    map[verification.Reference]string
	windows map[string]verification.Window
	saves   int
	// down fails every Save that claims a reference, as a store that went
	// away between a provider's start and its record.
	down bool
}

var errStoreDown = errors.New("the store is down")

func newMemory() *memory {
	return &memory{byID: map[string]verification.Verification{}, ext: map[string]string{},
		refs: map[verification.Reference]string{}, windows: map[string]verification.Window{}}
}

func (m *memory) Window(_ context.Context, key string) (verification.Window, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.windows[key]
	if !ok {
		return verification.Window{Key: key}, nil
	}
	w.Created = slices.Clone(w.Created)
	return w, nil
}

func (m *memory) Create(_ context.Context, v verification.Verification, w verification.Window) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.ext[v.ExternalID]; ok && v.ExternalID != "" {
		return verification.ErrExternalID
	}
	if m.windows[w.Key].Version != w.Version {
		return verification.ErrConflict
	}
	w.Version++
	m.windows[w.Key] = w
	if v.ExternalID != "" {
		m.ext[v.ExternalID] = v.ID
	}
	v.Attempts = slices.Clone(v.Attempts) // the store's copy, as a real store's
	m.byID[v.ID] = v
	return nil
}

func (m *memory) Get(_ context.Context, id string) (verification.Verification, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.byID[id]
	if !ok {
		return v, verification.ErrNotFound
	}
	v.Attempts = slices.Clone(v.Attempts) // the caller's copy, as a real store's
	return v, nil
}

func (m *memory) ByExternalID(ctx context.Context, ext string) (verification.Verification, error) {
	m.mu.Lock()
	id, ok := m.ext[ext]
	m.mu.Unlock()
	if !ok {
		return verification.Verification{}, verification.ErrNotFound
	}
	return m.Get(ctx, id)
}

func (m *memory) ByReference(ctx context.Context, provider, ref string) (verification.Verification, error) {
	m.mu.Lock()
	id, ok := m.refs[verification.Reference{Provider: provider, Reference: ref}]
	m.mu.Unlock()
	if !ok {
		return verification.Verification{}, verification.ErrNotFound
	}
	return m.Get(ctx, id)
}

func (m *memory) Save(_ context.Context, v verification.Verification, ref *verification.Reference) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID[v.ID].Version != v.Version-1 {
		return verification.ErrConflict
	}
	if m.down && ref != nil {
		return errStoreDown
	}
	v.Attempts = slices.Clone(v.Attempts) // the store's copy, as a real store's
	m.byID[v.ID] = v
	if ref != nil {
		m.refs[*ref] = v.ID
	}
	m.saves++
	return nil
}

func (m *memory) Due(_ context.Context, now time.Time, limit int) ([]verification.Verification, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []verification.Verification
	for _, v := range m.byID {
		if v.Status == verification.Pending && !v.NextCheck.After(now) {
			v.Attempts = slices.Clone(v.Attempts)
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b verification.Verification) int { return a.NextCheck.Compare(b.NextCheck) })
	return out[:min(limit, len(out))], nil
}

// provider is a scripted verification.Provider.
type provider struct {
	name   string
	window time.Duration
	mu     sync.Mutex
	starts int
	checks int
	// start answers Start: a reference, or an error.
	start func(in verification.Input) (string, error)
	// check answers Check by reference.
	check func(ref string) (verification.Result, error)
	// notice answers Notice.
	notice func(typ string, body []byte) (verification.Notice, error)
	// find answers Find; nil finds the references start gave, by
	// verification id.
	find  func(id string) (string, error)
	made  map[string]string
	finds int
}

func (p *provider) Start(_ context.Context, id string, in verification.Input) (string, error) {
	p.mu.Lock()
	p.starts++
	p.mu.Unlock()
	ref, err := p.start(in)
	if err == nil {
		p.mu.Lock()
		if p.made == nil {
			p.made = make(map[string]string)
		}
		p.made[id] = ref
		p.mu.Unlock()
	}
	return ref, err
}

func (p *provider) Find(_ context.Context, id string, _ verification.Input, _ time.Time) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finds++
	if p.find != nil {
		return p.find(id)
	}
	if ref, ok := p.made[id]; ok {
		return ref, nil
	}
	return "", verification.ErrNotFound
}

func (p *provider) Check(_ context.Context, ref string, known employment.Person, source employment.Source, today employment.Date) (verification.Result, error) {
	p.mu.Lock()
	p.checks++
	p.mu.Unlock()
	res, err := p.check(ref)
	if res.Report != nil {
		r, berr := employment.Build(known, res.Report.Weeks, res.Report.Jobs, employment.Source{Provider: p.name, Reference: ref, RetrievedAt: source.RetrievedAt, Confirmed: true}, today)
		if berr != nil {
			return verification.Result{}, berr
		}
		res.Report = &r
	}
	return res, err
}

func (p *provider) Notice(typ string, body []byte) (verification.Notice, error) {
	if p.notice == nil {
		return verification.Notice{Reference: string(body)}, nil
	}
	return p.notice(typ, body)
}

func (p *provider) Window() time.Duration { return p.window }

// Serves: TD reads IMSS only, as the real one.
func (p *provider) Serves(i verification.Institution) bool {
	return p.name != "td" || i == verification.IMSS
}

func (p *provider) counts() (starts, checks int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts, p.checks
}

var errDown = errors.New("connection refused")
