package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// TestCanonical: the caller's list, a provider's shared one, is left as it
// is.
func TestCanonical(t *testing.T) {
	names := []string{"x-api-key", "authorization"}
	got := httpapi.Canonical(names...)
	if !slices.Equal(got, []string{"X-Api-Key", "Authorization"}) || !slices.Equal(names, []string{"x-api-key", "authorization"}) {
		t.Errorf("Canonical = %v, the caller's list now %v", got, names)
	}
}

// TestFromSources: an address outside the list is refused 403 before the
// handler runs; an address inside it, or any with an empty list, reaches
// it.
func TestFromSources(t *testing.T) {
	pomelo, err := allowlist.Parse("34.226.254.178,44.198.3.59")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		list    allowlist.List
		remote  string
		status  int
		reached bool
	}{
		{"listed", pomelo, "34.226.254.178:443", 200, true},
		{"listed, no port (Lambda's sourceIp)", pomelo, "44.198.3.59", 200, true},
		{"not listed", pomelo, "203.0.113.10:443", 403, false},
		{"unreadable", pomelo, "", 403, false},
		{"no list", allowlist.List{}, "203.0.113.10:443", 200, true},
	} {
		reached := false
		h := httpapi.FromSources(tc.list, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
		r := httptest.NewRequest("POST", "/transactions/authorizations", strings.NewReader("{}"))
		r.RemoteAddr = tc.remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.status || reached != tc.reached || tc.status == 403 && !strings.Contains(w.Body.String(), `"SOURCE_NOT_ALLOWED"`) {
			t.Errorf("%s: %d %s, reached %v; want %d, reached %v", tc.name, w.Code, w.Body, reached, tc.status, tc.reached)
		}
	}
}
