package verification

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
)

// stored is a verification as both stores keep it. Its field names are a
// file and table format: add fields, never rename them.
type stored struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id,omitempty"`
	CURP       string `json:"curp"`
	NSS        string `json:"nss,omitempty"`
	Pinned     string `json:"pinned,omitempty"`
	// Institution is "" for IMSS, as in verifications kept before it could
	// be asked for.
	Institution Institution         `json:"institution,omitempty"`
	Status      Status              `json:"status"`
	Attempts    []storedAttempt     `json:"attempts,omitempty"`
	Report      json.RawMessage     `json:"report,omitempty"`
	Error       *employment.Problem `json:"error,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
	ExpiresAt   time.Time           `json:"expires_at,omitzero"`
	NextCheck   time.Time           `json:"next_check,omitzero"`
	Version     int64               `json:"version"`
}

type storedAttempt struct {
	Provider  string              `json:"provider"`
	Status    Status              `json:"status"`
	Reference string              `json:"reference,omitempty"`
	Error     *employment.Problem `json:"error,omitempty"`
	StartedAt time.Time           `json:"started_at"`
	Notified  bool                `json:"notified,omitempty"`
}

// Encode returns v as the stores keep it: one JSON document.
func Encode(v Verification) ([]byte, error) {
	s := stored{
		ID: v.ID, ExternalID: v.ExternalID, CURP: v.Input.CURP, NSS: v.Input.NSS, Pinned: v.Input.Provider,
		Status: v.Status, Report: v.Report, Error: v.Error,
		CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(), ExpiresAt: v.ExpiresAt.UTC(), NextCheck: v.NextCheck.UTC(), Version: v.Version,
	}
	for _, a := range v.Attempts {
		s.Attempts = append(s.Attempts, storedAttempt{a.Provider, a.Status, a.Reference, a.Error, a.StartedAt.UTC(), a.Notified})
	}
	if v.Input.Institution != IMSS {
		s.Institution = v.Input.Institution
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("verification: encode %s: %w", v.ID, err)
	}
	return b, nil
}

// Decode reads what Encode wrote.
func Decode(b []byte) (Verification, error) {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return Verification{}, fmt.Errorf("verification: decode: %w", err)
	}
	v := Verification{
		ID: s.ID, ExternalID: s.ExternalID, Input: Input{CURP: s.CURP, NSS: s.NSS, Provider: s.Pinned, Institution: s.Institution},
		Status: s.Status, Report: []byte(s.Report), Error: s.Error,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, ExpiresAt: s.ExpiresAt, NextCheck: s.NextCheck, Version: s.Version,
	}
	if v.Input.Institution == "" {
		v.Input.Institution = IMSS
	}
	for _, a := range s.Attempts {
		v.Attempts = append(v.Attempts, Attempt(a))
	}
	return v, nil
}
