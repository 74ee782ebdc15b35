package verification

import (
	"context"
	"errors"
	"time"
)

// Store keeps verifications. Both stores implement it alike (storetest
// checks them).
type Store interface {
	// Window returns the CURP window under key, the zero Window (Key set)
	// when none is kept.
	Window(ctx context.Context, key string) (Window, error)
	// Create keeps v (Version 1), claims v.ExternalID when it is set, and
	// replaces the window w.Key, kept at w.Version, with w (its Version
	// one more), all in one write. A claimed external id fails with
	// ErrExternalID and a window changed since it was read with
	// ErrConflict; either keeps nothing.
	Create(ctx context.Context, v Verification, w Window) error
	// Get returns the verification with id, or ErrNotFound.
	Get(ctx context.Context, id string) (Verification, error)
	// ByExternalID returns the verification that claimed externalID, or
	// ErrNotFound.
	ByExternalID(ctx context.Context, externalID string) (Verification, error)
	// ByReference returns the verification a provider's reference was
	// claimed for, or ErrNotFound.
	ByReference(ctx context.Context, provider, reference string) (Verification, error)
	// Save replaces v, kept at v.Version-1, and claims ref for it when ref
	// is not nil, in one write. A verification changed since it was read
	// fails with ErrConflict and keeps nothing.
	Save(ctx context.Context, v Verification, ref *Reference) error
	// Due returns up to limit PENDING verifications whose NextCheck is not
	// after now, the longest due first.
	Due(ctx context.Context, now time.Time, limit int) ([]Verification, error)
}

// Window is the creation times of a CURP's verifications within the last
// 24 hours: the daily guard counts them. Key is a hash of the CURP, so that
// no store key holds one.
type Window struct {
	Key     string
	Created []time.Time
	Version int64
}

// Reference is a provider's id for a request, which its notifications
// carry.
type Reference struct {
	Provider  string
	Reference string
}

// Errors of a Store.
var (
	ErrNotFound   = errors.New("verification: not found")
	ErrExternalID = errors.New("verification: external_id already claimed")
	ErrConflict   = errors.New("verification: changed since it was read")
)
