package erasure_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
)

func TestID(t *testing.T) {
	id, err := erasure.NewID(bytes.NewReader(make([]byte, 16)))
	if err != nil || id != "era_"+strings.Repeat("a", 26) || !erasure.ValidID(id) || erasure.ValidID("ver_"+strings.Repeat("a", 26)) {
		t.Fatalf("NewID = %q, %v", id, err)
	}
}

func TestPending(t *testing.T) {
	failed := erasure.ProviderMade{Provider: "belvo", Deletions: []erasure.Deletion{{Status: erasure.Deleted}, {Status: erasure.Failed}}}
	done := erasure.ProviderMade{Provider: "td", Deletions: []erasure.Deletion{{Status: erasure.NotSupported}}}
	for _, c := range []struct {
		name string
		r    erasure.Receipt
		want bool
	}{
		{"a failed deletion", erasure.Receipt{Status: erasure.Completed, Tries: 1, Made: []erasure.ProviderMade{done, failed}}, true},
		{"every deletion ended", erasure.Receipt{Status: erasure.Completed, Tries: 1, Made: []erasure.ProviderMade{done}}, false},
		{"still erasing", erasure.Receipt{Status: erasure.Erasing, Tries: 1, Made: []erasure.ProviderMade{failed}}, false},
		{"out of tries", erasure.Receipt{Status: erasure.Completed, Tries: erasure.MaxTries, Made: []erasure.ProviderMade{failed}}, false},
	} {
		if got := c.r.Pending(); got != c.want {
			t.Errorf("%s: Pending = %v", c.name, got)
		}
	}
}

func TestHasher(t *testing.T) {
	h, other := erasure.Hasher{Key: []byte("key one")}, erasure.Hasher{Key: []byte("key two")}
	const curp = "GOMC850101HDFRRL09"
	p := h.Person(curp)
	if len(p) != 32 || strings.Contains(p, curp) || p != h.Person(curp) {
		t.Fatalf("Person = %q", p)
	}
	if p == other.Person(curp) || p == h.Gone(curp) || p == h.Person("GOMC850101HDFRRL08") {
		t.Error("a hash does not depend on its key, its kind or its value")
	}
}
