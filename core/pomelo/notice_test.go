package pomelo_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// The notifications' fixtures are built from the field examples of
// Pomelo's document (004), which shows its bodies as field lists rather than
// JSON; the shipping update's signature is shared/testvectors' known answer.
const (
	apiKey      = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	apiSecret   = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
	shippingSig = "hmac-sha256 xCf4yKVHnZJtt02eOLU6KR9/JCGwUGzBiAGlDrK2OQY="
)

func fixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimSuffix(string(b), "\n"))
}

func scheme(t *testing.T) pomelo.Scheme {
	keys, err := signature.ParseCredentials(apiKey + ":" + apiSecret)
	if err != nil {
		t.Fatal(err)
	}
	return pomelo.Scheme{Verifier: signature.Verifier{Keys: keys}}
}

func TestScheme(t *testing.T) {
	body := fixture(t, "shipping-update.json")
	header := func(edit func(http.Header)) http.Header {
		h := http.Header{"X-Api-Key": {apiKey}, "X-Signature": {shippingSig}, "X-Timestamp": {"1637117179"}, "X-Endpoint": {"/shipping/updates"}}
		if edit != nil {
			edit(h)
		}
		return h
	}
	at := time.Unix(1637117179, 0)
	for _, tc := range []struct {
		name string
		d    inbound.Delivery
		now  time.Time
		want error
		code string
	}{
		{"signed", inbound.Delivery{Called: "/shipping/updates", Header: header(nil), Body: body}, at, nil, ""},
		{"body", inbound.Delivery{Called: "/shipping/updates", Header: header(nil), Body: append(body, ' ')}, at, signature.ErrNoMatch, signature.CodeNoMatch},
		{"endpoint", inbound.Delivery{Called: "/shipping/updates", Header: header(func(h http.Header) { h.Set("X-Endpoint", "/other") }), Body: body}, at, signature.ErrEndpointMismatch, signature.CodeEndpointMismatch},
		{"stale", inbound.Delivery{Called: "/shipping/updates", Header: header(nil), Body: body}, at.Add(61 * time.Second), signature.ErrTooOld, signature.CodeTooOld},
		{"unknown key", inbound.Delivery{Called: "/shipping/updates", Header: header(func(h http.Header) { h.Set("X-Api-Key", "k") }), Body: body}, at, signature.ErrUnknownKey, signature.CodeUnknownKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := scheme(t).Authenticate(tc.d, tc.now)
			if !errors.Is(err, tc.want) || err != nil && string(inbound.CodeOf(err)) != tc.code {
				t.Errorf("err = %v (code %s), want %v", err, inbound.CodeOf(err), tc.want)
			}
			if err == nil && (p.Auth != "pomelo-hmac-sha256" || len(p.Headers) != 4) {
				t.Errorf("proof = %+v", p)
			}
		})
	}
}

