// Package belvosim plays Belvo's employment records for Mexico for the
// local stack and the tests: POST /api/links/ (HTTP Basic) creates a single
// link for a CURP, or refuses it with 003's errors; its historical_update
// webhook goes to /webhooks/belvo, sent and retried by webhooksim; and GET
// /api/employment-records/?link= pages the link's profiles, Belvo's list
// shape with next links. What it answers about a CURP is people's scenario
// for it.
package belvosim

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// Server is the simulated Belvo. Set its fields before serving; Close waits
// for the webhooks in flight.
type Server struct {
	SecretID, SecretPassword string
	// Push delivers webhooks to the stack's /webhooks/belvo; nil sends none.
	Push  *webhooksim.Sender
	Delay time.Duration // how long a link's records take
	Now   func() time.Time
	Log   *slog.Logger

	// FailDeletes makes the next n deletions answer 503.
	FailDeletes atomic.Int64

	mu    sync.Mutex
	links map[string]link
	n     int
	later webhooksim.Later
	once  sync.Once
}

type link struct {
	id         string
	person     people.Person
	at         time.Time
	externalID string
}

func (s *Server) init() {
	s.once.Do(func() {
		s.links = make(map[string]link)
		s.later = webhooksim.Later{Sender: s.Push, Delay: s.Delay, Log: s.Log}
	})
}

// Handler serves Belvo's API.
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/links/", s.auth(s.createLink))
	mux.HandleFunc("GET /api/employment-records/", s.auth(s.records))
	mux.HandleFunc("GET /api/links/", s.auth(s.listLinks))
	mux.HandleFunc("DELETE /api/links/{id}/", s.auth(s.deleteLink))
	return mux
}

// Close stops the webhooks waiting to be sent and waits for those being
// sent.
func (s *Server) Close() {
	s.init()
	s.later.Close()
}

// Links counts the links created.
func (s *Server) Links() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// refuse answers Belvo's error body: a list of {"code","message","request_id"}.
func refuse(w http.ResponseWriter, status int, code, message string) {
	answer(w, status, []map[string]string{{"code": code, "message": message, "request_id": newID()}})
}

func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, password, ok := r.BasicAuth()
		if !ok || id != s.SecretID || password != s.SecretPassword {
			refuse(w, http.StatusUnauthorized, "authentication_failed", "Invalid authentication credentials")
			return
		}
		next(w, r)
	}
}

// institutions are Belvo's employment institutions for Mexico.
var institutions = map[string]bool{"imss_mx_employment": true, "issste_mx_employment": true, "planet_mx_employment": true}

