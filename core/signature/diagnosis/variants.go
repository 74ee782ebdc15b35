package diagnosis

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/text"
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

// escapeNonASCII writes every non-ASCII character as a JSON \u escape, as
// serializers with ASCII-only output do.
func escapeNonASCII(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b = append(b, byte(r))
		} else {
			b = text.AppendUnicodeEscape(b, r)
		}
	}
	return string(b)
}
