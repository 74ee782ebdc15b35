// Package outbound is the one HTTP client every call to an outside API goes
// through: a timeout per attempt, never past the caller's own deadline (the
// Lambda invocation's), bounded retries with backoff for calls that are
// safe to repeat, and one log line per attempt that holds no secret.
package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The defaults of a zero Client.
const (
	DefaultTimeout = 5 * time.Second
	DefaultRetries = 2
	DefaultBackoff = 200 * time.Millisecond
	// MaxAnswer bounds what is read of an answer.
	MaxAnswer = 1 << 20
)

// Client sends requests to one outside API. It is safe for concurrent use.
type Client struct {
	// HTTP carries the requests; http.DefaultTransport's client when nil.
	// Its own Timeout, if any, applies too.
	HTTP *http.Client
	// Timeout bounds each attempt (DefaultTimeout when zero).
	Timeout time.Duration
	// Retries is how many times a call that is safe to repeat is retried
	// after a network error or a 429, 502, 503 or 504 (DefaultRetries when
	// zero; negative for none).
	Retries int
	// Backoff is the wait before the first retry, doubled before each next
	// one (DefaultBackoff when zero).
	Backoff time.Duration
	// Log gets one line per attempt: method, host, path, status or error,
	// latency. Never the query, a header or a body: they carry credentials
	// and personal data. Nil logs nothing.
	Log *slog.Logger
}

// Answer is an outside API's answer, its body read whole (up to MaxAnswer).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrAnswerTooLarge reports an answer over MaxAnswer bytes.
var ErrAnswerTooLarge = errors.New("outbound: answer too large")

// Do sends req, retrying it only when its method is idempotent (GET, HEAD,
// OPTIONS, PUT, DELETE). It returns the last answer, whatever its status,
// or the last error.
func (c *Client) Do(req *http.Request) (Answer, error) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return c.send(req, c.retries())
	}
	return c.send(req, 0)
}

// DoIdempotent is Do for a request the caller knows is safe to repeat
// whatever its method: an OAuth token request, or a POST the API
// de-duplicates by a key it carries.
func (c *Client) DoIdempotent(req *http.Request) (Answer, error) {
	return c.send(req, c.retries())
}

func (c *Client) retries() int {
	switch {
	case c.Retries < 0:
		return 0
	case c.Retries == 0:
		return DefaultRetries
	}
	return c.Retries
}

func (c *Client) send(req *http.Request, retries int) (Answer, error) {
	ctx := req.Context()
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	for attempt := 0; ; attempt++ {
		a, err := c.attempt(ctx, req, attempt)
		if attempt == retries || !retryable(a, err) || ctx.Err() != nil {
			return a, err
		}
		// A retry that could not finish before the caller's deadline is
		// not worth starting.
		if d, ok := ctx.Deadline(); ok && time.Until(d) < backoff+c.timeout()/2 {
			return a, err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return a, err
		case <-t.C:
		}
		backoff *= 2
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return a, err
			}
			req.Body = body
		} else if req.Body != nil && req.Body != http.NoBody {
			return a, err // a body that cannot be sent again
		}
	}
}

func (c *Client) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

func (c *Client) attempt(ctx context.Context, req *http.Request, attempt int) (Answer, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	start := time.Now()
	res, err := hc.Do(req.WithContext(actx))
	var a Answer
	if err == nil {
		a = Answer{Status: res.StatusCode, Header: res.Header}
		a.Body, err = io.ReadAll(io.LimitReader(res.Body, MaxAnswer+1))
		res.Body.Close()
		if err == nil && len(a.Body) > MaxAnswer {
			err = ErrAnswerTooLarge
		}
	}
	if err != nil {
		// net/http's *url.Error spells the whole URL, query included, which
		// may hold a credential: name the call without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		err = fmt.Errorf("outbound: %s %s%s: %w", req.Method, req.URL.Host, req.URL.Path, err)
	}
	c.log(ctx, req, attempt, a.Status, time.Since(start), err)
	return a, err
}

func (c *Client) log(ctx context.Context, req *http.Request, attempt, status int, took time.Duration, err error) {
	if c.Log == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method), slog.String("host", req.URL.Host), slog.String("path", req.URL.Path),
		slog.Int("attempt", attempt+1), slog.Int64("latency_ms", took.Milliseconds()),
	}
	level := slog.LevelInfo
	if err != nil {
		attrs = append(attrs, slog.String("error", errorText(err)))
		level = slog.LevelWarn
	} else {
		attrs = append(attrs, slog.Int("status", status))
	}
	c.Log.LogAttrs(ctx, level, "outbound", attrs...)
}

// errorText names the failure without the URL's query, which net/http
// puts in its errors.
func errorText(err error) string {
	var ue interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ue) && ue.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, ErrAnswerTooLarge):
		return "answer over " + strconv.Itoa(MaxAnswer) + " bytes"
	}
	return "connection failed"
}

func retryable(a Answer, err error) bool {
	if err != nil {
		return !errors.Is(err, ErrAnswerTooLarge)
	}
	switch a.Status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// NewRequest returns a request to an outside JSON API: body, when not nil,
// as its JSON with its Content-Type (and sendable again, for a retry), and
// JSON asked for in return.
func NewRequest(ctx context.Context, method, url string, body []byte) (*http.Request, error) {
	var r io.Reader = http.NoBody
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, fmt.Errorf("outbound: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}
