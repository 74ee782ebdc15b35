package pomelosim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// API is Pomelo's API as the webhooks processor calls it: POST /oauth/token
// with client credentials, and GET /shipping/v1/{shipment_id} with the
// bearer token it gave. Every shipment exists and is IN_TRANSIT.
type API struct {
	ClientID, ClientSecret, Audience string
	// TokenLifetime is expires_in; an hour when zero.
	TokenLifetime time.Duration

	mu     sync.Mutex
	tokens map[string]bool
	// Tokens counts tokens issued; Fail makes the next n shipment reads
	// answer 502.
	Tokens atomic.Int64
	Fail   atomic.Int64
}

// Revoke forgets every token issued, as when they expire early.
func (a *API) Revoke() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tokens = nil
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/oauth/token":
		a.token(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/shipping/v1/"):
		a.shipment(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (a *API) token(w http.ResponseWriter, r *http.Request) {
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Audience     string `json:"audience"`
		GrantType    string `json:"grant_type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.GrantType != "client_credentials" {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	if c.ClientID != a.ClientID || c.ClientSecret != a.ClientSecret || c.Audience != a.Audience {
		http.Error(w, `{"error":"access_denied"}`, http.StatusUnauthorized)
		return
	}
	raw := make([]byte, 24)
	rand.Read(raw)
	tok := base64.RawURLEncoding.EncodeToString(raw)
	a.mu.Lock()
	if a.tokens == nil {
		a.tokens = make(map[string]bool)
	}
	a.tokens[tok] = true
	a.mu.Unlock()
	a.Tokens.Add(1)
	life := a.TokenLifetime
	if life == 0 {
		life = time.Hour
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": int64(life / time.Second), "token_type": "Bearer"})
}

func (a *API) shipment(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	ok := a.tokens[tok]
	a.mu.Unlock()
	if !ok {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if a.Fail.Load() > 0 && a.Fail.Add(-1) >= 0 {
		http.Error(w, `{"error":"bad gateway"}`, http.StatusBadGateway)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/shipping/v1/")
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"id": id, "status": "IN_TRANSIT", "shipment_type": "CARD_FROM_WAREHOUSE"}})
}
