// Package palencasim plays Palenca's API for IMSS and ISSSTE accounts for
// the local stack and the tests: users and accounts by CURP (x-api-key),
// answers {"success","error","data"}; the login's webhook (login.success,
// or login.error with its status_details) to /webhooks/palenca, signed and
// retried by webhooksim; and the account's employment. What it answers
// about a CURP is people's scenario for it.
package palencasim

import (
	"cmp"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// Server is the simulated Palenca. Set its fields before serving; Close
// waits for the webhooks in flight.
type Server struct {
	APIKey string
	// Push delivers webhooks to the stack's /webhooks/palenca; nil sends
	// none.
	Push  *webhooksim.Sender
	Delay time.Duration // how long a login takes
	Now   func() time.Time
	Log   *slog.Logger

	// FailDeletes makes the next n deletions answer 503.
	FailDeletes atomic.Int64

	mu       sync.Mutex
	users    map[string]user
	accounts map[string]account
	n        int
	later    webhooksim.Later
	once     sync.Once
}

type user struct {
	id, externalID string
	at             time.Time
}

type account struct {
	id, userID, externalID, platform string
	person                           people.Person
	at                               time.Time
}

func (s *Server) init() {
	s.once.Do(func() {
		s.users, s.accounts = make(map[string]user), make(map[string]account)
		s.later = webhooksim.Later{Sender: s.Push, Delay: s.Delay, Log: s.Log}
	})
}

// Handler serves Palenca's API.
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users", s.auth(s.createUser))
	mux.HandleFunc("POST /accounts", s.auth(s.createAccount))
	mux.HandleFunc("POST /users/accounts", s.auth(s.createAccount))
	mux.HandleFunc("GET /accounts/{account_id}/employment", s.auth(s.employment))
	mux.HandleFunc("POST /users/search", s.auth(s.listUsers))
	mux.HandleFunc("GET /users/{user_id}/accounts", s.auth(s.userAccounts))
	mux.HandleFunc("DELETE /accounts/{account_id}", s.auth(s.deleteAccount))
	mux.HandleFunc("DELETE /users/{user_id}", s.auth(s.deleteUser))
	return mux
}

// Close stops the webhooks waiting to be sent and waits for those being
// sent.
func (s *Server) Close() {
	s.init()
	s.later.Close()
}

// Accounts counts the accounts created.
func (s *Server) Accounts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func answer(w http.ResponseWriter, status int, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"success": true, "error": nil, "data": data})
}

func refuse(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"success": false, "error": map[string]string{"code": code, "message": message}, "data": nil})
}

func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch key := r.Header.Get("x-api-key"); {
		case key == "":
			refuse(w, http.StatusUnauthorized, "missing_api_key", "The x-api-key header is currently missing.")
		case key != s.APIKey:
			refuse(w, http.StatusUnauthorized, "invalid_api_key", "The API key is invalid.")
		default:
			next(w, r)
		}
	}
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		WidgetID   string `json:"widget_id"`
		ExternalID string `json:"external_id"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if json.Unmarshal(body, &in) != nil {
		refuse(w, http.StatusUnprocessableEntity, "bad_request", "The request body is not valid JSON.")
		return
	}
	id := webhooksim.UUID()
	s.mu.Lock()
	s.users[id] = user{id: id, externalID: in.ExternalID, at: s.Now()}
	s.mu.Unlock()
	answer(w, http.StatusCreated, map[string]any{"user_id": id, "external_id": nullable(in.ExternalID)})
}

// createAccount serves POST /accounts (for a user) and POST
// /users/accounts (the user made on the way), both in 000.
func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID     string `json:"user_id"`
		WidgetID   string `json:"widget_id"`
		ExternalID string `json:"external_id"`
		Country    string `json:"country"`
		Platform   string `json:"platform"`
		Identifier string `json:"identifier"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if json.Unmarshal(body, &in) != nil {
		refuse(w, http.StatusUnprocessableEntity, "bad_request", "The request body is not valid JSON.")
		return
	}
	s.mu.Lock()
	_, knownUser := s.users[in.UserID]
	s.mu.Unlock()
	switch {
	case in.Country != "mx":
		refuse(w, http.StatusUnprocessableEntity, "bad_request", "country must be mx")
		return
	case in.Platform != "imss" && in.Platform != "issste":
		refuse(w, http.StatusUnprocessableEntity, "bad_request", "platform must be imss or issste")
		return
	case r.URL.Path == "/accounts" && !knownUser:
		refuse(w, http.StatusNotFound, "not_found", "User not found")
		return
	}
	if _, err := identity.CURP(in.Identifier); err != nil {
		refuse(w, http.StatusUnprocessableEntity, "bad_request", "identifier must be a valid CURP")
		return
	}
	p := people.Find(in.Identifier)
	if !p.Answers("palenca") {
		refuse(w, http.StatusServiceUnavailable, "platform_unavailable", "The platform is currently unavailable.")
		return
	}
	now := s.Now()
	a := account{id: webhooksim.UUID(), userID: in.UserID, externalID: in.ExternalID, platform: in.Platform, person: p, at: now}
	if a.userID == "" {
		a.userID = webhooksim.UUID()
	}
	s.mu.Lock()
	s.n++
	if _, ok := s.users[a.userID]; !ok {
		s.users[a.userID] = user{id: a.userID, externalID: in.ExternalID, at: now}
	}
	s.accounts[a.id] = a
	s.mu.Unlock()
	if p.Pushed() && s.Push != nil {
		s.later.Send(webhooksim.Palenca, s.login(a), a.id)
	}
	answer(w, http.StatusCreated, map[string]any{
		"user_id": a.userID, "account_id": a.id, "external_id": nullable(in.ExternalID),
		"country": "mx", "platform": in.Platform, "identifier": in.Identifier,
	})
}

