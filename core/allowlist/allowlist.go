// Package allowlist says whether a request's source address is one a route
// accepts: Pomelo calls only from the addresses it publishes, and the
// fintech's side may refuse every other before reading anything.
package allowlist

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Pomelo's source addresses as its document lists them ("Pomelo IPs
// whitelist"), by environment.
var (
	PomeloSandbox    = []string{"34.226.254.178", "44.198.3.59"}
	PomeloProduction = []string{"34.206.159.176", "52.0.20.124"}
)

// ErrSyntax reports a list entry that is neither an address nor a prefix.
var ErrSyntax = errors.New("allowlist: not an IP address or CIDR prefix")

// List is a set of addresses and prefixes. The zero List is empty: it
// allows every address (the check is off).
type List struct {
	prefixes []netip.Prefix
}

// Parse reads a comma-separated list of IP addresses ("34.226.254.178")
// and CIDR prefixes ("10.0.0.0/8"), IPv4 or IPv6; spaces around entries are
// ignored, and an empty text is the empty List. A bad entry is ErrSyntax,
// naming it.
func Parse(text string) (List, error) {
	var l List
	for _, entry := range strings.Split(text, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			a, aerr := netip.ParseAddr(entry)
			if aerr != nil || a.Zone() != "" {
				return List{}, fmt.Errorf("%w: %q", ErrSyntax, entry)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		l.prefixes = append(l.prefixes, p.Masked())
	}
	return l, nil
}

// Empty reports whether the list has no entry: the check is off.
func (l List) Empty() bool { return len(l.prefixes) == 0 }

// Allows reports whether addr (an address, or "address:port" as
// http.Request.RemoteAddr holds it) is in the list; an empty list allows
// everything, and an address that cannot be read is refused by a non-empty
// one.
func (l List) Allows(addr string) bool {
	if l.Empty() {
		return true
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		ap, perr := netip.ParseAddrPort(addr)
		if perr != nil {
			return false
		}
		a = ap.Addr()
	}
	a = a.Unmap()
	for _, p := range l.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// String is the list as Parse reads it.
func (l List) String() string {
	s := make([]string, len(l.prefixes))
	for i, p := range l.prefixes {
		if p.IsSingleIP() {
			s[i] = p.Addr().String()
		} else {
			s[i] = p.String()
		}
	}
	return strings.Join(s, ",")
}
