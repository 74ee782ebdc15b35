package httpapi_test

import (
	"slices"
	"testing"

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
