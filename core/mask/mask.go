// Package mask hides the personal data and the credentials of what we show
// people (the events API, logs): in provider bodies, what a verification
// report holds about a person (see byKey); in headers and queries,
// signatures and keys. The data itself is kept
// whole for processing; only what is shown is masked.
package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CURP returns a CURP's first 8 and last 6 characters around "****": the
// birth date and the check digit stay readable for support, the rest not.
// A string too short to be one is masked whole.
func CURP(s string) string {
	if len(s) < 16 {
		return stars(s)
	}
	return s[:8] + "****" + s[len(s)-6:]
}

// NSS returns an NSS's first 4 and last 3 digits around "****".
func NSS(s string) string {
	if len(s) < 9 {
		return stars(s)
	}
	return s[:4] + "****" + s[len(s)-3:]
}

// Name reduces a person's name to its initials: "David HE" is "D. H.".
func Name(s string) string {
	var b strings.Builder
	for _, w := range strings.Fields(s) {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToUpper(r))
		b.WriteByte('.')
	}
	return b.String()
}

// Registration keeps an employer registration's first 3 characters: enough
// to tell two apart in support, not to name the employer.
func Registration(s string) string {
	if len(s) < 6 {
		return stars(s)
	}
	return s[:3] + "****"
}

// Email keeps an address's domain: "b****@avengers.com".
func Email(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return stars(s)
	}
	_, n := utf8.DecodeRuneInString(local)
	return local[:n] + "****@" + domain
}

// Amount hides what someone earned: nothing of it is shown.
func Amount(s string) string { return stars(s) }

// Date hides when someone worked somewhere: nothing of it is shown.
func Date(s string) string { return stars(s) }

// Secret replaces a credential or a signature: nothing of it is shown.
func Secret(string) string { return "[redacted]" }

func stars(s string) string {
	if s == "" {
		return ""
	}
	return "****"
}

// isCURP reports whether s has a CURP's shape: 4 letters, 6 digits, H or M
// (or X), 5 letters, a letter or digit, a digit.
func isCURP(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < 18; i++ {
		c := s[i]
		letter, digit := c >= 'A' && c <= 'Z', c >= '0' && c <= '9'
		switch {
		case i < 4 || i >= 11 && i < 16:
			if !letter {
				return false
			}
		case i < 10 || i == 17:
			if !digit {
				return false
			}
		case i == 10:
			if c != 'H' && c != 'M' && c != 'X' {
				return false
			}
		case i == 16:
			if !letter && !digit {
				return false
			}
		}
	}
	return true
}
