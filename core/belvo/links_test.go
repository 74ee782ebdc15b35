package belvo_test

import (
	"errors"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
)

func TestFindLink(t *testing.T) {
	for _, tc := range []struct {
		body, want string
		err        error
	}{
		{`{"count":2,"next":null,"results":[{"id":"l1","external_id":"ver_a"},{"id":"l2","external_id":"ver_b"}]}`, "l2", nil},
		{`{"count":0,"next":null,"results":[]}`, "", nil},
		{`{"results":[{"id":"l1","external_id":"ver_a"}]}`, "", nil},
		{`{"results":null}`, "", inbound.ErrPayload},
		{`{"results":[{"id":1,"external_id":"ver_b"}]}`, "", inbound.ErrPayload},
		{`{"results":[],"results":[]}`, "", inbound.ErrPayload},
	} {
		got, err := belvo.FindLink([]byte(tc.body), "ver_b")
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("FindLink(%s) = %q, %v; want %q, %v", tc.body, got, err, tc.want, tc.err)
		}
	}
}

// FuzzFindLink: any answer is read or refused with ErrPayload, never a
// panic.
func FuzzFindLink(f *testing.F) {
	f.Add([]byte(`{"count":1,"next":null,"results":[{"id":"l2","external_id":"ver_b"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := belvo.FindLink(b, "ver_b"); err != nil && !errors.Is(err, inbound.ErrPayload) {
			t.Fatalf("FindLink: %v", err)
		}
	})
}
