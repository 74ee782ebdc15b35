package signature

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// bodyVariants returns the body as sent, then the forms a signer commonly
// had instead: re-serialized JSON, other line endings, a BOM.
func bodyVariants(body []byte) []candidate {
	out := []candidate{{body, nil}}
	seen := map[string]bool{string(body): true}
	add := func(b []byte, causes ...Cause) {
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, candidate{b, causes})
		}
	}
	// Framing bytes around the document.
	if t := bytes.TrimRight(body, "\r\n"); len(t) < len(body) {
		add(t, BodyTrailingNewline)
	} else {
		add(append(body[:len(body):len(body)], '\n'), BodyTrailingNewline)
	}
	if t, ok := bytes.CutPrefix(body, bom); ok {
		add(t, BodyBOM)
	} else {
		add(append(append([]byte{}, bom...), body...), BodyBOM)
	}
	if bytes.Contains(body, []byte("\r\n")) {
		add(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), BodyCRLF)
	} else if bytes.Contains(body, []byte("\n")) {
		add(bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n")), BodyCRLF)
	}

	doc, ok := parseJSON(strings.TrimPrefix(string(body), string(bom)))
	if !ok {
		return out
	}
	compact := doc.format(layout{colon: ":", comma: ","})
	add([]byte(compact), BodyCompacted)
	for _, indent := range []string{"  ", "    ", "\t"} {
		p := doc.format(layout{indent: indent, colon: ": ", comma: ","})
		add([]byte(p), BodyPrettyPrinted)
		add([]byte(p+"\n"), BodyPrettyPrinted)
	}
	add([]byte(doc.format(layout{colon: ": ", comma: ", "})), BodySpaced)
	sorted := layout{colon: ":", comma: ",", sortKeys: true}
	add([]byte(doc.format(sorted)), BodyKeyOrder)
	sorted.colon, sorted.comma = ": ", ", "
	add([]byte(doc.format(sorted)), BodyKeyOrder, BodySpaced)
	add([]byte(escapeNonASCII(string(body))), BodyEscapedUnicode)
	add([]byte(escapeNonASCII(compact)), BodyEscapedUnicode, BodyCompacted)
	return out
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// escapeNonASCII writes every non-ASCII character as a JSON \u escape (a
// surrogate pair beyond the BMP), as serializers with ASCII-only output do.
func escapeNonASCII(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	u := func(r rune) {
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hex[(r>>shift)&0xF])
		}
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			u(0xD800 + (r >> 10))
			u(0xDC00 + (r & 0x3FF))
		default:
			u(r)
		}
	}
	return b.String()
}
