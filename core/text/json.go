package text

import "unicode/utf8"

// AppendJSONString appends s as a JSON string, as encoding/json writes it
// without HTML escaping: quotes, backslashes and control bytes escaped,
// invalid UTF-8 as U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// AppendUnicodeEscape appends r as a JSON \u escape: a surrogate pair beyond
// the Basic Multilingual Plane.
func AppendUnicodeEscape(b []byte, r rune) []byte {
	if r > 0xFFFF {
		r -= 0x10000
		b = AppendUnicodeEscape(b, 0xD800+(r>>10))
		return AppendUnicodeEscape(b, 0xDC00+(r&0x3FF))
	}
	b = append(b, '\\', 'u')
	for shift := 12; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(r>>shift)&0xF])
	}
	return b
}
