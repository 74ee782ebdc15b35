// Package tdsim plays TD's Mexico Income Verification for the local stack
// and the tests: its request API (a request by CURP answers a sequence_id),
// its push of the result to /webhooks/td, signed and retried by
// webhooksim as TD does, and its query interface (the result by
// sequence_id, 9080 before it is ready or past the window). What it
// answers about a CURP is people's scenario for it.
package tdsim

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// The paths it serves. TD_API_URL and TD_QUERY_URL are whole endpoints, so
// any path would do; these say what each is.
const (
	RequestPath = "/td/income-verification"
	QueryPath   = "/td/income-verification/query"
)

// Server is the simulated TD. Set its fields before serving; Close waits
// for the pushes in flight.
type Server struct {
	PartnerCode, PartnerKey string
	// Push delivers results to the stack's /webhooks/td; nil sends none.
	Push *webhooksim.Sender
	// Delay is how long a result takes after its request.
	Delay time.Duration
	// Window is how long the query answers after a request (24 hours in
	// 001, 48 in 002; TD_QUERY_WINDOW).
	Window time.Duration
	Now    func() time.Time
	Log    *slog.Logger

	mu       sync.Mutex
	requests map[string]request
	n        int
	later    webhooksim.Later
	once     sync.Once
}

type request struct {
	person people.Person
	at     time.Time
}

func (s *Server) init() {
	s.once.Do(func() {
		s.requests = make(map[string]request)
		s.later = webhooksim.Later{Sender: s.Push, Delay: s.Delay, Log: s.Log}
	})
}

// Handler serves the request API and the query interface.
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+RequestPath, s.request)
	mux.HandleFunc("POST "+QueryPath, s.query)
	return mux
}

// Close stops the pushes waiting to be sent and waits for those being sent.
func (s *Server) Close() {
	s.init()
	s.later.Close()
}

// Requests counts the requests TD took.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// authorized answers 9061 when the partner's credentials are not the
// configured ones.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	switch {
	case q.Get("partner_code") == "":
		answer(w, map[string]any{"code": 9060, "message": "partner_code empty"})
	case q.Get("partner_key") == "":
		answer(w, map[string]any{"code": 9060, "message": "partner_key empty"})
	case q.Get("partner_code") != s.PartnerCode || q.Get("partner_key") != s.PartnerKey:
		answer(w, map[string]any{"code": 9061, "message": "partner_key error"})
	default:
		return true
	}
	return false
}

func (s *Server) request(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var in struct {
		IDNumber  string `json:"id_number"`
		IDType    string `json:"id_type"`
		NSSNumber string `json:"nss_number"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err := json.Unmarshal(body, &in); err != nil {
		answer(w, map[string]any{"code": 9061, "message": "body error"})
		return
	}
	switch {
	case in.IDNumber == "":
		answer(w, map[string]any{"code": 9060, "message": "id_number empty"})
		return
	case in.IDType != "national_id":
		answer(w, map[string]any{"code": 9061, "message": "id_type error"})
		return
	}
	if _, err := identity.CURP(in.IDNumber); err != nil {
		answer(w, map[string]any{"code": 9061, "message": "id_number error"})
		return
	}
	p := people.Find(in.IDNumber)
	if !p.Answers("td") {
		answer(w, map[string]any{"code": 9500, "message": "Internal error"})
		return
	}
	now := s.Now()
	s.mu.Lock()
	s.n++
	seq := fmt.Sprintf("%d%03dS%015d", now.UnixMilli(), s.n%1000, s.n)
	s.requests[seq] = request{person: p, at: now}
	s.mu.Unlock()
	if p.Pushed() {
		s.later.Send(webhooksim.TD, result(seq, p, true, now), seq)
	}
	answer(w, map[string]any{"code": 200, "message": "", "sequence_id": seq})
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var in struct {
		SequenceID string `json:"sequence_id"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if json.Unmarshal(body, &in) != nil || in.SequenceID == "" {
		answer(w, map[string]any{"code": 9060, "message": "sequence_id empty"})
		return
	}
	s.mu.Lock()
	req, ok := s.requests[in.SequenceID]
	s.mu.Unlock()
	now := s.Now()
	switch {
	case ok && now.Sub(req.at) < s.Delay && req.person.Scenario == people.NoWebhook:
		answer(w, map[string]any{"code": 200, "data": json.RawMessage(failureBody(in.SequenceID, msgInProgress)), "sequence_id": in.SequenceID})
	case !ok || now.Sub(req.at) < s.Delay || now.Sub(req.at) > s.Window:
		answer(w, map[string]any{"code": 9080, "message": "Only queries within 24 hours are available.", "sequence_id": in.SequenceID})
	default:
		answer(w, map[string]any{"code": 200, "data": json.RawMessage(result(in.SequenceID, req.person, false, req.at)), "sequence_id": in.SequenceID})
	}
}

func failureBody(seq, message string) []byte {
	b, _ := json.Marshal(failure(seq, message))
	return b
}