// listUsers serves List Users: the users created within the request's
// dates (UTC, both included), oldest first, a page at a time.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	var in struct {
		StartDate string `json:"start_date"`
		EndDate   string `json:"end_date"`
		Options   struct {
			ItemsPerPage int `json:"items_per_page"`
			Page         int `json:"page"`
		} `json:"options"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if json.Unmarshal(body, &in) != nil {
		refuse(w, http.StatusUnprocessableEntity, "bad_request", "The request body is not valid JSON.")
		return
	}
	from, err1 := time.Parse(time.DateOnly, in.StartDate)
	to, err2 := time.Parse(time.DateOnly, in.EndDate)
	if err1 != nil || err2 != nil {
		refuse(w, http.StatusUnprocessableEntity, "bad_request", "start_date and end_date must be YYYY-MM-DD")
		return
	}
	per, page := cmp.Or(in.Options.ItemsPerPage, 100), cmp.Or(in.Options.Page, 1)
	s.mu.Lock()
	var found []user
	for _, u := range s.users {
		if d := u.at.UTC(); !d.Before(from) && d.Before(to.AddDate(0, 0, 1)) {
			found = append(found, u)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b user) int { return cmp.Or(a.at.Compare(b.at), strings.Compare(a.id, b.id)) })
	users := []any{}
	for _, u := range found[min((page-1)*per, len(found)):min(page*per, len(found))] {
		users = append(users, map[string]any{"user_id": u.id, "external_id": nullable(u.externalID), "created_at": u.at.UTC().Format(time.RFC3339)})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"success": true, "error": nil, "data": map[string]any{"users": users},
		"pagination": map[string]int{"page": page, "items_per_page": per, "total_items": len(found), "total_pages": (len(found) + per - 1) / per}})
}

// deleteAccount serves Delete Account: the account is gone, its employment
// with it.
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	if s.failDelete(w) {
		return
	}
	id := r.PathValue("account_id")
	s.mu.Lock()
	_, ok := s.accounts[id]
	delete(s.accounts, id)
	s.mu.Unlock()
	if !ok {
		refuse(w, http.StatusNotFound, "not_found", "Account not found")
		return
	}
	answer(w, http.StatusOK, nil)
}

// deleteUser serves Delete User: the user is gone, its accounts with it.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	if s.failDelete(w) {
		return
	}
	id := r.PathValue("user_id")
	s.mu.Lock()
	_, ok := s.users[id]
	delete(s.users, id)
	for aid, a := range s.accounts {
		if a.userID == id {
			delete(s.accounts, aid)
		}
	}
	s.mu.Unlock()
	if !ok {
		refuse(w, http.StatusNotFound, "not_found", "User not found")
		return
	}
	answer(w, http.StatusOK, nil)
}

// failDelete answers 503 while FailDeletes says so.
func (s *Server) failDelete(w http.ResponseWriter) bool {
	if s.FailDeletes.Add(-1) < 0 {
		s.FailDeletes.Store(0)
		return false
	}
	refuse(w, http.StatusServiceUnavailable, "platform_unavailable", "The platform is currently unavailable.")
	return true
}

// userAccounts serves Retrieve User Accounts.
func (s *Server) userAccounts(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("user_id")
	s.mu.Lock()
	_, ok := s.users[id]
	accounts := []any{}
	for _, a := range s.accounts {
		if a.userID == id {
			accounts = append(accounts, map[string]any{"account_id": a.id, "platform": a.platform, "country": "mx", "identifier": a.person.CURP})
		}
	}
	s.mu.Unlock()
	if !ok {
		refuse(w, http.StatusNotFound, "not_found", "User not found")
		return
	}
	answer(w, http.StatusOK, map[string]any{"user_id": id, "accounts": accounts})
}

// failure is the status_details of p's login, "" when it succeeds.
func failure(p people.Person) string {
	switch p.Scenario {
	case people.CURPNotFound:
		return "curp_not_in_platform"
	case people.NSSNotFound:
		return "not_registered"
	case people.DailyLimit:
		return "too_many_requests"
	}
	return ""
}

// login is the webhook of a's login, in Palenca's newer shape: everything
// inside data.
func (s *Server) login(a account) []byte {
	action, details := "login.success", failure(a.person)
	if details != "" {
		action = "login.error"
	}
	body, _ := json.Marshal(map[string]any{
		"data": map[string]any{
			"webhook_id": webhooksim.UUID(), "account_id": a.id, "external_id": nullable(a.externalID), "platform": a.platform,
			"user_id": a.userID, "status_details": nullable(details), "webhook_action": action,
		},
		"webhook_url": s.Push.BaseURL + webhooksim.Palenca.Path(),
	})
	return body
}

func (s *Server) employment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.accounts[r.PathValue("account_id")]
	s.mu.Unlock()
	switch {
	case !ok:
		refuse(w, http.StatusNotFound, "not_found", "Account not found")
		return
	case s.Now().Sub(a.at) < s.Delay:
		refuse(w, http.StatusNotFound, "not_found", "Employment not found: the login is still in progress")
		return
	case failure(a.person) != "":
		refuse(w, http.StatusUnprocessableEntity, failure(a.person), "The login failed")
		return
	}
	p := a.person
	history, events := []any{}, []any{}
	for _, j := range p.Jobs {
		history = append(history, map[string]any{
			"employer": j.Employer, "employer_registration": j.Registration, "start_date": j.Start, "end_date": nullable(j.End),
			"job_title": nil, "federal_entity": j.State, "base_salary": json.Number(j.DailySalary), "monthly_salary": nil,
			"quoted_days": nil, "payment_frequency": nil, "payment_days": nil, "designation": nil, "modality": nil,
		})
		for _, m := range j.Movements {
			events = append(events, map[string]any{"event_type": eventType(m.Type), "employer": j.Employer, "event_date": m.Date,
				"event_end_date": nil, "base_salary": json.Number(m.Salary)})
		}
	}
	status := "unemployed"
	if len(p.Jobs) > 0 && p.Jobs[0].End == "" {
		status = "employed"
	}
	answer(w, http.StatusOK, map[string]any{
		"platform": a.platform, "account_id": a.id, "external_id": nullable(a.externalID),
		"employment_info": map[string]any{
			"id_type": "curp", "quoted_weeks": p.Contributed, "discounted_weeks": p.Discounted, "reintegrated_weeks": p.Reinstated,
			"end_of_rights": nil, "status": status, "employment_files": []any{}, "employment_history_status": "complete",
		},
		"employment_history": history, "employment_events": events,
	})
}

// eventType is Palenca's event_type for a movement of TD's words.
func eventType(tdType string) string {
	switch tdType {
	case "Alta":
		return "registration"
	case "Baja":
		return "discharge"
	case "Reingreso":
		return "reentry"
	case "Modificación de salario":
		return "salary_modification"
	}
	return "workday_modification"
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
