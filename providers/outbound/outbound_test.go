package outbound_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/providers/outbound"
)

// flaky answers status for its first fails calls, then 200 with the body
// it was sent.
func flaky(fails int32, status int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= fails {
			w.WriteHeader(status)
			return
		}
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		w.Write(b.Bytes())
	}))
	return srv, &calls
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		method     string
		idempotent bool
		fails      int32
		status     int
		wantCalls  int32
		wantStatus int
	}{
		{"GET retried past two 503s", http.MethodGet, false, 2, 503, 3, 200},
		{"GET gives up after its retries", http.MethodGet, false, 5, 503, 3, 503},
		{"GET not retried on a 400", http.MethodGet, false, 5, 400, 1, 400},
		{"POST never retried", http.MethodPost, false, 1, 503, 1, 503},
		{"idempotent POST retried, its body sent again", http.MethodPost, true, 1, 429, 2, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := flaky(tc.fails, tc.status)
			defer srv.Close()
			c := &outbound.Client{Backoff: time.Millisecond}
			req, _ := http.NewRequestWithContext(context.Background(), tc.method, srv.URL+"/x", strings.NewReader("body"))
			do := c.Do
			if tc.idempotent {
				do = c.DoIdempotent
			}
			a, err := do(req)
			if err != nil || a.Status != tc.wantStatus || calls.Load() != tc.wantCalls {
				t.Errorf("status %d after %d calls, %v; want %d after %d", a.Status, calls.Load(), err, tc.wantStatus, tc.wantCalls)
			}
			if a.Status == 200 && tc.method == http.MethodPost && string(a.Body) != "body" {
				t.Errorf("the retry sent %q", a.Body)
			}
		})
	}
}

// TestTimeoutAndDeadline: an attempt that hangs ends at the timeout; no
// retry starts that the caller's deadline would cut short.
func TestTimeoutAndDeadline(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &outbound.Client{Timeout: 50 * time.Millisecond, Backoff: 10 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow?secret=s3cr3t", nil)
	start := time.Now()
	_, err := c.Do(req)
	took := time.Since(start)
	if err == nil || took > time.Second {
		t.Errorf("took %v, err %v; want a timeout within the caller's deadline", took, err)
	}
	if n := calls.Load(); n < 1 || n > 2 {
		t.Errorf("%d attempts within a 120ms deadline of 50ms attempts", n)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("the error shows the query: %v", err)
	}
}

// TestLogHoldsNoSecret: the log line names the call, never its query,
// headers or body.
func TestLogHoldsNoSecret(t *testing.T) {
	srv, _ := flaky(0, 0)
	defer srv.Close()
	var logs bytes.Buffer
	c := &outbound.Client{Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/token?key=s3cr3t", strings.NewReader(`{"client_secret":"s3cr3t"}`))
	req.Header.Set("Authorization", "Bearer s3cr3t")
	if _, err := c.Do(req); err != nil {
		t.Fatal(err)
	}
	line := logs.String()
	if strings.Contains(line, "s3cr3t") || !strings.Contains(line, `"path":"/oauth/token"`) || !strings.Contains(line, `"status":200`) {
		t.Errorf("log line %s", line)
	}
	srv.Close()
	logs.Reset()
	if _, err := c.Do(req); err == nil || strings.Contains(logs.String(), "s3cr3t") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("failed call: %v; log %s", err, logs.String())
	}
}

func TestAnswerTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, outbound.MaxAnswer+1))
	}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	if _, err := (&outbound.Client{}).Do(req); !errors.Is(err, outbound.ErrAnswerTooLarge) {
		t.Errorf("err = %v, want ErrAnswerTooLarge", err)
	}
}
