package verifyapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// Erasures is what DELETE /people/{curp} and GET /erasures/{id} need.
type Erasures interface {
	Erase(ctx context.Context, curp string) (erasure.Receipt, error)
	Receipt(ctx context.Context, id string) (erasure.Receipt, error)
	PersonHash(curp string) string
}

// receiptJSON is an erase's receipt: never the CURP, its keyed hash.
type receiptJSON struct {
	ID        string         `json:"erasure_id"`
	CURPHash  string         `json:"curp_hash"`
	At        string         `json:"at"`
	Status    string         `json:"status"`
	Erased    erased         `json:"erased"`
	Providers []deletionJSON `json:"providers"`
	// ProviderRounds counts the rounds of provider deletions asked: the
	// erase's, then the schedule's while one FAILED.
	ProviderRounds int      `json:"provider_rounds"`
	Previous       []string `json:"previous"`
}

type erased struct {
	Verifications int `json:"verifications"`
	Events        int `json:"events"`
}

type deletionJSON struct {
	Provider  string `json:"provider"`
	Reference string `json:"reference"`
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
}

func receiptOf(r erasure.Receipt) receiptJSON {
	out := receiptJSON{
		ID: r.ID, CURPHash: r.PersonHash, At: rfc3339(r.At), Status: r.Status,
		Erased:    erased{Verifications: r.Verifications, Events: r.Events},
		Providers: []deletionJSON{}, ProviderRounds: r.Tries, Previous: []string{},
	}
	for _, d := range r.Providers() {
		out.Providers = append(out.Providers, deletionJSON{Provider: d.Provider, Reference: d.Reference, Status: string(d.Status), Error: d.Error})
	}
	out.Previous = append(out.Previous, r.Previous...)
	return out
}

// erase erases everything held about a CURP and answers the receipt. Each
// call logs who asked and the CURP's keyed hash, never the CURP.
func erase(e Erasures) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e == nil {
			httpapi.WriteError(w, outcome.ErasureNotSet, "this deployment has no erasure key (ERASURE_KEY or ERASURE_KEY_ARN): nothing can be erased")
			return
		}
		httpapi.Note(w, slog.String("caller", httpapi.Caller(r)))
		c, err := identity.CURP(r.PathValue("curp"))
		if err != nil {
			httpapi.WriteError(w, outcome.InvalidInput, "the path's CURP is not one: "+err.Error())
			return
		}
		httpapi.Note(w, slog.String("curp_hash", e.PersonHash(c)))
		receipt, err := e.Erase(r.Context(), c)
		switch {
		case errors.Is(err, erasure.ErrConflict):
			httpapi.WriteError(w, outcome.ErasureRunning, "another erase of this person began meanwhile: repeat the call to take it up")
			return
		case errors.Is(err, privacy.ErrChanging):
			httpapi.WriteError(w, outcome.ErasureRunning, "the person's data kept changing while it was erased (a verification in flight): repeat the call to finish the erase")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the erase could not be completed; repeat the call to take it up where it stopped")
			return
		}
		b, err := json.Marshal(receiptOf(receipt))
		if err != nil {
			httpapi.WriteFailure(w, outcome.Internal, err, "the receipt could not be encoded")
			return
		}
		httpapi.Record(w, outcome.Outcome{Result: outcome.OK, Attrs: []slog.Attr{
			slog.String("erasure_id", receipt.ID), slog.Int("verifications", receipt.Verifications), slog.Int("events", receipt.Events),
		}})
		httpapi.Write(w, http.StatusOK, b)
	}
}

// receipt answers an erase's receipt by its id.
func receipt(e Erasures) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e == nil {
			httpapi.WriteError(w, outcome.ErasureNotSet, "this deployment has no erasure key (ERASURE_KEY or ERASURE_KEY_ARN): it keeps no erasure")
			return
		}
		id := r.PathValue("id")
		if !erasure.ValidID(id) {
			httpapi.WriteError(w, outcome.InvalidInput, "an erasure id is era_ and 26 letters a-z and digits 2-7")
			return
		}
		receipt, err := e.Receipt(r.Context(), id)
		switch {
		case errors.Is(err, erasure.ErrNoReceipt):
			httpapi.WriteError(w, outcome.UnknownErasure, "no erasure has this id")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the erasure could not be read; retry")
			return
		}
		httpapi.WriteJSON(w, receiptOf(receipt))
	}
}
