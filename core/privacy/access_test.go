package privacy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// held is what the stores hold, in memory.
type held struct {
	verifications []verification.Verification
	events        []webhook.Event
}

// heldEvents is h's events as a store.
type heldEvents struct{ *held }

func (h *held) ByPerson(_ context.Context, person string) ([]verification.Verification, error) {
	var out []verification.Verification
	for _, v := range h.verifications {
		if verification.PersonKey(v.Input.CURP) == person {
			out = append(out, v)
		}
	}
	return out, nil
}

func (h heldEvents) BySubject(_ context.Context, keys []string) ([]webhook.Event, error) {
	var out []webhook.Event
	for _, e := range h.events {
		for _, k := range e.Subjects {
			if slices.Contains(keys, k) {
				out = append(out, e)
				break
			}
		}
	}
	return out, nil
}

func (h heldEvents) Named(ctx context.Context, keys []string) ([]webhook.Event, error) {
	es, err := h.BySubject(ctx, keys)
	for i, e := range es {
		es[i] = webhook.Event{ID: e.ID, ReceivedAt: e.ReceivedAt, Subjects: e.Subjects}
	}
	return es, err
}

const ana, similar = "HEGG560427MVZRRL04", "HEGG560427MVZRRL05"

func (h *held) Erase(context.Context, []verification.Verification) (int, error) { return 0, nil }

func (h heldEvents) Erase(context.Context, []webhook.Event) (int, error) { return 0, nil }

func event(id string, subjects ...string) webhook.Event {
	return webhook.Event{ID: id, Subjects: webhook.SubjectKeys(subjects)}
}

func seeded() *held {
	return &held{
		verifications: []verification.Verification{
			{ID: "ver_1", Input: verification.Input{CURP: ana, NSS: "12345678903"}, Attempts: []verification.Attempt{
				{Provider: "td", Reference: "1700000001"}, {Provider: "palenca", Reference: "acc-1"}}},
			{ID: "ver_2", Input: verification.Input{CURP: ana}, Report: []byte(`{"person":{"nss":"98765432109"}}`),
				Attempts: []verification.Attempt{{Provider: "belvo", Reference: "link-1"}, {Provider: "td"}}},
			{ID: "ver_3", Input: verification.Input{CURP: similar}, Attempts: []verification.Attempt{{Provider: "td", Reference: "1700000003"}}},
		},
		events: []webhook.Event{
			event("e-td", "td:1700000001"), event("e-palenca", "palenca:acc-1", "curp:"+ana),
			event("e-belvo", "belvo:link-1"), event("e-nss", "nss:98765432109"), event("e-curp", "curp:"+ana),
			event("e-other", "td:1700000003", "curp:"+similar), event("e-none"),
		},
	}
}

func TestAccess(t *testing.T) {
	h := seeded()
	people := privacy.People{Verifications: h, Events: heldEvents{h}}
	p, err := people.Access(context.Background(), " hegg560427mvzrrl04 ")
	if err != nil {
		t.Fatal(err)
	}
	var vs, es []string
	for _, v := range p.Verifications {
		vs = append(vs, v.ID)
	}
	for _, e := range p.Events {
		es = append(es, e.ID)
	}
	if p.CURP != ana || fmt.Sprint(vs) != "[ver_1 ver_2]" || fmt.Sprint(es) != "[e-td e-palenca e-belvo e-nss e-curp]" {
		t.Errorf("Access = %s %v %v", p.CURP, vs, es)
	}
	want := []privacy.Reference{{"td", "1700000001", "ver_1"}, {"palenca", "acc-1", "ver_1"}, {"belvo", "link-1", "ver_2"}}
	if !slices.Equal(p.Providers, want) {
		t.Errorf("providers %+v, want %+v", p.Providers, want)
	}
	// Events alone are a person held too.
	h.verifications = nil
	if p, err := people.Access(context.Background(), ana); err != nil || len(p.Events) != 2 {
		t.Errorf("events only: %+v, %v", p, err)
	}
	if _, err := people.Access(context.Background(), "ROMA880315MDFDRR07"); !errors.Is(err, privacy.ErrNoPerson) {
		t.Errorf("nobody: %v, want ErrNoPerson", err)
	}
	if _, err := people.Access(context.Background(), "HEGG560427MVZRRL0"); !errors.Is(err, identity.ErrCURP) {
		t.Errorf("an invalid CURP: %v", err)
	}
}
