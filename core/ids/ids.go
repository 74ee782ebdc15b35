// Package ids makes and checks the opaque ids our records are named by: a
// prefix naming the kind, then lower-case base32, safe in a URL, a file
// and a store key.
package ids

import (
	"encoding/base32"
	"errors"
	"io"
	"strings"
)

// Encoding is the ids' alphabet: lower-case base32, no padding.
var Encoding = base32.NewEncoding(alphabet).WithPadding(base32.NoPadding)

const alphabet = "abcdefghijklmnopqrstuvwxyz234567"

// RandomLen is the length of a random id after its prefix: 128 bits.
const RandomLen = 26

// New is prefix and RandomLen characters of Encoding: 128 bits read from
// random.
func New(random io.Reader, prefix string) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", errors.Join(errors.New("ids: no randomness"), err)
	}
	return prefix + Encoding.EncodeToString(b[:]), nil
}

// Valid reports whether id is prefix and n characters of Encoding: an id of
// any other shape names nothing, on any store.
func Valid(id, prefix string, n int) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	return ok && len(rest) == n && strings.Trim(rest, alphabet) == ""
}
