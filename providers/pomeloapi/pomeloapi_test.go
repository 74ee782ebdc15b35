package pomeloapi_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/providers/outbound"
	"github.com/tarjeta-dev/tarjeta/providers/pomeloapi"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

func client(t *testing.T, api *pomelosim.API, now func() time.Time) *pomeloapi.Client {
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &pomeloapi.Client{BaseURL: srv.URL, ClientID: "id", ClientSecret: "secret", Audience: "aud", Out: &outbound.Client{HTTP: srv.Client(), Backoff: time.Millisecond}, Now: now}
}

// TestToken: the token is asked for once, reused until a minute before it
// expires, and asked for again once when the API answers 401.
func TestToken(t *testing.T) {
	api := &pomelosim.API{ClientID: "id", ClientSecret: "secret", Audience: "aud", TokenLifetime: 10 * time.Minute}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := client(t, api, func() time.Time { return now })
	ctx := context.Background()
	for range 3 {
		data, err := c.Shipment(ctx, "shi-1")
		if err != nil || !strings.Contains(string(data), `"id":"shi-1"`) {
			t.Fatalf("Shipment = %s, %v", data, err)
		}
	}
	if n := api.Tokens.Load(); n != 1 {
		t.Errorf("%d tokens for three calls, want 1", n)
	}
	now = now.Add(9*time.Minute + time.Second) // within a minute of expiry
	c.Shipment(ctx, "shi-1")
	if n := api.Tokens.Load(); n != 2 {
		t.Errorf("%d tokens after nearing expiry, want 2", n)
	}
	api.Revoke()
	if _, err := c.Shipment(ctx, "shi-1"); err != nil {
		t.Fatalf("after the API forgot the token: %v", err)
	}
	if n := api.Tokens.Load(); n != 3 {
		t.Errorf("%d tokens after a 401, want 3", n)
	}
}

func TestFailures(t *testing.T) {
	api := &pomelosim.API{ClientID: "id", ClientSecret: "secret", Audience: "aud"}
	c := client(t, api, time.Now)
	api.Fail.Store(1)
	if _, err := c.Shipment(context.Background(), "shi-1"); err != nil {
		t.Errorf("one 502, retried: err = %v", err)
	}
	api.Fail.Store(outbound.DefaultRetries + 1)
	if _, err := c.Shipment(context.Background(), "shi-1"); !errors.Is(err, pomeloapi.ErrStatus) || !strings.Contains(err.Error(), "502") {
		t.Errorf("a 502 on every attempt: err = %v", err)
	}
	c2 := client(t, &pomelosim.API{ClientID: "id", ClientSecret: "secret", Audience: "aud"}, time.Now)
	c2.ClientSecret = "wrong"
	if _, err := c2.Shipment(context.Background(), "shi-1"); !errors.Is(err, pomeloapi.ErrStatus) || !strings.Contains(err.Error(), "token") {
		t.Errorf("wrong client secret: err = %v", err)
	}
}
