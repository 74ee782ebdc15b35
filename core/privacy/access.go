// Package privacy answers a person's requests under Mexico's data-protection
// law (LFPDPPP's ARCO rights): everything held about a CURP, found across
// the stores, and erased everywhere, at the providers first, with a receipt.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// Verifications is what a person's request needs of the verifications.
type Verifications interface {
	// ByPerson returns every verification of the person whose
	// verification.PersonKey is person.
	ByPerson(ctx context.Context, person string) ([]verification.Verification, error)
	// Erase removes vs whole, with what they claimed, from every file the
	// store writes, and answers how many it held; again, it removes
	// nothing. One changed since it was read is kept whole, and reported
	// with verification.ErrConflict once the others are erased.
	Erase(ctx context.Context, vs []verification.Verification) (int, error)
}

// Events is what a person's request needs of the webhook events.
type Events interface {
	// BySubject returns, whole, every event kept under any of the subject
	// keys (webhook.SubjectKey).
	BySubject(ctx context.Context, keys []string) ([]webhook.Event, error)
	// Named is BySubject with each event's ID, ReceivedAt and Subjects
	// only: what Erase needs, never a body, so that erasing a person with
	// thousands of events holds little.
	Named(ctx context.Context, keys []string) ([]webhook.Event, error)
	// Erase removes events whole, from every file the store writes, and
	// answers how many it held; again, it removes nothing.
	Erase(ctx context.Context, events []webhook.Event) (int, error)
}

// ErrNoPerson is a CURP we hold nothing about.
var ErrNoPerson = errors.New("privacy: nothing is held about this person")

// Person is everything we hold about a CURP.
type Person struct {
	CURP          string
	Verifications []verification.Verification
	// Events are the kept pushes that name the person: by the CURP, by an
	// NSS of theirs, or by the provider's reference of one of their
	// verifications.
	Events []webhook.Event
	// Providers are the references we hold at each provider, one per
	// attempt that started there.
	Providers []Reference
}

// Reference is a request of ours at a provider, and the verification it
// was made for.
type Reference struct {
	Provider, Reference, Verification string
}

// People answers a person's requests over the stores that hold their data.
type People struct {
	Verifications Verifications
	Events        Events
}

// Access finds everything held about the person whose CURP is curp (an
// invalid one fails with identity's error): their verifications, the
// events naming them, the references at the providers. Holding nothing is
// ErrNoPerson.
func (pp People) Access(ctx context.Context, curp string) (Person, error) {
	return pp.find(ctx, curp, pp.Events.BySubject)
}

// held is Access with the events' ids, receipt times and subjects only
// (Events.Named): what an erase needs.
func (pp People) held(ctx context.Context, curp string) (Person, error) {
	return pp.find(ctx, curp, pp.Events.Named)
}

func (pp People) find(ctx context.Context, curp string, events func(context.Context, []string) ([]webhook.Event, error)) (Person, error) {
	c, err := identity.CURP(curp)
	if err != nil {
		return Person{}, err
	}
	p := Person{CURP: c}
	if p.Verifications, err = pp.Verifications.ByPerson(ctx, verification.PersonKey(c)); err != nil {
		return Person{}, fmt.Errorf("privacy: verifications: %w", err)
	}
	subjects := []string{inbound.Subject("curp", c)}
	for _, v := range p.Verifications {
		for _, nss := range []string{v.Input.NSS, gjson.GetBytes(v.Report, "person.nss").Str} {
			if s := inbound.Subject("nss", nss); nss != "" && !slices.Contains(subjects, s) {
				subjects = append(subjects, s)
			}
		}
		for _, a := range v.Attempts {
			if a.Reference == "" {
				continue
			}
			p.Providers = append(p.Providers, Reference{Provider: a.Provider, Reference: a.Reference, Verification: v.ID})
			if s := inbound.Subject(a.Provider, a.Reference); !slices.Contains(subjects, s) {
				subjects = append(subjects, s)
			}
		}
	}
	keys := make([]string, len(subjects))
	for i, s := range subjects {
		keys[i] = webhook.SubjectKey(s)
	}
	if p.Events, err = events(ctx, keys); err != nil {
		return Person{}, fmt.Errorf("privacy: events: %w", err)
	}
	if len(p.Verifications) == 0 && len(p.Events) == 0 {
		return Person{}, ErrNoPerson
	}
	return p, nil
}