func (s *Server) createLink(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Institution    string   `json:"institution"`
		Username       string   `json:"username"`
		FetchResources []string `json:"fetch_resources"`
		AccessMode     string   `json:"access_mode"`
		ExternalID     string   `json:"external_id"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err := json.Unmarshal(body, &in); err != nil {
		refuse(w, http.StatusBadRequest, "invalid", "JSON parse error")
		return
	}
	switch {
	case !institutions[in.Institution]:
		refuse(w, http.StatusBadRequest, "invalid", "institution: Object with institution_name="+in.Institution+" does not exist.")
		return
	case in.AccessMode != "single" && in.AccessMode != "recurrent":
		refuse(w, http.StatusBadRequest, "invalid", "access_mode: is not a valid choice.")
		return
	case len(in.FetchResources) != 1 || in.FetchResources[0] != "EMPLOYMENT_RECORDS":
		refuse(w, http.StatusBadRequest, "invalid", "fetch_resources: EMPLOYMENT_RECORDS is required for employment institutions.")
		return
	}
	if len(in.Username) != 18 {
		refuse(w, http.StatusBadRequest, "login_error", "Por favor, ingresa un CURP válido. Debe contener 18 caracteres")
		return
	}
	if _, err := identity.CURP(in.Username); err != nil {
		refuse(w, http.StatusBadRequest, "login_error", "CURP es incorrecto")
		return
	}
	p := people.Find(in.Username)
	switch {
	case !p.Answers("belvo"):
		refuse(w, http.StatusBadRequest, "institution_down", "The financial institution is down, try again later")
		return
	case p.Scenario == people.CURPNotFound:
		refuse(w, http.StatusBadRequest, "login_error", "El CURP proporcionado no fue localizado en la entidad externa RENAPO")
		return
	case p.Scenario == people.NSSNotFound:
		refuse(w, http.StatusBadRequest, "login_error", "El NSS no fue localizado en el IMSS")
		return
	case p.Scenario == people.DailyLimit:
		refuse(w, http.StatusForbidden, "forbidden_by_host", "Has agotado el número de solicitudes permitidas por día.")
		return
	}
	now := s.Now()
	l := link{id: webhooksim.UUID(), person: p, at: now, externalID: in.ExternalID}
	s.mu.Lock()
	s.n++
	s.links[l.id] = l
	s.mu.Unlock()
	if p.Pushed() {
		s.later.Send(webhooksim.Belvo, historicalUpdate(l), l.id)
	}
	answer(w, http.StatusCreated, map[string]any{
		"id": l.id, "institution": in.Institution, "access_mode": in.AccessMode, "status": "valid", "refresh_rate": nil,
		"created_by": "6e9be884-4781-4143-b673-aca02475ee8c", "last_accessed_at": now.UTC().Format(time.RFC3339Nano),
		"external_id": in.ExternalID, "created_at": now.UTC().Format(time.RFC3339Nano), "institution_user_id": newID(),
		"credentials_storage": "365d", "stale_in": nil, "fetch_resources": in.FetchResources,
	})
}

// listLinks serves Belvo's list of links, filtered by external_id when
// given, on one page.
func (s *Server) listLinks(w http.ResponseWriter, r *http.Request) {
	ext, filtered := r.URL.Query().Get("external_id"), r.URL.Query().Has("external_id")
	s.mu.Lock()
	var found []link
	for _, l := range s.links {
		if !filtered || l.externalID == ext {
			found = append(found, l)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b link) int { return cmp.Or(a.at.Compare(b.at), strings.Compare(a.id, b.id)) })
	results := []any{}
	for _, l := range found {
		results = append(results, map[string]any{"id": l.id, "access_mode": "single", "status": "valid", "external_id": l.externalID,
			"created_at": l.at.UTC().Format(time.RFC3339Nano)})
	}
	answer(w, http.StatusOK, map[string]any{"count": len(results), "next": nil, "previous": nil, "results": results})
}

// deleteLink serves Belvo's link deletion: 204, the link and its records
// gone; 404 for a link it does not have.
func (s *Server) deleteLink(w http.ResponseWriter, r *http.Request) {
	if s.FailDeletes.Add(-1) >= 0 {
		refuse(w, http.StatusServiceUnavailable, "service_unavailable", "Service unavailable.")
		return
	}
	s.FailDeletes.Store(0)
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.links[id]
	delete(s.links, id)
	s.mu.Unlock()
	if !ok {
		refuse(w, http.StatusNotFound, "not_found", "Not found.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// historicalUpdate is the webhook of l's records (003).
func historicalUpdate(l link) []byte {
	body, _ := json.Marshal(map[string]any{
		"webhook_id": newID(), "webhook_type": "EMPLOYMENT_RECORDS", "process_type": "historical_update",
		"webhook_code": "historical_update", "link_id": l.id, "request_id": webhooksim.UUID(), "external_id": l.externalID,
		"data": map[string]int{"total_employment_record_profiles": len(profiles(l))},
	})
	return body
}

// records pages a link's profiles, one per page, so that a client must
// follow next.
func (s *Server) records(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	l, ok := s.links[q.Get("link")]
	s.mu.Unlock()
	var all []any
	if ok && s.Now().Sub(l.at) >= s.Delay {
		all = profiles(l)
	}
	page, err := strconv.Atoi(q.Get("page"))
	if q.Get("page") == "" {
		page, err = 1, nil
	}
	if err != nil || page < 1 || page > max(len(all), 1) {
		answer(w, http.StatusNotFound, map[string]string{"detail": "Invalid page."})
		return
	}
	out := map[string]any{"count": len(all), "next": nil, "previous": nil, "results": []any{}}
	base := "http://" + r.Host + "/api/employment-records/?link=" + l.id
	if len(all) > 0 {
		out["results"] = all[page-1 : page]
	}
	if page < len(all) {
		out["next"] = base + "&page=" + strconv.Itoa(page+1)
	}
	if page > 1 {
		out["previous"] = base + "&page=" + strconv.Itoa(page-1)
	}
	answer(w, http.StatusOK, out)
}

// profiles are a link's employment record profiles: the rich history comes
// as two, whose jobs overlap by one, as Belvo does when IMSS holds the
// person twice.
func profiles(l link) []any {
	p := l.person
	if p.Scenario == people.Rich {
		return []any{profile(l, p.Jobs[:2], 0), profile(l, p.Jobs[1:], 1)}
	}
	return []any{profile(l, p.Jobs, 0)}
}

func profile(l link, jobs []people.Job, n int) any {
	p := l.person
	records := []any{}
	for _, j := range jobs {
		updates := []any{}
		for _, m := range j.Movements {
			if e := event(m.Type); e != "" {
				updates = append(updates, map[string]any{"event": e, "base_salary": json.Number(m.Salary), "update_date": m.Date})
			}
		}
		var end any
		if j.End != "" {
			end = j.End
		}
		records = append(records, map[string]any{
			"collected_at": l.at.UTC().Format(time.RFC3339Nano), "employer": j.Employer, "employer_id": j.Registration,
			"start_date": j.Start, "end_date": end, "state": j.State, "most_recent_base_salary": json.Number(j.DailySalary),
			"currency": "MXN", "employment_status_updates": updates,
		})
	}
	var documents []any
	documents = append(documents, map[string]string{"document_type": "CURP", "document_number": p.CURP})
	if p.NSS != "" {
		documents = append(documents, map[string]string{"document_type": "NSS", "document_number": p.NSS})
	}
	return map[string]any{
		"id": fmt.Sprintf("%s-%d", l.id, n), "link": l.id, "created_at": l.at.UTC().Format(time.RFC3339Nano),
		"collected_at": l.at.UTC().Format(time.RFC3339Nano), "report_date": l.at.UTC().Format(time.DateOnly),
		"internal_identification": p.CURP,
		"personal_data":           map[string]any{"official_name": p.Name, "document_ids": documents},
		"social_security_summary": map[string]int{"weeks_contributed": p.Contributed, "weeks_redeemed": p.Discounted, "weeks_reinstated": p.Reinstated},
		"employment_records":      records, "employment_scores": nil, "files": []any{},
	}
}

// event is Belvo's name for a movement of TD's words, "" for one Belvo
// does not report.
func event(tdType string) string {
	switch tdType {
	case "Alta", "Reingreso":
		return "HIRED"
	case "Baja":
		return "DISMISSED_RESIGNED"
	case "Modificación de salario":
		return "SALARY_MODIFICATION"
	}
	return ""
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}
