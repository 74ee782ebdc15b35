package palenca_test

import (
	"errors"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
)

func TestFindUser(t *testing.T) {
	page := `{"success":true,"error":null,"data":{"users":[{"user_id":"u1","external_id":null},{"user_id":"u2","external_id":"ver_b"},` +
		`{"user_id":"u3","external_id":"ver_b"}]},"pagination":{"page":1,"items_per_page":100,"total_items":3,"total_pages":4}}`
	for _, tc := range []struct {
		body, ext string
		want      palenca.Users
		err       error
	}{
		{page, "ver_b", palenca.Users{UserID: "u2", Pages: 4}, nil},
		{page, "ver_z", palenca.Users{Pages: 4}, nil},
		{`{"data":{"users":[]}}`, "ver_b", palenca.Users{}, nil},
		{`{"data":{"users":{}}}`, "ver_b", palenca.Users{}, inbound.ErrPayload},
		{`{"data":{"users":[{"user_id":7}]}}`, "ver_b", palenca.Users{}, inbound.ErrPayload},
		{`{"data":{"users":[]},"data":{}}`, "ver_b", palenca.Users{}, inbound.ErrPayload},
		{`[]`, "ver_b", palenca.Users{}, inbound.ErrPayload},
	} {
		got, err := palenca.FindUser([]byte(tc.body), tc.ext)
		if !errors.Is(err, tc.err) || err == nil && got != tc.want {
			t.Errorf("FindUser(%s, %s) = %+v, %v; want %+v, %v", tc.body, tc.ext, got, err, tc.want, tc.err)
		}
	}
}

func TestFindAccount(t *testing.T) {
	body := `{"data":{"user_id":"u2","accounts":[{"account_id":"a1","platform":"imss"},{"account_id":"a2","platform":"issste"}]}}`
	for _, tc := range []struct{ platform, want string }{{"imss", "a1"}, {"issste", "a2"}, {"uber", ""}} {
		if got, err := palenca.FindAccount([]byte(body), tc.platform); err != nil || got != tc.want {
			t.Errorf("FindAccount(%s) = %q, %v; want %q", tc.platform, got, err, tc.want)
		}
	}
	if _, err := palenca.FindAccount([]byte(`{"data":{"accounts":"a1"}}`), "imss"); !errors.Is(err, inbound.ErrPayload) {
		t.Errorf("accounts not a list: %v", err)
	}
}

// FuzzFindUser: any answer is read or refused with ErrPayload, never a
// panic.
func FuzzFindUser(f *testing.F) {
	f.Add([]byte(`{"data":{"users":[{"user_id":"u2","external_id":"ver_b"}]},"pagination":{"total_pages":2}}`))
	f.Add([]byte(`{"data":{"accounts":[{"account_id":"a1","platform":"imss"}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := palenca.FindUser(b, "ver_b"); err != nil && !errors.Is(err, inbound.ErrPayload) {
			t.Fatalf("FindUser: %v", err)
		}
		if _, err := palenca.FindAccount(b, "imss"); err != nil && !errors.Is(err, inbound.ErrPayload) {
			t.Fatalf("FindAccount: %v", err)
		}
	})
}
