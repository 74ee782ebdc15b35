// Package pomelosim plays Pomelo's side of the authorization protocol: it
// signs authorization and adjustment requests as Pomelo does, retries with
// the same x-idempotency-key when told "too early" or when it times out, and
// verifies the signature of every answer. Tests, the benchmark and the local
// stack's checks use it in place of the real service.
package pomelosim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// Client sends signed requests to the fintech's endpoints.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	APIKey  string
	Secret  []byte       // decoded api-secret
	HTTP    *http.Client // its Timeout is how long Pomelo waits for an answer
	Now     func() time.Time
	// Retries is how many times a request answered 425, or not answered in
	// time, is sent again with the same key; RetryDelay waits between sends.
	Retries    int
	RetryDelay time.Duration
}

// Reply is an answer as Pomelo sees it.
type Reply struct {
	Status int
	Body   []byte
	Header http.Header
	// Signed is nil when the answer carries a valid signature over its exact
	// bytes with a fresh timestamp and the endpoint that was called.
	Signed error
	// Sends counts the requests it took, retries included.
	Sends int
}

// ErrUnsigned reports an answer without the signature headers.
var ErrUnsigned = errors.New("pomelosim: answer is not signed")

// Send signs body for path and sends it under key, retrying as Pomelo does.
func (c *Client) Send(ctx context.Context, path string, body []byte, key string) (Reply, error) {
	var (
		r   Reply
		err error
	)
	for attempt := 0; ; attempt++ {
		r, err = c.send(ctx, path, body, key)
		r.Sends = attempt + 1
		var timeout net.Error
		retry := errors.As(err, &timeout) && timeout.Timeout() || err == nil && r.Status == http.StatusTooEarly
		if !retry || attempt >= c.Retries || ctx.Err() != nil {
			return r, err
		}
		time.Sleep(c.RetryDelay)
	}
}

func (c *Client) send(ctx context.Context, path string, body []byte, key string) (Reply, error) {
	req, err := c.Request(ctx, path, body, key)
	if err != nil {
		return Reply{}, err
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return Reply{}, fmt.Errorf("pomelosim: %s: %w", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Reply{}, fmt.Errorf("pomelosim: %s: read answer: %w", path, err)
	}
	r := Reply{Status: res.StatusCode, Body: b, Header: res.Header}
	r.Signed = c.checkAnswer(path, res.Header, b)
	return r, nil
}

// Request returns the signed request Pomelo would send.
func (c *Client) Request(ctx context.Context, path string, body []byte, key string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("pomelosim: %w", err)
	}
	ts := signature.Timestamp(c.Now())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.HeaderAPIKey, c.APIKey)
	req.Header.Set(signature.HeaderTimestamp, ts)
	req.Header.Set(signature.HeaderEndpoint, path)
	req.Header.Set(signature.HeaderSignature, signature.Sign(c.Secret, ts, path, body))
	if key != "" {
		req.Header.Set("X-Idempotency-Key", key)
	}
	return req, nil
}

func (c *Client) checkAnswer(path string, h http.Header, body []byte) error {
	sig := h.Get(signature.HeaderSignature)
	if sig == "" {
		return ErrUnsigned
	}
	mac, err := signature.ParseHeader(sig)
	if err != nil {
		return err
	}
	ts, err := signature.ParseTimestamp(h.Get(signature.HeaderTimestamp))
	if err != nil {
		return err
	}
	if err := signature.CheckTime(ts, c.Now(), signature.DefaultTolerance); err != nil {
		return err
	}
	if ep := h.Get(signature.HeaderEndpoint); ep != path {
		return fmt.Errorf("%w: answer names %q, we called %q", signature.ErrEndpointMismatch, ep, path)
	}
	if !hmac.Equal(mac, signature.Sum(c.Secret, h.Get(signature.HeaderTimestamp), path, body)) {
		return signature.ErrNoMatch
	}
	return nil
}
