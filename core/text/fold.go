package text

import (
	"strings"
	"unicode"
)

// accents maps the accented letters of Spanish (and Portuguese's few more)
// to their bare letter.
var accents = strings.NewReplacer(
	"á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n",
	"à", "a", "è", "e", "ì", "i", "ò", "o", "ù", "u", "â", "a", "ê", "e", "ô", "o", "ã", "a", "õ", "o", "ç", "c",
)

// Fold returns s as providers' messages are compared: lower-cased, accents
// removed, runs of space made one, and the ends trimmed of space and of
// closing punctuation. "La CURP proporcionada no fue localizada. " and
// "la curp proporcionada  no fue localizada" fold alike.
func Fold(s string) string {
	s = accents.Replace(strings.ToLower(s))
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}
