package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// Page sizes of GET /webhooks/events.
const (
	DefaultEventsPage = 50
	MaxEventsPage     = 100
)

// Webhooks returns the webhooks function's handler: a POST route per row of
// routes, GET /webhooks/events and GET /webhooks/events/{id}, behind the
// request log.
func Webhooks(recv *webhook.Receiver, routes webhook.Routes, events webhook.Store, log *slog.Logger, now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	for _, route := range routes {
		mux.Handle("POST "+route.Path(), delivery(recv, route))
	}
	mux.Handle("GET /webhooks/events", eventList(events, routes.Providers()))
	mux.Handle("GET /webhooks/events/{id}", eventDetail(events))
	return Logged(Routed(mux), log, now)
}

func delivery(recv *webhook.Receiver, route webhook.Route) http.HandlerFunc {
	once := canonical(route.Once...)
	return func(w http.ResponseWriter, r *http.Request) {
		if name, ok := repeated(r.Header, once); ok {
			writeDelivery(w, route.Refuse(outcome.RepeatedHeader, name+" must appear once and hold no comma"))
			return
		}
		body, failed := readBody(w, r, webhook.MaxBody)
		if failed != nil {
			res := route.Refuse(failed.code, failed.message)
			res.Outcome = failed.outcome()
			writeDelivery(w, res)
			return
		}
		writeDelivery(w, recv.Receive(r.Context(), route, inbound.Delivery{Called: called(r), Header: r.Header, Body: body}))
	}
}

func writeDelivery(w http.ResponseWriter, res webhook.Response) {
	record(w, res.Outcome)
	write(w, res.Status, res.Body)
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
}

// eventDetailJSON adds what GET /webhooks/events/{id} shows.
type eventDetailJSON struct {
	eventJSON
	Route   string            `json:"route"`
	Auth    string            `json:"auth"`
	Hint    bool              `json:"hint"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func eventOf(e webhook.Event) eventJSON {
	out := eventJSON{
		ID: e.ID, Provider: e.Provider, Type: e.Type, DedupeKey: e.DedupeKey, Status: string(e.Status),
		ReceivedAt: e.ReceivedAt.UTC().Format(time.RFC3339Nano), Attempts: e.Attempts,
	}
	if e.LastError != "" {
		out.LastError = &e.LastError
	}
	return out
}

func eventList(events webhook.Store, providers []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := webhook.Filter{Provider: q.Get("provider"), Status: webhook.Status(q.Get("status")), Type: q.Get("type")}
		if f.Provider != "" && !slices.Contains(providers, f.Provider) {
			writeError(w, outcome.InvalidFilter, "provider must be one of "+strings.Join(providers, ", "))
			return
		}
		switch f.Status {
		case "", webhook.Received, webhook.Processed, webhook.Failed, webhook.Unhandled:
		default:
			writeError(w, outcome.InvalidFilter, "status must be RECEIVED, PROCESSED, FAILED or UNHANDLED")
			return
		}
		limit := DefaultEventsPage
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxEventsPage {
				writeError(w, outcome.InvalidLimit, "limit must be an integer from 1 to 100")
				return
			}
			limit = n
		}
		page, next, err := events.Events(r.Context(), f, q.Get("cursor"), limit)
		switch {
		case errors.Is(err, webhook.ErrCursor):
			writeError(w, outcome.InvalidCursor, "cursor was not issued by this endpoint")
			return
		case err != nil:
			writeFailure(w, outcome.StoreUnavailable, err, "the events could not be read; retry")
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
		writeJSON(w, out)
	}
}

func eventDetail(events webhook.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !webhook.ValidID(id) {
			writeError(w, outcome.NoRoute, "no event with this id")
			return
		}
		e, err := events.Event(r.Context(), id)
		switch {
		case errors.Is(err, webhook.ErrNotFound):
			writeError(w, outcome.NoRoute, "no event with this id")
			return
		case err != nil:
			writeFailure(w, outcome.StoreUnavailable, err, "the event could not be read; retry")
			return
		}
		headers := e.Headers
		if headers == nil {
			headers = map[string]string{}
		}
		writeJSON(w, eventDetailJSON{
			eventJSON: eventOf(e), Route: string(e.Route), Auth: e.Auth, Hint: e.Hint, Headers: headers, Body: string(e.Body),
		})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeFailure(w, outcome.Internal, err, "the answer could not be encoded")
		return
	}
	record(w, outcome.Outcome{Result: outcome.OK})
	write(w, http.StatusOK, b)
}
