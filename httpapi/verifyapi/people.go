package verifyapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/mask"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// MaxPersonAnswer bounds GET /people/{curp}'s answer: Lambda carries 6 MB
// of its response, where the answer is a JSON string, escaped again.
const MaxPersonAnswer = 4 << 20

// People is what GET /people/{curp} needs: everything held about a person.
type People interface {
	Access(ctx context.Context, curp string) (privacy.Person, error)
}

// personJSON is GET /people/{curp}'s answer: the person's data whole,
// since it answers their own request.
type personJSON struct {
	CURP          string                 `json:"curp"`
	Verifications []heldVerificationJSON `json:"verifications"`
	Events        []heldEventJSON        `json:"events"`
	Providers     []heldReferenceJSON    `json:"providers"`
}

type heldVerificationJSON struct {
	ID          string          `json:"id"`
	ExternalID  *string         `json:"external_id"`
	Status      string          `json:"status"`
	CURP        string          `json:"curp"`
	NSS         *string         `json:"nss"`
	Institution string          `json:"institution,omitempty"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
	ExpiresAt   string          `json:"expires_at"`
	Attempts    []heldAttempt   `json:"attempts"`
	Report      json.RawMessage `json:"report,omitempty"`
	Error       any             `json:"error,omitempty"`
}

type heldAttempt struct {
	Provider  string `json:"provider"`
	Status    string `json:"status"`
	Reference string `json:"reference,omitempty"`
	StartedAt string `json:"started_at"`
	Error     any    `json:"error,omitempty"`
}

type heldEventJSON struct {
	ID         string            `json:"id"`
	Provider   string            `json:"provider"`
	Type       string            `json:"type"`
	Status     string            `json:"status"`
	ReceivedAt string            `json:"received_at"`
	ExpiresAt  string            `json:"expires_at"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

type heldReferenceJSON struct {
	Provider     string `json:"provider"`
	Reference    string `json:"reference"`
	Verification string `json:"verification"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// person answers everything held about a CURP, unmasked: the only route
// that shows personal data whole. Each call logs who asked and the CURP's
// hash, never the CURP: the keyed hash its receipts name it by when an
// erasure key is set.
func person(p People, e Erasures) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p == nil {
			httpapi.WriteError(w, outcome.Internal, "this deployment's stores cannot answer a person's request")
			return
		}
		httpapi.Note(w, slog.String("caller", httpapi.Caller(r)))
		if c, err := identity.CURP(r.PathValue("curp")); err == nil {
			hash := verification.PersonKey(c)
			if e != nil {
				hash = e.PersonHash(c)
			}
			httpapi.Note(w, slog.String("curp_hash", hash))
		}
		held, err := p.Access(r.Context(), r.PathValue("curp"))
		switch {
		case errors.Is(err, identity.ErrCURP):
			httpapi.WriteError(w, outcome.InvalidInput, "the path's CURP is not one: "+err.Error())
			return
		case errors.Is(err, privacy.ErrNoPerson):
			httpapi.WriteError(w, outcome.PersonNotFound, "nothing is held about this CURP")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "what is held about the person could not be read; retry")
			return
		}
		out := personJSON{CURP: held.CURP, Verifications: []heldVerificationJSON{}, Events: []heldEventJSON{}, Providers: []heldReferenceJSON{}}
		for _, v := range held.Verifications {
			hv := heldVerificationJSON{
				ID: v.ID, Status: string(v.Status), CURP: v.Input.CURP, Institution: string(v.Input.Institution),
				CreatedAt: rfc3339(v.CreatedAt), UpdatedAt: rfc3339(v.UpdatedAt), ExpiresAt: rfc3339(v.ExpiresAt),
				Attempts: []heldAttempt{}, Report: v.Report,
			}
			if v.ExternalID != "" {
				hv.ExternalID = &v.ExternalID
			}
			if v.Input.NSS != "" {
				hv.NSS = &v.Input.NSS
			}
			if v.Error != nil {
				hv.Error = v.Error
			}
			for _, a := range v.Attempts {
				ha := heldAttempt{Provider: a.Provider, Status: string(a.Status), Reference: a.Reference, StartedAt: rfc3339(a.StartedAt)}
				if a.Error != nil {
					ha.Error = a.Error
				}
				hv.Attempts = append(hv.Attempts, ha)
			}
			out.Verifications = append(out.Verifications, hv)
		}
		for _, e := range held.Events {
			// The person's data whole; a signature or a key is none of it.
			out.Events = append(out.Events, heldEventJSON{
				ID: e.ID, Provider: e.Provider, Type: e.Type, Status: string(e.Status), ReceivedAt: rfc3339(e.ReceivedAt),
				ExpiresAt: rfc3339(e.ExpiresAt), Headers: mask.Headers(e.Headers), Body: string(e.Body),
			})
		}
		for _, ref := range held.Providers {
			out.Providers = append(out.Providers, heldReferenceJSON{Provider: ref.Provider, Reference: ref.Reference, Verification: ref.Verification})
		}
		b, err := json.Marshal(out)
		if err != nil {
			httpapi.WriteFailure(w, outcome.Internal, err, "the answer could not be encoded")
			return
		}
		if len(b) > MaxPersonAnswer {
			httpapi.WriteError(w, outcome.PersonTooLarge, fmt.Sprintf("what is held about this person is %d bytes, more than one answer carries (%d): %d verifications and %d events",
				len(b), MaxPersonAnswer, len(out.Verifications), len(out.Events)))
			return
		}
		httpapi.Record(w, outcome.Outcome{Result: outcome.OK, Attrs: []slog.Attr{slog.Int("verifications", len(out.Verifications)), slog.Int("events", len(out.Events))}})
		httpapi.Write(w, http.StatusOK, b)
	}
}
