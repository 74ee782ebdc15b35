// Package verification runs income and employment verifications over
// several providers: it starts one with the first provider that takes it,
// follows it through the provider's notifications and polling, fails over
// when a provider fails for its own reasons, and keeps the one report or
// the one error in the taxonomy. Providers and the store are small
// interfaces the adapters implement.
package verification

import (
	"cmp"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
)

// Status is where a verification, or one provider's attempt at it, is.
type Status string

// The statuses. A verification is PENDING until a report arrives
// (COMPLETED), an error ends it (FAILED), or no answer came within the
// provider's window (EXPIRED).
const (
	Pending   Status = "PENDING"
	Completed Status = "COMPLETED"
	Failed    Status = "FAILED"
	Expired   Status = "EXPIRED"
)

// Final reports whether s ends a verification.
func (s Status) Final() bool { return s != Pending }

// Input is what a verification asks about, checked.
type Input struct {
	CURP string
	NSS  string // "" when not given
	// Provider pins the provider ("" lets the failover order choose).
	Provider string
	// Institution is where the person's records are: IMSS (private
	// employers), or ISSSTE (the state's) when asked.
	Institution Institution
}

// Institution is a social security institution.
type Institution string

// The institutions. IMSS is the default: the zero Institution is IMSS.
const (
	IMSS   Institution = "imss"
	ISSSTE Institution = "issste"
)

// OrIMSS returns i, IMSS for the zero Institution.
func (i Institution) OrIMSS() Institution { return cmp.Or(i, IMSS) }

// Verification is one verification as it is kept.
type Verification struct {
	ID         string
	ExternalID string // the caller's own id, "" when not given
	Input      Input
	Status     Status
	Attempts   []Attempt
	// Report is the report's JSON (employment.Report) once COMPLETED.
	Report []byte
	// Error is why the verification FAILED or EXPIRED.
	Error     *employment.Problem
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt is when the stores delete it (VERIFY_RETENTION after its
	// creation).
	ExpiresAt time.Time
	// NextCheck is when the follow-up looks at a PENDING verification
	// next; zero once it is final.
	NextCheck time.Time
	// Version counts the writes of the verification: each write expects
	// the one before it.
	Version int64
}

// Attempt is one provider's try at a verification.
type Attempt struct {
	Provider string
	Status   Status
	// Reference is the provider's own id for the request: TD's sequence_id,
	// Belvo's link, Palenca's account; "" while the start is unconfirmed.
	Reference string
	Error     *employment.Problem
	StartedAt time.Time
	// Notified says the provider told us of a result (a webhook), so the
	// follow-up checks at once rather than after VERIFY_POLL_AFTER.
	Notified bool
}

// Unconfirmed reports whether a was claimed but the provider's answer to
// its start was never recorded: a start in flight, or one whose caller
// stopped (a crash, a store that failed) after the provider may have taken
// it. Such an attempt is never started again blind (see Service.recover).
func (a *Attempt) Unconfirmed() bool { return a.Status == Pending && a.Reference == "" }

// Provider is the provider in use, or the last one used: its latest
// attempt's; "" before the first.
func (v *Verification) Provider() string {
	if n := len(v.Attempts); n > 0 {
		return v.Attempts[n-1].Provider
	}
	return ""
}

// current returns the attempt in progress, nil when none is.
func (v *Verification) current() *Attempt {
	if n := len(v.Attempts); n > 0 && v.Attempts[n-1].Status == Pending {
		return &v.Attempts[n-1]
	}
	return nil
}