func TestNames(t *testing.T) {
	shipping := fixture(t, "shipping-update.json")
	for _, tc := range []struct {
		name  string
		namer func([]byte) (inbound.Name, error)
		body  []byte
		want  inbound.Name
	}{
		{"activity", pomelo.NameActivity, fixture(t, "activity-created.json"), inbound.NameOf("ACTIVITY_CREATED", true, "act-20I2tIqG3buTsvHKKORrtY2MkFH")},
		{"unknown activity type", pomelo.NameActivity, []byte(`{"type":"ACTIVITY_DELETED","idempotency_key":"k"}`), inbound.NameOf("ACTIVITY_DELETED", false, "k")},
		{"identity", pomelo.NameIdentity, fixture(t, "identity-session-completed.json"), inbound.NameOf("identity-session-completed", true, "27Ky00tAZ0Rdi7G2Vt9iino8AYs")},
		{"shipping", pomelo.NameShipping, shipping, inbound.NameOf("shipping_update", true, "shi-20VphpUWbbGm0Nwo8DMqsFBJgYv", inbound.BodySum(shipping))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.namer(tc.body)
			if err != nil || got.Type != tc.want.Type || got.Key != tc.want.Key || got.Known != tc.want.Known || len(got.Parts) != len(tc.want.Parts) {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{`{"type":"ACTIVITY_CREATED"}`, `{"type":7,"idempotency_key":"k"}`, `{"type":"A","idempotency_key":"k","type":"B"}`} {
		if _, err := pomelo.NameActivity([]byte(bad)); !errors.Is(err, inbound.ErrPayload) {
			t.Errorf("NameActivity(%s) err = %v", bad, err)
		}
	}
}

type shipments map[string]string

func (s shipments) Shipment(_ context.Context, id string) ([]byte, error) {
	if d, ok := s[id]; ok {
		return []byte(d), nil
	}
	return nil, errors.New("no such shipment")
}

func TestKeep(t *testing.T) {
	received := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	r, err := pomelo.KeepActivity(context.Background(), fixture(t, "activity-created.json"), received)
	if err != nil || r.Kind != pomelo.KindActivity || r.ID != "atx-200mVjWAnL8tD4vlG3fexiQeWvN" ||
		!r.Version.Equal(time.Date(2021, 12, 31, 23, 59, 59, 999e6, time.UTC)) || !strings.Contains(string(r.Data), `"total_amount":"1200.15"`) {
		t.Errorf("KeepActivity = %+v, %v", r, err)
	}
	r, err = pomelo.KeepIdentity(context.Background(), fixture(t, "identity-session-completed.json"), received)
	if err != nil || r.ID != "iss-27KxRhP9YB4ouoyt6a5vVJlY9fR" || !r.Version.Equal(received) ||
		string(r.Data) != `{"session_id":"iss-27KxRhP9YB4ouoyt6a5vVJlY9fR","status":"CANCELLED","event_id":"identity-session-completed"}` {
		t.Errorf("KeepIdentity = %+v (%s), %v", r, r.Data, err)
	}
	fetched := time.Date(2026, 12, 4, 11, 0, 0, 0, time.UTC)
	k := pomelo.ShipmentKeeper{API: shipments{"shi-20VphpUWbbGm0Nwo8DMqsFBJgYv": `{"id":"shi-20VphpUWbbGm0Nwo8DMqsFBJgYv"}`}, Now: func() time.Time { return fetched }}
	r, err = k.Keep(context.Background(), fixture(t, "shipping-update.json"), received)
	if err != nil || r.Kind != pomelo.KindShipment || !r.Version.Equal(fetched) || string(r.Data) != `{"id":"shi-20VphpUWbbGm0Nwo8DMqsFBJgYv"}` {
		t.Errorf("ShipmentKeeper.Keep = %+v, %v", r, err)
	}
	if _, err := k.Keep(context.Background(), []byte(`{"shipment_id":"shi-other"}`), received); err == nil {
		t.Error("a shipment the API does not know was kept")
	}
}

// FuzzNotices: naming and decoding any body never panics and fails only
// with ErrPayload.
func FuzzNotices(f *testing.F) {
	for _, name := range []string{"activity-created.json", "identity-session-completed.json", "shipping-update.json"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, namer := range []func([]byte) (inbound.Name, error){pomelo.NameActivity, pomelo.NameIdentity, pomelo.NameShipping} {
			n, err := namer(body)
			if err == nil && (n.Type == "" || n.Key == "") || err != nil && !errors.Is(err, inbound.ErrPayload) {
				t.Fatalf("name(%q) = %+v, %v", body, n, err)
			}
		}
		for _, keep := range []func(context.Context, []byte, time.Time) (inbound.Record, error){pomelo.KeepActivity, pomelo.KeepIdentity} {
			if _, err := keep(context.Background(), body, time.Time{}); err != nil && !errors.Is(err, inbound.ErrPayload) {
				t.Fatalf("keep(%q) err = %v", body, err)
			}
		}
	})
}
