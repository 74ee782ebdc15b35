package webhooksapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/td"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// TestErasedDropped: with an erasure key set, a push naming a reference an
// erasure marked is acknowledged and kept DROPPED, without its body, its
// headers or the provider's identifier, and is never processed; its
// repeat is a duplicate; a push naming anything else is kept as ever.
func TestErasedDropped(t *testing.T) {
	store, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	c := apitest.WebhookSettings("http://127.0.0.1:1")
	c.Erasure.Key = strings.Repeat("e", 32)
	s := apitest.NewWebhooks(t, store, &c)
	h := erasure.Hasher{Key: []byte(c.Erasure.Key)}
	r := erasure.Receipt{ID: "era_" + strings.Repeat("a", 26), PersonHash: h.Person("HEGG560427MVZRRL04"), At: time.Now(), Status: erasure.Completed}
	gone := []string{h.Gone(inbound.Subject(td.Provider, "17000000erased"))}
	if err := store.Begin(context.Background(), erasure.Tombstone{PersonHash: r.PersonHash}, r, gone); err != nil {
		t.Fatal(err)
	}

	late := webhooksim.Body(webhooksim.TD, "erased", 1)
	for i := range 2 {
		time.Sleep(2 * time.Millisecond) // TD signs the millisecond: a sign of its own for each
		xs, err := s.Sender.Deliver(context.Background(), webhooksim.TD, late)
		if err != nil || len(xs) != 1 || xs[0].Status != 200 {
			t.Fatalf("delivery %d: %v %+v", i, err, xs)
		}
	}
	time.Sleep(2 * time.Millisecond)
	if xs, err := s.Sender.Deliver(context.Background(), webhooksim.TD, webhooksim.Body(webhooksim.TD, "kept", 1)); err != nil || xs[0].Status != 200 {
		t.Fatalf("another push: %v %+v", err, xs)
	}
	s.Drain(t)
	_, dropped := s.Events(t, "?status=DROPPED")
	_, kept := s.Events(t, "?status=RECEIVED") // no verify function takes it here
	if len(dropped.Events) != 1 || len(kept.Events) != 1 {
		t.Fatalf("dropped %+v, kept %+v", dropped.Events, kept.Events)
	}
	if e := dropped.Events[0]; e.DedupeKey != "" || e.Attempts != 0 || e.Provider != "td" {
		t.Errorf("dropped: %+v", e)
	}
	res, err := http.Get(s.URL + "/webhooks/events/" + dropped.Events[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(b), "17000000erased") || strings.Contains(string(b), "CAPITAL ARRECIFE") || strings.Contains(string(b), "David") {
		t.Errorf("the dropped event keeps what the push said: %s", b)
	}
	var outcomes []string
	for _, l := range s.Logs.Lines(t) {
		if l["route"] == "POST /webhooks/td" {
			outcomes = append(outcomes, l["outcome"].(string))
		}
	}
	if strings.Join(outcomes, ",") != "dropped,replayed,received" {
		t.Errorf("outcomes %v", outcomes)
	}
}
