package authorizeapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// Page sizes of GET /ledger/accounts/{user_id}.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

type statementJSON struct {
	UserID     string        `json:"user_id"`
	Balances   []balanceJSON `json:"balances"`
	Entries    []entryJSON   `json:"entries"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

type balanceJSON struct {
	Currency  string `json:"currency"`
	Available string `json:"available"`
}

type entryJSON struct {
	TransactionID string `json:"transaction_id"`
	Kind          string `json:"kind"`
	Amount        string `json:"amount"`
	Currency      string `json:"currency"`
	Status        string `json:"status"`
	Original      string `json:"original_transaction_id,omitempty"`
	CreatedAt     string `json:"created_at"`
}

func statement(accounts Statements) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, ok := httpapi.Limit(w, r, DefaultPageSize, MaxPageSize)
		if !ok {
			return
		}
		st, err := accounts.Statement(r.Context(), r.PathValue("user_id"), r.URL.Query().Get("cursor"), limit)
		switch {
		case errors.Is(err, ledger.ErrCursor):
			httpapi.WriteError(w, outcome.InvalidCursor, "cursor was not issued by this endpoint for this user")
			return
		case errors.Is(err, storable.ErrInvalid):
			httpapi.WriteFailure(w, outcome.InvalidInput, err, "the user id or the cursor holds a value no store can take (identifiers are at most 480 bytes)")
			return
		case err != nil:
			httpapi.WriteFailure(w, outcome.StoreUnavailable, err, "the ledger could not be read; retry")
			return
		}
		b, err := json.Marshal(statementOf(st))
		if err != nil {
			httpapi.WriteFailure(w, outcome.Internal, err, "the statement could not be encoded")
			return
		}
		httpapi.Record(w, outcome.Outcome{Result: outcome.OK})
		httpapi.Write(w, http.StatusOK, b)
	}
}

func statementOf(st ledger.Statement) statementJSON {
	out := statementJSON{UserID: st.UserID, Balances: []balanceJSON{}, Entries: []entryJSON{}, NextCursor: st.Next}
	for _, b := range st.Balances {
		out.Balances = append(out.Balances, balanceJSON{Currency: b.Currency, Available: format(b.Available, b.Currency)})
	}
	for _, e := range st.Entries {
		out.Entries = append(out.Entries, entryJSON{
			TransactionID: e.TransactionID,
			Kind:          e.Kind,
			Amount:        format(e.Amount, e.Currency),
			Currency:      e.Currency,
			Status:        string(e.Status),
			Original:      e.Original,
			CreatedAt:     e.CreatedAt.UTC().Format(time.RFC3339Nano),
		})
	}
	return out
}

func format(minor int64, currency string) string {
	exp, _ := money.Exponent(currency)
	return money.FormatMinor(minor, exp)
}
