package diagnosis

import (
	"strconv"
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
			writeCode(&b, "0x", rune(s[i]), 2)
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
			writeCode(&b, "0x", r, 2)
		case r >= utf8.RuneSelf:
			b.WriteRune(r)
			writeCode(&b, "U+", r, 4)
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

// writeCode writes ⟨prefix + r in upper-case hex, at least width digits⟩.
func writeCode(b *strings.Builder, prefix string, r rune, width int) {
	h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
	b.WriteString("⟨" + prefix + strings.Repeat("0", max(0, width-len(h))) + h + "⟩")
}
