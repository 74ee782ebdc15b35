package webhook

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
)

func TestIDOf(t *testing.T) {
	a := IDOf("td", "1", "OK")
	if a != IDOf("td", "1", "OK") || len(a) != 28 || !strings.HasPrefix(a, "evt_") {
		t.Errorf("IDOf = %s", a)
	}
	// One namespace per route, and no separator inside a part makes two
	// keys one.
	for _, other := range []string{
		IDOf("belvo", "1", "OK"), IDOf("pomelo/identity", "1", "OK"),
		IDOf("td", "1:OK"), IDOf("td", "1:", "OK"), IDOf("td", "1", ":OK"), IDOf("td", "1", "OK", ""), IDOf("td1", "OK"),
	} {
		if other == a {
			t.Errorf("IDOf collides: %s", other)
		}
	}
}

// TestKeptHeaders: a header longer than MaxHeader is kept cut on a
// character boundary and marked, never refused; the query is kept only
// when a sign covers it.
func TestKeptHeaders(t *testing.T) {
	long := strings.Repeat("é", MaxHeader)
	d := inbound.Delivery{Called: "/webhooks/td?sign=x", Header: http.Header{"Content-Type": {long}, "X-Sig": {"short"}}}
	h := keptHeaders(d, inbound.Proof{Headers: []string{"X-Sig"}, Sign: []byte{1}})
	ct := h["Content-Type"]
	if len(ct) > MaxHeader || !utf8.ValidString(ct) || !strings.HasSuffix(ct, truncated) || h["X-Sig"] != "short" || h["query"] != "sign=x" {
		t.Errorf("kept %d bytes %q..., %v", len(ct), ct[:8], h)
	}
	if err := CheckEvent(Event{Type: "t", Headers: h}); err != nil {
		t.Errorf("CheckEvent refuses the kept headers: %v", err)
	}
	if _, ok := keptHeaders(d, inbound.Proof{})["query"]; ok {
		t.Error("the query was kept without a sign covering it")
	}
}
