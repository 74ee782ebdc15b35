package storable_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/storable"
)

func TestMaxIDFitsKeys(t *testing.T) {
	if 2*storable.MaxID+storable.KeyPrefixBytes > storable.SortKeyBytes {
		t.Errorf("two identifiers of %d bytes and %d of prefixes exceed a %d-byte sort key", storable.MaxID, storable.KeyPrefixBytes, storable.SortKeyBytes)
	}
	// The longest prefix any layout uses today: the entries index's sort key.
	longest := len("2006-01-02T15:04:05.000000000Z" + "#" + "ADJ_CREDIT" + "#")
	if longest > storable.KeyPrefixBytes {
		t.Errorf("a %d-byte prefix exceeds KeyPrefixBytes", longest)
	}
}

func TestCheckID(t *testing.T) {
	for _, tc := range []struct {
		n  int
		ok bool
	}{{0, true}, {1, true}, {storable.MaxID, true}, {storable.MaxID + 1, false}, {3000, false}} {
		err := storable.CheckID("user id", strings.Repeat("u", tc.n))
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, storable.ErrInvalid) {
			t.Errorf("CheckID of %d bytes = %v", tc.n, err)
		}
		if !tc.ok && !strings.Contains(err.Error(), "user id is ") {
			t.Errorf("error %q does not name the identifier", err)
		}
	}
}
