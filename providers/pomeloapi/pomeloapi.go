// Package pomeloapi calls Pomelo's API on our behalf: OAuth client
// credentials (POST /oauth/token) for a bearer token, cached until shortly
// before it expires and refreshed once when the API answers 401, and the
// calls the webhooks processor makes (GET /shipping/v1/{shipment_id}).
package pomeloapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/providers/outbound"
)

// DefaultTokenPath is where the token is asked for. Pomelo's document shows
// POST /oauth/token in its example and /oauth/v1/token in its prose.
const DefaultTokenPath = "/oauth/token"

// Client is a Pomelo API client. It is safe for concurrent use. Out and Now
// are required.
type Client struct {
	BaseURL      string
	ClientID     string
	ClientSecret string
	Audience     string
	TokenPath    string // DefaultTokenPath when empty
	// Out sends every call: timeouts, retries, the log.
	Out *outbound.Client
	Now func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// tokenMargin is how long before its expiry a token is replaced.
const tokenMargin = time.Minute

// ErrStatus reports an answer that is not a success.
var ErrStatus = errors.New("pomeloapi: unexpected status")

// Shipment returns the data of GET /shipping/v1/{id}.
func (c *Client) Shipment(ctx context.Context, id string) ([]byte, error) {
	body, err := c.get(ctx, "/shipping/v1/"+url.PathEscape(id))
	if err != nil {
		return nil, fmt.Errorf("pomeloapi: shipment %s: %w", id, err)
	}
	var out struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Data) == 0 || out.Data[0] != '{' {
		return nil, fmt.Errorf("pomeloapi: shipment %s: the answer has no data object", id)
	}
	return out.Data, nil
}

// get sends an authorized GET, refreshing the token once on a 401.
func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		token, err := c.bearer(ctx, attempt > 0)
		if err != nil {
			return nil, err
		}
		req, err := outbound.NewRequest(ctx, http.MethodGet, c.BaseURL+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		a, err := c.Out.Do(req)
		if err != nil {
			return nil, err
		}
		if a.Status == http.StatusUnauthorized && attempt == 0 {
			continue
		}
		if a.Status != http.StatusOK {
			return nil, fmt.Errorf("%w %d", ErrStatus, a.Status)
		}
		return a.Body, nil
	}
}

// bearer returns the cached token, or a new one when there is none, it is
// about to expire, or refresh is set.
func (c *Client) bearer(ctx context.Context, refresh bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !refresh && c.token != "" && c.Now().Before(c.expires) {
		return c.token, nil
	}
	body, _ := json.Marshal(map[string]string{
		"client_id": c.ClientID, "client_secret": c.ClientSecret, "audience": c.Audience, "grant_type": "client_credentials",
	})
	path := c.TokenPath
	if path == "" {
		path = DefaultTokenPath
	}
	req, err := outbound.NewRequest(ctx, http.MethodPost, c.BaseURL+path, body)
	if err != nil {
		return "", err
	}
	// Asking for a token again changes nothing: safe to retry.
	a, err := c.Out.DoIdempotent(req)
	if err != nil {
		return "", fmt.Errorf("pomeloapi: token: %w", err)
	}
	if a.Status != http.StatusOK {
		return "", fmt.Errorf("pomeloapi: token: %w %d", ErrStatus, a.Status)
	}
	answer := a.Body
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(answer, &t); err != nil || t.AccessToken == "" || t.ExpiresIn <= 0 {
		return "", errors.New("pomeloapi: token: the answer has no access_token and expires_in")
	}
	c.token = t.AccessToken
	c.expires = c.Now().Add(time.Duration(t.ExpiresIn)*time.Second - tokenMargin)
	return c.token, nil
}
