// Package webhooksapi serves the webhooks function's routes: one delivery
// route per row of the routes table, and the events API.
package webhooksapi

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/mask"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/text"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// Page sizes of GET /webhooks/events.
const (
	DefaultEventsPage = 50
	MaxEventsPage     = 100
)

// Handler returns the webhooks function's handler: a POST route per row of
// routes, GET /webhooks/events and GET /webhooks/events/{id}, behind the
// request log.
func Handler(recv *webhook.Receiver, routes webhook.Routes, events webhook.Store, log *slog.Logger, now func() time.Time) http.Handler {
	mux := httpapi.NewMux()
	for _, route := range routes {
		mux.Public("POST "+route.Path(), httpapi.FromSources(route.Sources, delivery(recv, route)))
	}
	mux.Internal("GET /webhooks/events", eventList(events, routes.Providers()))
	mux.Internal("GET /webhooks/events/hourly", eventsHourly(events, now))
	mux.Internal("GET /webhooks/events/{id}", eventDetail(events))
	mux.Internal("POST /webhooks/events/{id}/retry", eventRetry(events))
	mux.Internal("POST /webhooks/events/{id}/check", eventCheck(events, routes))
	return httpapi.Logged(httpapi.Routed(mux), log, now)
}

func delivery(recv *webhook.Receiver, route webhook.Route) http.HandlerFunc {
	once := httpapi.Canonical(route.Once...)
	return func(w http.ResponseWriter, r *http.Request) {
		if name, ok := httpapi.Repeated(r.Header, once); ok {
			writeDelivery(w, route.Refuse(outcome.RepeatedHeader, name+" must appear once and hold no comma"))
			return
		}
		body, failed := httpapi.ReadBody(w, r, webhook.MaxBody)
		if failed != nil {
			res := route.Refuse(failed.Code, failed.Message)
			res.Outcome = failed.Outcome()
			writeDelivery(w, res)
			return
		}
		writeDelivery(w, recv.Receive(r.Context(), route, inbound.Delivery{Called: httpapi.Called(r), Header: r.Header, Body: body}))
	}
}

func writeDelivery(w http.ResponseWriter, res webhook.Response) {
	httpapi.Record(w, res.Outcome)
	httpapi.Write(w, res.Status, res.Body)
}

// eventJSON is an event as the events API lists it: every field always
// present.
type eventJSON struct {
	ID         string  `json:"id"`
	Provider   string  `json:"provider"`
	Type       string  `json:"type"`
	DedupeKey  string  `json:"dedupe_key"`
	Status     string  `json:"status"`
	ReceivedAt string  `json:"received_at"`
	Attempts   int     `json:"attempts"`
	LastError  *string `json:"last_error"`
	// Note is what the processing that settled the event said of it.
	Note *string `json:"note"`
}

