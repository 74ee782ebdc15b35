package signature

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Visible renders a signed message so that every byte that does not show
// can be seen: line feeds as ␊ (then a real line break), carriage returns as
// ␍, tabs as ␉, a byte-order mark as ⟨BOM⟩, other control bytes and invalid
// UTF-8 as ⟨0xNN⟩, non-ASCII characters followed by ⟨U+XXXX⟩, and spaces at
// the end of a line as ·.
func Visible(msg []byte) string {
	var b strings.Builder
	s := string(msg)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "⟨0x%02X⟩", s[i])
		case r == '\uFEFF':
			b.WriteString("⟨BOM⟩")
		case r == '\n':
			b.WriteString("␊\n")
		case r == '\r':
			b.WriteString("␍")
		case r == '\t':
			b.WriteString("␉")
		case r == ' ' && trailingSpace(s[i:]):
			b.WriteString("·")
		case r < 0x20 || r == 0x7F:
			fmt.Fprintf(&b, "⟨0x%02X⟩", r)
		case r >= utf8.RuneSelf:
			fmt.Fprintf(&b, "%c⟨U+%04X⟩", r, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// trailingSpace reports whether s starts a run of spaces that ends a line.
func trailingSpace(s string) bool {
	t := strings.TrimLeft(s, " ")
	return t == "" || t[0] == '\r' || t[0] == '\n'
}
