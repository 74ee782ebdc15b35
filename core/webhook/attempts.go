package webhook

import (
	"context"
	"log/slog"
)

// AttemptMessage is the message of the line LogAttempts writes.
const AttemptMessage = "event attempt"

// LogAttempts returns s, logging every processing attempt it records: one
// line (AttemptMessage) with the event's provider, type and id and the
// status the attempt left it in. Every path that processes an event (a
// stream, a schedule, the local loop, a hand-off) records its attempt in
// the store, so each attempt is logged once, whichever path took it; an
// attempt the store did not record (ErrProcessed, a store failure) logs
// nothing. The line names the event, never its body. A nil log returns s.
func LogAttempts(s Store, log *slog.Logger) Store {
	if log == nil {
		return s
	}
	return attemptLog{Store: s, log: log}
}

type attemptLog struct {
	Store
	log *slog.Logger
}

func (a attemptLog) Attempted(ctx context.Context, e Event, at Attempt) error {
	err := a.Store.Attempted(ctx, e, at)
	if err == nil {
		a.log.LogAttrs(ctx, slog.LevelInfo, AttemptMessage, slog.String("provider", e.Provider), slog.String("type", e.Type),
			slog.String("event_id", e.ID), slog.String("status", string(at.Status)))
	}
	return err
}
