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
		{"finished, retention over", ptr(idempotency.Finish("k", fp, 200, nil, now.Add(-25*time.Hour), 24*time.Hour)), fp, idempotency.Run},
		{"in transit", ptr(idempotency.Claim("k", fp, now.Add(-2*time.Minute))), fp, idempotency.TooEarly},
		{"in transit, other body", ptr(idempotency.Claim("k", fp, now.Add(-2*time.Minute))), other, idempotency.Conflict},
		{"in transit, holder died", ptr(idempotency.Claim("k", fp, now.Add(-3*time.Minute))), fp, idempotency.Run},
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

func TestState(t *testing.T) {
	for _, s := range []idempotency.State{idempotency.InTransit, idempotency.Finished} {
		if got, err := idempotency.ParseState(s.String()); err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := idempotency.ParseState("done"); err == nil {
		t.Error("ParseState accepted an unknown state")
	}
}

func ExampleEvaluate() {
	now := time.Unix(1_800_000_000, 0)
	fp := idempotency.FingerprintOf("/transactions/authorizations", []byte(`{"transaction":{"id":"ctx-1"}}`))
	claim := idempotency.Claim("key-1", fp, now)
	done := idempotency.Finish("key-1", fp, 200, []byte(`{"status":"APPROVED"}`), now, idempotency.DefaultRetention)
	other := idempotency.FingerprintOf("/transactions/authorizations", []byte(`{"transaction":{"id":"ctx-2"}}`))

	fmt.Println(idempotency.Evaluate(nil, fp, now) == idempotency.Run)
	fmt.Println(idempotency.Evaluate(&claim, fp, now.Add(time.Second)) == idempotency.TooEarly)
	fmt.Println(idempotency.Evaluate(&claim, fp, now.Add(idempotency.InTransitTTL)) == idempotency.Run)
	fmt.Println(idempotency.Evaluate(&done, fp, now.Add(time.Hour)) == idempotency.Replay)
	fmt.Println(idempotency.Evaluate(&done, other, now.Add(time.Hour)) == idempotency.Conflict)
	// Output:
	// true
	// true
	// true
	// true
	// true
}
