package pomelosim

import (
	"encoding/json"
)

// Transaction describes a request body; Total is the decimal text of
// amount.local.total (sent as a JSON string unless AsNumber is set).
type Transaction struct {
	Type       string
	ID         string
	UserID     string
	Total      string
	Currency   string
	OriginalID string
	AsNumber   bool
}

// JSON renders the body as Pomelo sends it, with the documentation's
// example values for the parts the decision does not read.
func (t Transaction) JSON() []byte {
	if t.Currency == "" {
		t.Currency = "ARS"
	}
	var total any = t.Total
	if t.AsNumber {
		total = json.Number(t.Total)
	}
	amount := map[string]any{"total": total, "currency": t.Currency}
	tx := map[string]any{
		"id": t.ID, "type": t.Type, "point_type": "POS", "entry_mode": "CONTACTLESS",
		"country_code": "ARG", "origin": "DOMESTIC", "local_date_time": "2026-11-23T10:00:00",
	}
	if t.OriginalID != "" {
		tx["original_transaction_id"] = t.OriginalID
	}
	b, _ := json.Marshal(map[string]any{
		"transaction": tx,
		"merchant":    map[string]any{"id": "m-1", "mcc": "5411", "address": "Av. Corrientes 1234", "name": "Almacen"},
		"card":        map[string]any{"id": "c-1625519392748E6XZBK", "product_type": "PREPAID", "provider": "MASTERCARD", "last_four": "1573"},
		"user":        map[string]any{"id": t.UserID},
		"amount": map[string]any{
			"local": amount, "transaction": amount,
			"settlement": map[string]any{"total": "1.00", "currency": "USD"},
			"details":    []any{map[string]any{"type": "BASE", "currency": t.Currency, "amount": total, "name": "BASE"}},
		},
	})
	return b
}
