package ids_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/ids"
)

func TestIDs(t *testing.T) {
	id, err := ids.New(bytes.NewReader(make([]byte, 16)), "ver_")
	if err != nil || id != "ver_"+strings.Repeat("a", ids.RandomLen) || !ids.Valid(id, "ver_", ids.RandomLen) {
		t.Fatalf("New = %q, %v", id, err)
	}
	if a, _ := ids.New(rand.Reader, "era_"); !ids.Valid(a, "era_", ids.RandomLen) {
		t.Errorf("a random id %q is not valid", a)
	}
	if _, err := ids.New(bytes.NewReader(nil), "era_"); err == nil {
		t.Error("New without randomness succeeded")
	}
	for _, bad := range []string{"", "ver_", "era_" + strings.Repeat("a", 26), "ver_" + strings.Repeat("a", 25), "ver_" + strings.Repeat("a", 27),
		"ver_" + strings.Repeat("A", 26), "ver_" + strings.Repeat("1", 26), "ver_" + strings.Repeat("8", 26), "ver_" + strings.Repeat("=", 26)} {
		if ids.Valid(bad, "ver_", ids.RandomLen) {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
}
