package webhook

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// recording is a store whose Attempted answers err.
type recording struct {
	Store
	err error
}

func (r recording) Attempted(context.Context, Event, Attempt) error { return r.err }

// TestLogAttempts: an attempt the store records logs one line with the
// status it left; one it refuses logs nothing; no log, no wrapper.
func TestLogAttempts(t *testing.T) {
	e := Event{ID: "evt_1", Provider: "pomelo", Type: "ACTIVITY_CREATED", Body: []byte(`{"secret":"x"}`)}
	for _, tc := range []struct {
		name  string
		err   error
		at    Attempt
		wants string
	}{
		{"processed", nil, Attempt{Status: Processed}, `"msg":"event attempt","provider":"pomelo","type":"ACTIVITY_CREATED","event_id":"evt_1","status":"PROCESSED"`},
		{"failed", nil, Attempt{Status: Failed, Error: "down"}, `"status":"FAILED"`},
		{"already processed", ErrProcessed, Attempt{Status: Processed}, ""},
	} {
		var out bytes.Buffer
		s := LogAttempts(recording{err: tc.err}, slog.New(slog.NewJSONHandler(&out, nil)))
		if err := s.Attempted(context.Background(), e, tc.at); err != tc.err {
			t.Errorf("%s: Attempted = %v, want the store's %v", tc.name, err, tc.err)
		}
		got := out.String()
		if tc.wants == "" && got != "" || tc.wants != "" && !strings.Contains(got, tc.wants) || strings.Contains(got, "secret") {
			t.Errorf("%s: logged %q, want %q", tc.name, got, tc.wants)
		}
	}
	plain := recording{}
	if LogAttempts(plain, nil) != Store(plain) {
		t.Error("a nil log wraps the store")
	}
}
