// Package verifyapi serves the verify function's routes: the verifications
// (POST /verifications, GET /verifications/{id}, GET
// /verifications?external_id=) and a person's requests (GET and DELETE
// /people/{curp}, GET /erasures/{id}).
package verifyapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/mask"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/text"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// MaxBody bounds a request's body.
const MaxBody = 16 << 10

// Verifications is what the routes need of the service.
type Verifications interface {
	Start(ctx context.Context, r verification.Request) (verification.Verification, bool, error)
	Get(ctx context.Context, id string) (verification.Verification, error)
	ByExternalID(ctx context.Context, ext string) (verification.Verification, error)
}

// Handler returns the verify function's handler, behind the request log:
// the verifications, and a person's requests over people and erasures
// (nil when no erasure key is set).
func Handler(s Verifications, people People, erasures Erasures, log *slog.Logger, now func() time.Time) http.Handler {
	mux := httpapi.NewMux()
	mux.Internal("POST /verifications", start(s))
	mux.Internal("GET /verifications", list(s))
	mux.Internal("GET /verifications/{id}", detail(s))
	mux.Internal("GET /people/{curp}", person(people, erasures))
	mux.Internal("DELETE /people/{curp}", erase(erasures))
	mux.Internal("GET /erasures/{id}", receipt(erasures))
	return httpapi.Logged(httpapi.Routed(mux), log, now)
}

// fieldError answers 400 {"error":{"code","message","field"}}.
func fieldError(w http.ResponseWriter, code outcome.Code, field, message string) {
	httpapi.Record(w, outcome.Failed(code))
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": string(code), "message": message, "field": field}})
	httpapi.Write(w, outcome.Status(code), b)
}

func start(s Verifications) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, failed := httpapi.ReadBody(w, r, MaxBody)
		if failed != nil {
			httpapi.Record(w, failed.Outcome())
			httpapi.Write(w, outcome.Status(failed.Code), outcome.ErrorBody(failed.Code, failed.Message))
			return
		}
		if err := text.CheckJSON(body); err != nil {
			httpapi.WriteError(w, outcome.MalformedPayload, "the body must be one JSON object: "+err.Error())
			return
		}
		root := gjson.ParseBytes(body)
		if !root.IsObject() {
			httpapi.WriteError(w, outcome.MalformedPayload, "the body must be a JSON object")
			return
		}
		var req verification.Request
		for _, f := range []struct {
			name string
			code outcome.Code
			into *string
		}{
			{"curp", outcome.InvalidCURP, &req.CURP}, {"nss", outcome.InvalidNSS, &req.NSS},
			{"provider", outcome.InvalidProvider, &req.Provider}, {"external_id", outcome.InvalidExternalID, &req.ExternalID},
			{"institution", outcome.InvalidInstitution, &req.Institution},
		} {
			switch v := root.Get(f.name); v.Type {
			case gjson.String:
				*f.into = v.Str
			case gjson.Null:
			default:
				fieldError(w, f.code, f.name, f.name+" must be a string")
				return
			}
		}
		v, created, err := s.Start(r.Context(), req)
		var fe *verification.FieldError
		switch {
		case errors.As(err, &fe):
			fieldError(w, fe.Code, fe.Field, fe.Message)
			return
		case errors.Is(err, verification.ErrNoProvider):
			httpapi.WriteError(w, outcome.NoProvider, "no verification provider is configured: set the credentials of td, palenca or belvo (see VERIFY_PROVIDER_ORDER)")
			return
		case errors.Is(err, verification.ErrDailyLimit):
			httpapi.WriteError(w, outcome.DailyLimitExceeded, "the CURP had its three verifications of the last 24 hours (IMSS's daily limit); try tomorrow")
			return
		case errors.Is(err, verification.ErrExternalIDReused):
			fieldError(w, outcome.ExternalIDReused, "external_id", "external_id was already used with another curp, nss or provider")
			return
		case errors.Is(err, storable.ErrInvalid):
			httpapi.WriteFailure(w, outcome.InvalidInput, err, "the request holds a value no store can take")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the verification could not be kept; send it again with its external_id")
			return
		}
		b, _ := json.Marshal(map[string]string{
			"id": v.ID, "status": string(v.Status), "provider": v.Provider(), "created_at": v.CreatedAt.UTC().Format(time.RFC3339Nano),
		})
		status, result := http.StatusAccepted, outcome.Received
		if !created {
			status, result = http.StatusOK, outcome.Replayed
		}
		httpapi.Record(w, outcome.Outcome{Result: result, Attrs: []slog.Attr{slog.String("verification", v.ID), slog.String("provider", v.Provider())}})
		httpapi.Write(w, status, b)
	}
}

