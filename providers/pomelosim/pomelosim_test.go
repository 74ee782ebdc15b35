package pomelosim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

// TestRetries checks that the simulator resends the same request, same key,
// after a timeout and after a 425, and verifies the final answer's signature.
func TestRetries(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	var (
		mu   sync.Mutex
		keys []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("X-Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		switch n {
		case 1:
			time.Sleep(300 * time.Millisecond) // past the client's patience
		case 2:
			w.WriteHeader(http.StatusTooEarly)
			return
		}
		body := []byte(`{"status":"APPROVED","message":"OK","status_detail":"APPROVED"}`)
		ts := signature.Timestamp(time.Now())
		w.Header().Set("X-Timestamp", ts)
		w.Header().Set("X-Endpoint", r.Header.Get("X-Endpoint"))
		w.Header().Set("X-Signature", signature.Sign(secret, ts, r.Header.Get("X-Endpoint"), body))
		w.Write(body)
	}))
	defer srv.Close()
	c := &pomelosim.Client{BaseURL: srv.URL, APIKey: "k", Secret: secret, Now: time.Now,
		HTTP: &http.Client{Timeout: 100 * time.Millisecond}, Retries: 3, RetryDelay: time.Millisecond}
	r, err := c.Send(context.Background(), "/transactions/authorizations", []byte(`{}`), "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.Signed != nil || r.Sends != 3 {
		t.Errorf("reply = %d after %d sends, signature %v; want 200 after 3, signed", r.Status, r.Sends, r.Signed)
	}
	for _, k := range keys {
		if k != "key-1" {
			t.Errorf("a retry used key %q", k)
		}
	}
}