// eventDetailJSON adds what GET /webhooks/events/{id} shows.
type eventDetailJSON struct {
	eventJSON
	Route   string            `json:"route"`
	Auth    string            `json:"auth"`
	Hint    bool              `json:"hint"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	// Masked says the body shown is not the one kept: its personal data
	// is masked.
	Masked bool `json:"masked"`
}

func eventOf(e webhook.Event) eventJSON {
	out := eventJSON{
		ID: e.ID, Provider: e.Provider, Type: e.Type, DedupeKey: e.DedupeKey, Status: string(e.Status),
		ReceivedAt: e.ReceivedAt.UTC().Format(time.RFC3339Nano), Attempts: e.Attempts,
	}
	if e.LastError != "" {
		out.LastError = &e.LastError
	}
	if e.Note != "" {
		out.Note = &e.Note
	}
	return out
}

func eventList(events webhook.Store, providers []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := webhook.Filter{Provider: q.Get("provider"), Status: webhook.Status(q.Get("status")), Type: q.Get("type")}
		if f.Provider != "" && !slices.Contains(providers, f.Provider) {
			httpapi.WriteError(w, outcome.InvalidFilter, "provider must be one of "+strings.Join(providers, ", "))
			return
		}
		if f.Status != "" && !slices.Contains(webhook.Statuses, f.Status) {
			httpapi.WriteError(w, outcome.InvalidFilter, "status must be RECEIVED, PROCESSED, FAILED, UNHANDLED or DROPPED")
			return
		}
		for _, b := range []struct {
			name string
			to   *time.Time
		}{{"since", &f.Since}, {"until", &f.Until}} {
			v := q.Get(b.name)
			if v == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				httpapi.WriteError(w, outcome.InvalidFilter, b.name+" must be a time in RFC 3339 (2026-12-01T15:00:00Z)")
				return
			}
			*b.to = t
		}
		if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
			httpapi.WriteError(w, outcome.InvalidFilter, "until must not be before since")
			return
		}
		limit, ok := httpapi.Limit(w, r, DefaultEventsPage, MaxEventsPage)
		if !ok {
			return
		}
		page, next, err := events.Events(r.Context(), f, q.Get("cursor"), limit)
		switch {
		case errors.Is(err, webhook.ErrCursor):
			httpapi.WriteError(w, outcome.InvalidCursor, "cursor was not issued by this endpoint")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the events could not be read; retry")
			return
		}
		out := struct {
			Events     []eventJSON `json:"events"`
			NextCursor *string     `json:"next_cursor"`
		}{Events: []eventJSON{}}
		for _, e := range page {
			out.Events = append(out.Events, eventOf(e))
		}
		if next != "" {
			out.NextCursor = &next
		}
		httpapi.WriteJSON(w, out)
	}
}

// eventsHourly counts the events received per hour, provider and status
// from ?since= to ?until= (the last 24 hours by default).
func eventsHourly(events webhook.Store, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		until, since := now(), time.Time{}
		for name, vs := range q {
			var to *time.Time
			switch name {
			case "since":
				to = &since
			case "until":
				to = &until
			}
			t, err := time.Parse(time.RFC3339Nano, vs[0])
			if to == nil || len(vs) != 1 || err != nil {
				httpapi.WriteError(w, outcome.InvalidFilter, "the query takes since and until, once each, as times in RFC 3339 (2026-12-01T15:00:00Z)")
				return
			}
			*to = t
		}
		if since.IsZero() {
			since = until.Add(-24 * time.Hour)
		}
		h, err := webhook.Hourly(r.Context(), events, since, until)
		switch {
		case errors.Is(err, webhook.ErrRange):
			httpapi.WriteError(w, outcome.InvalidFilter, "since must come before until, at most 7 days apart")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the events could not be counted; retry")
			return
		}
		type count struct {
			Hour     string `json:"hour"`
			Provider string `json:"provider"`
			Status   string `json:"status"`
			Count    int    `json:"count"`
		}
		out := struct {
			Since    string  `json:"since"`
			Until    string  `json:"until"`
			Counts   []count `json:"counts"`
			Complete bool    `json:"complete"`
		}{Since: h.Since.Format(time.RFC3339), Until: h.Until.Format(time.RFC3339), Counts: []count{}, Complete: h.Complete}
		for _, c := range h.Counts {
			out.Counts = append(out.Counts, count{c.Hour.Format(time.RFC3339), c.Provider, string(c.Status), c.Count})
		}
		httpapi.WriteJSON(w, out)
	}
}

// eventRetry makes a FAILED event RECEIVED again: processing offers it
// anew (locally at once, in AWS at the next schedule).
func eventRetry(events webhook.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, err := events.Event(r.Context(), r.PathValue("id"))
		if err == nil {
			err = events.Retry(r.Context(), e)
		}
		switch {
		case errors.Is(err, webhook.ErrNotFound):
			httpapi.WriteError(w, outcome.NoRoute, "no event with this id")
			return
		case errors.Is(err, webhook.ErrNotFailed):
			httpapi.WriteError(w, outcome.EventNotFailed, "only a FAILED event is retried; this one is "+string(e.Status))
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the event could not be retried; nothing changed: send it again")
			return
		}
		httpapi.Record(w, outcome.Outcome{Result: outcome.OK, Attrs: []slog.Attr{slog.String("event_id", e.ID), slog.String("provider", e.Provider)}})
		httpapi.Write(w, http.StatusAccepted, []byte(`{"id":`+string(text.AppendJSONString(nil, e.ID))+`,"status":"RECEIVED"}`))
	}
}

// eventCheck runs the event's signature check again where the raw
// delivery is kept, and answers the verdict: never the body, the signature
// or a secret.
func eventCheck(events webhook.Store, routes webhook.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, err := events.Event(r.Context(), r.PathValue("id"))
		var v webhook.Verdict
		if err == nil {
			v, err = routes.Recheck(e)
		}
		switch {
		case errors.Is(err, webhook.ErrNotFound), errors.Is(err, webhook.ErrUnknownRoute):
			httpapi.WriteError(w, outcome.NoRoute, "no event with this id, or its route is no longer configured")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the event could not be read; retry")
			return
		}
		httpapi.Record(w, outcome.Outcome{Result: outcome.OK, Attrs: []slog.Attr{slog.String("event_id", e.ID), slog.Bool("valid", v.Valid)}})
		httpapi.WriteJSON(w, v)
	}
}

func eventDetail(events webhook.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, err := events.Event(r.Context(), r.PathValue("id"))
		switch {
		case errors.Is(err, webhook.ErrNotFound):
			httpapi.WriteError(w, outcome.NoRoute, "no event with this id")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the event could not be read; retry")
			return
		}
		// Shown, not processed: the kept event stays whole.
		body, masked := mask.JSON(e.Body)
		httpapi.WriteJSON(w, eventDetailJSON{
			eventJSON: eventOf(e), Route: e.Route, Auth: e.Auth, Hint: e.Hint,
			Headers: mask.Headers(e.Headers), Body: string(body), Masked: masked,
		})
	}
}
