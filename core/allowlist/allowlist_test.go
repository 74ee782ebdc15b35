package allowlist_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
)

func TestAllows(t *testing.T) {
	pomelo, err := allowlist.Parse(strings.Join(allowlist.PomeloSandbox, ", ") + ",10.1.0.0/16, 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"34.226.254.178", true},
		{"44.198.3.59:443", true},           // RemoteAddr's form
		{"::ffff:34.226.254.178", true},     // IPv4 mapped into IPv6
		{"[::ffff:44.198.3.59]:8080", true}, // and with a port
		{"34.226.254.179", false},           // the next address
		{"34.206.159.176", false},           // production's, not sandbox's
		{"10.1.255.255", true},              // inside the prefix
		{"10.2.0.1", false},                 // outside it
		{"2001:db8:1::5", true},             // IPv6 prefix
		{"[2001:db9::1]:1", false},          // outside it
		{"", false},                         // unreadable: refused
		{"pomelo.example", false},           // a name is not an address
		{"34.226.254.178%eth0", false},      // a zone is not an address
		{"34.226.254.178:notaport", false},
	} {
		if got := pomelo.Allows(tc.addr); got != tc.want {
			t.Errorf("Allows(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	if got := pomelo.String(); got != "34.226.254.178,44.198.3.59,10.1.0.0/16,2001:db8::/32" {
		t.Errorf("String = %q", got)
	}
}

func TestEmptyAllowsEverything(t *testing.T) {
	for _, text := range []string{"", " ", ",", " , "} {
		l, err := allowlist.Parse(text)
		if err != nil || !l.Empty() || !l.Allows("198.51.100.7") || !l.Allows("") {
			t.Errorf("Parse(%q) = %v, %v: want an empty list allowing everything", text, l, err)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, text := range []string{"34.226.254", "34.226.254.178/33", "any", "34.226.254.178,*", "fe80::1%eth0", "1.2.3.4:80"} {
		if _, err := allowlist.Parse(text); !errors.Is(err, allowlist.ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want ErrSyntax", text, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"34.226.254.178,44.198.3.59", "10.0.0.0/8", "::1", " , ", "1.2.3.4/32,::ffff:1.2.3.4"} {
		f.Add(s, "34.226.254.178")
	}
	f.Fuzz(func(t *testing.T, text, addr string) {
		l, err := allowlist.Parse(text)
		if err != nil {
			return
		}
		again, err := allowlist.Parse(l.String())
		if err != nil || again.String() != l.String() {
			t.Fatalf("String %q does not parse back: %v", l.String(), err)
		}
		if l.Allows(addr) != again.Allows(addr) {
			t.Fatalf("%q and its String disagree on %q", text, addr)
		}
	})
}
