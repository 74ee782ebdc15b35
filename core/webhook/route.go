package webhook

import (
	"context"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
)

// Route is one webhook endpoint and everything about it that differs
// between providers. Each provider's package supplies the parts; the
// function's configuration puts them in a table. Adding a provider is one
// package and one Route.
type Route struct {
	// Name is the path under /webhooks/ ("td", "pomelo/activities"), kept
	// with each event of the route.
	Name     string
	Provider string
	// Scheme authenticates deliveries; nil refuses every one.
	Scheme Scheme
	// Namer reads the type and de-duplication key of a body.
	Namer func(body []byte) (inbound.Name, error)
	// Replies answer the provider in the shape it expects.
	Replies inbound.Replies
	// Keep processes an event of the route into the record it keeps. Nil
	// hands the event off (Processor.Handoff): its body is a hint that the
	// verify function confirms with the provider's own API.
	Keep func(ctx context.Context, body []byte, receivedAt time.Time) (inbound.Record, error)
	// Once names the headers that must appear once and hold no comma: API
	// Gateway joins a repeated header with commas, and two readers of one
	// header must never see two different values.
	Once []string
	// Sources are the addresses deliveries may come from; the empty list
	// takes any.
	Sources allowlist.List
	// Secret names the header that carries the route's credential itself
	// (Belvo's Authorization), "" for none: it is never kept, so a kept
	// delivery of the route cannot be checked again (Routes.Recheck).
	Secret string
}

// Scheme authenticates the deliveries of one route. A failure is an
// *inbound.Refusal with its code.
type Scheme interface {
	Authenticate(d inbound.Delivery, now time.Time) (inbound.Proof, error)
}

// Path is the route's path.
func (r Route) Path() string { return "/webhooks/" + r.Name }

// Routes is the table of routes.
type Routes []Route

// Find returns the route named name.
func (rs Routes) Find(name string) (Route, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r, true
		}
	}
	return Route{}, false
}

// Providers returns each provider of the table once, in table order.
func (rs Routes) Providers() []string {
	var out []string
	seen := make(map[string]bool)
	for _, r := range rs {
		if !seen[r.Provider] {
			seen[r.Provider] = true
			out = append(out, r.Provider)
		}
	}
	return out
}
