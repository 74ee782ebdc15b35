package erasure

import (
	"crypto/hmac"
	"crypto/sha256"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Hasher keys what is kept of an erased person: HMAC-SHA-256 with a
// secret (ERASURE_KEY), so that a tombstone or a mark names no CURP and
// no reference to anyone without the key.
type Hasher struct{ Key []byte }

func (h Hasher) sum(kind, v string) string {
	m := hmac.New(sha256.New, h.Key)
	m.Write([]byte(kind + "\x00" + v))
	return string(text.AppendHex(nil, m.Sum(nil)[:16]))
}

// Person is the keyed hash of a CURP.
func (h Hasher) Person(curp string) string { return h.sum("curp", curp) }

// Gone is the keyed hash of an erased subject (inbound.Subject): what a
// late push naming it is dropped by.
func (h Hasher) Gone(subject string) string { return h.sum("subject", subject) }
