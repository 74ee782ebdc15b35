package envelope_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/envelope"
	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

var t0 = time.Unix(1_800_000_000, 0)

// store keeps records and effects (here: names of events) in memory; fail,
// when set, decides each Commit first.
type store struct {
	mu      sync.Mutex
	records map[string]idempotency.Record
	effects []string
	fail    func(effect string) error
}

func newStore() *store { return &store{records: make(map[string]idempotency.Record)} }

func (s *store) Commit(ctx context.Context, rec idempotency.Record, effect string) error {
	if s.fail != nil {
		if err := s.fail(effect); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.records[rec.Key]; ok && idempotency.Blocks(old, rec.CreatedAt) {
		return &idempotency.HeldError{Record: old}
	}
	s.records[rec.Key] = rec
	if effect != "" {
		s.effects = append(s.effects, effect)
	}
	return nil
}

func open(t *testing.T, v *envelope.Envelope[string], key, body string) *envelope.Exchange[string] {
	t.Helper()
	x := v.Open(envelope.Signer{})
	if err := x.Key(key, "/events", []byte(body)); err != nil {
		t.Fatal(err)
	}
	return &x
}

func TestExchange(t *testing.T) {
	s := newStore()
	v := envelope.New[string](s, func() time.Time { return t0 }, 0)
	ctx := context.Background()

	x := open(t, v, "k-1", `{"id":1}`)
	if err := x.Commit(ctx, 201, []byte(`{"ok":true}`), "event 1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		key, body  string
		wantStatus int
		wantResult outcome.Result
		wantBody   string
	}{
		{"duplicate gets the stored answer", "k-1", `{"id":1}`, 201, outcome.Replayed, `{"ok":true}`},
		{"another body under the key", "k-1", `{"id":2}`, 409, outcome.Conflict,
			`{"error":{"code":"IDEMPOTENCY_KEY_REUSED","message":"the idempotency key was already used for a different request; nothing was done"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := open(t, v, tc.key, tc.body)
			err := x.Commit(ctx, 201, []byte(`{"ok":"again"}`), "event again")
			res, ok := x.Refused(err)
			if !ok || res.Status != tc.wantStatus || res.Outcome.Result != tc.wantResult || string(res.Body) != tc.wantBody {
				t.Errorf("Refused(%v) = %d %s %s, %v; want %d %s %s", err, res.Status, res.Outcome.Result, res.Body, ok, tc.wantStatus, tc.wantResult, tc.wantBody)
			}
		})
	}
	if len(s.effects) != 1 {
		t.Errorf("effects = %v, want the first only", s.effects)
	}

	t.Run("busy key is too early, in the route's shape", func(t *testing.T) {
		x := open(t, v, "k-2", `{}`)
		x.TooEarly = []byte(`{"status":"REJECTED"}`)
		res, ok := x.Refused(errors.Join(errors.New("dynamo"), idempotency.ErrBusy))
		if !ok || res.Status != 425 || string(res.Body) != `{"status":"REJECTED"}` || res.Outcome.Result != outcome.TooEarly {
			t.Errorf("got %d %s %s, %v", res.Status, res.Body, res.Outcome.Result, ok)
		}
	})
	t.Run("other failures are the caller's to settle", func(t *testing.T) {
		x := open(t, v, "k-3", `{}`)
		if _, ok := x.Refused(errors.New("connection reset")); ok {
			t.Fatal("Refused took a store failure")
		}
		res := x.Unavailable(errors.New("connection reset"))
		if res.Status != 503 || res.Outcome.Result != outcome.SystemError || res.Outcome.Error != "connection reset" {
			t.Errorf("Unavailable = %d %+v", res.Status, res.Outcome)
		}
	})
	t.Run("bad keys", func(t *testing.T) {
		for _, key := range []string{"", "a b", string(make([]byte, idempotency.MaxKeyLen+1))} {
			if x := v.Open(envelope.Signer{}); x.Key(key, "/events", nil) == nil {
				t.Errorf("Key(%q) accepted", key)
			}
		}
	})
}

func TestFence(t *testing.T) {
	ctx := context.Background()
	t.Run("records its answer so that a late write cannot land", func(t *testing.T) {
		s := newStore()
		v := envelope.New[string](s, func() time.Time { return t0 }, 0)
		x := open(t, v, "k-1", `{}`)
		res := x.Fence(ctx, outcome.Rejected, 200, []byte("declined"))
		if res.Status != 200 || string(res.Body) != "declined" || res.Outcome.Result != outcome.Rejected {
			t.Errorf("Fence = %d %s %s", res.Status, res.Body, res.Outcome.Result)
		}
		late := open(t, v, "k-1", `{}`)
		var held *idempotency.HeldError
		if err := late.Commit(ctx, 200, []byte("approved"), "debit"); !errors.As(err, &held) || len(s.effects) != 0 {
			t.Errorf("late write: %v, effects %v", err, s.effects)
		}
	})
	t.Run("answers what the late write recorded", func(t *testing.T) {
		s := newStore()
		v := envelope.New[string](s, func() time.Time { return t0 }, 0)
		open(t, v, "k-1", `{}`).Commit(ctx, 200, []byte("approved"), "debit")
		res := open(t, v, "k-1", `{}`).Fence(ctx, outcome.Rejected, 200, []byte("declined"))
		if string(res.Body) != "approved" || res.Outcome.Result != outcome.Replayed {
			t.Errorf("Fence = %s %s, want the approval", res.Body, res.Outcome.Result)
		}
	})
	t.Run("retries a failing store", func(t *testing.T) {
		s := newStore()
		failures := 3
		s.fail = func(string) error {
			if failures > 0 {
				failures--
				return errors.New("throttled")
			}
			return nil
		}
		v := envelope.New[string](s, func() time.Time { return t0 }, 0)
		res := open(t, v, "k-1", `{}`).Fence(ctx, outcome.Rejected, 200, []byte("declined"))
		if res.Outcome.Result != outcome.Rejected || res.Outcome.Error != "" || len(s.records) != 1 {
			t.Errorf("Fence = %+v, %d records", res.Outcome, len(s.records))
		}
	})
}

func TestSigning(t *testing.T) {
	const apiKey, apiSecret = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE=", "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
	keys, err := signature.ParseCredentials(apiKey + ":" + apiSecret)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := keys.Secret(apiKey)
	verifier := signature.Verifier{Keys: keys}
	ts := signature.Timestamp(t0)
	h := http.Header{}
	h.Set("x-api-key", apiKey)
	h.Set("x-timestamp", ts)
	h.Set("x-endpoint", "/events")
	h.Set("x-signature", signature.Sign(secret, ts, "/events", []byte("{}")))

	signer, err := envelope.VerifyPomelo(verifier, "/events", h, []byte("{}"), t0)
	if err != nil {
		t.Fatal(err)
	}
	v := envelope.New[string](newStore(), func() time.Time { return t0.Add(time.Second) }, 0)
	signed := v.Open(signer)
	res := signed.Fail(outcome.MalformedPayload, "no id")
	if res.Status != 400 || res.Endpoint != "/events" || res.Timestamp != signature.Timestamp(t0.Add(time.Second)) ||
		res.Signature != signature.Sign(secret, res.Timestamp, "/events", res.Body) {
		t.Errorf("answer %+v is not signed over its body with our clock", res)
	}
	unsigned := v.Open(envelope.Signer{})
	if res := unsigned.Fail(outcome.MalformedPayload, "no id"); res.Signature != "" || res.Timestamp != "" {
		t.Errorf("the zero Signer signed: %+v", res)
	}

	_, err = envelope.VerifyPomelo(verifier, "/events", h, []byte("{ }"), t0)
	res = envelope.Unauthenticated(err)
	if res.Status != 401 || res.Signature != "" || res.Outcome.Error != "SIGNATURE_MISMATCH" {
		t.Errorf("tampered body: %d %s %+v", res.Status, res.Signature, res.Outcome)
	}
}