// verificationJSON is GET /verifications/{id}'s answer.
type verificationJSON struct {
	ID        string              `json:"id"`
	Status    string              `json:"status"`
	Provider  string              `json:"provider"`
	CreatedAt string              `json:"created_at"`
	UpdatedAt string              `json:"updated_at"`
	Attempts  []attemptJSON       `json:"attempts"`
	Report    json.RawMessage     `json:"report,omitempty"`
	Error     *employment.Problem `json:"error,omitempty"`
}

type attemptJSON struct {
	Provider string              `json:"provider"`
	Status   string              `json:"status"`
	Error    *employment.Problem `json:"error"`
}

func detail(s Verifications) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for name, vs := range q {
			if name != "mask" || len(vs) != 1 || vs[0] != "person" {
				httpapi.WriteError(w, outcome.InvalidInput, "the query takes mask=person at most: the report's person masked, for a page people look at")
				return
			}
		}
		v, err := s.Get(r.Context(), r.PathValue("id"))
		switch {
		case errors.Is(err, verification.ErrNotFound):
			httpapi.WriteError(w, outcome.UnknownVerification, "no verification with this id")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the verification could not be read; retry")
			return
		}
		out := verificationJSON{
			ID: v.ID, Status: string(v.Status), Provider: v.Provider(), Attempts: []attemptJSON{}, Report: v.Report, Error: v.Error,
			CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: v.UpdatedAt.UTC().Format(time.RFC3339Nano),
		}
		for _, a := range v.Attempts {
			out.Attempts = append(out.Attempts, attemptJSON{Provider: a.Provider, Status: string(a.Status), Error: a.Error})
		}
		if q.Has("mask") && out.Report != nil {
			out.Report = mask.Person(out.Report)
		}
		httpapi.WriteJSON(w, out)
	}
}

// listedJSON is a verification as GET /verifications?external_id= lists
// it: its CURP and NSS masked, no report.
type listedJSON struct {
	ID         string  `json:"id"`
	ExternalID string  `json:"external_id"`
	Status     string  `json:"status"`
	Provider   string  `json:"provider"`
	CURP       string  `json:"curp"`
	NSS        *string `json:"nss"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  string  `json:"updated_at"`
}

func list(s Verifications) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ext := r.URL.Query().Get("external_id")
		if ext == "" {
			fieldError(w, outcome.InvalidExternalID, "external_id", "GET /verifications needs ?external_id=")
			return
		}
		out := struct {
			Verifications []listedJSON `json:"verifications"`
		}{Verifications: []listedJSON{}}
		v, err := s.ByExternalID(r.Context(), ext)
		switch {
		case errors.Is(err, verification.ErrNotFound):
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the verifications could not be read; retry")
			return
		default:
			l := listedJSON{
				ID: v.ID, ExternalID: v.ExternalID, Status: string(v.Status), Provider: v.Provider(), CURP: mask.CURP(v.Input.CURP),
				CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: v.UpdatedAt.UTC().Format(time.RFC3339Nano),
			}
			if v.Input.NSS != "" {
				nss := mask.NSS(v.Input.NSS)
				l.NSS = &nss
			}
			out.Verifications = append(out.Verifications, l)
		}
		httpapi.WriteJSON(w, out)
	}
}
