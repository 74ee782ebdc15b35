// Package erasure is what is kept of an erased person: the receipt of each
// erasure, a tombstone under a keyed hash of their CURP, the marks a late
// push naming them is dropped by, and what each provider did.
package erasure

import (
	"context"
	"time"
)

// Status is what became of a reference at its provider.
type Status string

// The statuses of a Deletion.
const (
	Deleted      Status = "DELETED"       // the provider deleted it, or no longer had it
	NotSupported Status = "NOT_SUPPORTED" // the provider documents no way to delete it
	Failed       Status = "FAILED"        // the provider could not be asked, or refused: asked again later
)

// Deletion is what a provider did with one reference we hold there.
type Deletion struct {
	Provider  string
	Reference string
	Status    Status
	Error     string // why it FAILED, or why it is NOT_SUPPORTED
}

// Made is what a verification made at a provider: the reference its
// attempt holds, and the verification's id and start (what the provider
// was given as external_id, and when).
type Made struct {
	Verification string
	StartedAt    time.Time
	Reference    string
}

// Eraser deletes at one provider what a verification made there, each
// reference it finds with its own Deletion (a Palenca account and its
// user, a Belvo link). A reference the provider no longer has is Deleted:
// asking again is safe.
type Eraser interface {
	Erase(ctx context.Context, m Made) []Deletion
}
