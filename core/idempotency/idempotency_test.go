package idempotency_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
)

func TestEvaluate(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	fp := idempotency.FingerprintOf("/transactions/authorizations", []byte(`{"a":1}`))
	other := idempotency.FingerprintOf("/transactions/authorizations", []byte(`{"a":2}`))
	finished := idempotency.Finish("k", fp, 200, []byte("ok"), now.Add(-time.Hour), idempotency.DefaultRetention)
	for _, tc := range []struct {
		name     string
		existing *idempotency.Record
		fp       idempotency.Fingerprint
		want     idempotency.Verdict
	}{
		{"first sight", nil, fp, idempotency.Run},
		{"finished duplicate", &finished, fp, idempotency.Replay},
		{"finished, other body", &finished, other, idempotency.Conflict},
		{"finished, other endpoint", &finished, idempotency.FingerprintOf("/transactions/adjustments/credit", []byte(`{"a":1}`)), idempotency.Conflict},
		{"last instant of retention", ptr(idempotency.Finish("k", fp, 200, nil, now.Add(-24*time.Hour+time.Nanosecond), 24*time.Hour)), fp, idempotency.Replay},
		{"finished, retention over", ptr(idempotency.Finish("k", fp, 200, nil, now.Add(-25*time.Hour), 24*time.Hour)), fp, idempotency.Run},
	} {
		if got := idempotency.Evaluate(tc.existing, tc.fp, now); got != tc.want {
			t.Errorf("%s: Evaluate = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func ptr(r idempotency.Record) *idempotency.Record { return &r }

func TestFingerprint(t *testing.T) {
	a := idempotency.FingerprintOf("/a", []byte("b"))
	// The endpoint and the body are kept apart: moving a byte across them
	// makes another request.
	if a == idempotency.FingerprintOf("/ab", nil) || a == idempotency.FingerprintOf("/a", []byte("b ")) {
		t.Error("fingerprints collide")
	}
	if a != idempotency.FingerprintOf("/a", []byte("b")) {
		t.Error("fingerprint is not deterministic")
	}
}

func TestCheckKey(t *testing.T) {
	if err := idempotency.CheckKey(""); !errors.Is(err, idempotency.ErrMissingKey) {
		t.Errorf("empty key: %v", err)
	}
	if err := idempotency.CheckKey(strings.Repeat("k", idempotency.MaxKeyLen+1)); !errors.Is(err, idempotency.ErrKeyTooLong) {
		t.Errorf("long key: %v", err)
	}
	for _, k := range []string{"a b", "ключ", "a\x00", "a\n"} {
		if err := idempotency.CheckKey(k); !errors.Is(err, idempotency.ErrKeyInvalid) {
			t.Errorf("key %q: %v, want ErrKeyInvalid", k, err)
		}
	}
	if err := idempotency.CheckKey("6f1c0e0a-4a43-4a53-9d0e-3c5b1f0e8e41"); err != nil {
		t.Errorf("uuid key: %v", err)
	}
}

// ExampleEvaluate follows one key through its life: Pomelo sends a purchase,
// retries it after a lost answer, reuses the key by mistake for another
// purchase, and sends the first again after the answer's retention.
func ExampleEvaluate() {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	purchase := idempotency.FingerprintOf("/transactions/authorizations", []byte(`{"transaction":{"id":"ctx-1"}}`))
	another := idempotency.FingerprintOf("/transactions/authorizations", []byte(`{"transaction":{"id":"ctx-2"}}`))

	fmt.Println("first sight:", idempotency.Evaluate(nil, purchase, start))
	// The purchase ran; its answer is stored under its key.
	answer := idempotency.Finish("key-1", purchase, 200, []byte(`{"status":"APPROVED"}`), start, idempotency.DefaultRetention)
	fmt.Println("retry a second later:", idempotency.Evaluate(&answer, purchase, start.Add(time.Second)))
	fmt.Println("same key, another body:", idempotency.Evaluate(&answer, another, start.Add(time.Minute)))
	fmt.Println("retry after 25 hours:", idempotency.Evaluate(&answer, purchase, start.Add(25*time.Hour)))
	// Output:
	// first sight: run
	// retry a second later: replay
	// same key, another body: conflict
	// retry after 25 hours: run
}
