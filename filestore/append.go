package filestore

import (
	"encoding/base64"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
)

// appendCommit appends the journal line of a commit (without its newline):
// the JSON that encoding/json would write for encode(rec, p), written by hand
// because the embedded store does it on every request.
func appendCommit(b []byte, rec idempotency.Record, p *ledger.Posting) []byte {
	b = append(b, `{"record":{"key":`...)
	b = appendString(b, rec.Key)
	b = append(b, `,"fingerprint":"`...)
	b = base64.StdEncoding.AppendEncode(b, rec.Fingerprint[:])
	b = append(b, `","state":`...)
	b = appendString(b, rec.State.String())
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(rec.Status), 10)
	b = append(b, `,"body":`...)
	if rec.Body == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, rec.Body)
		b = append(b, '"')
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, rec.CreatedAt)
	b = append(b, `,"expires_at":`...)
	b = appendTime(b, rec.ExpiresAt)
	b = append(b, '}')
	if p != nil {
		e := p.Entry
		b = append(b, `,"posting":{"entry":{"user_id":`...)
		b = appendString(b, e.UserID)
		b = append(b, `,"currency":`...)
		b = appendString(b, e.Currency)
		b = append(b, `,"transaction_id":`...)
		b = appendString(b, e.TransactionID)
		b = append(b, `,"class":`...)
		b = appendString(b, string(e.Class))
		b = append(b, `,"kind":`...)
		b = appendString(b, e.Kind)
		b = append(b, `,"amount":`...)
		b = strconv.AppendInt(b, e.Amount, 10)
		b = append(b, `,"status":`...)
		b = appendString(b, string(e.Status))
		if e.Original != "" {
			b = append(b, `,"original":`...)
			b = appendString(b, e.Original)
		}
		if e.Reversible != 0 {
			b = append(b, `,"reversible":`...)
			b = strconv.AppendInt(b, e.Reversible, 10)
		}
		b = append(b, `,"created_at":`...)
		b = appendTime(b, e.CreatedAt)
		b = append(b, '}')
		if p.RequireFunds {
			b = append(b, `,"require_funds":true`...)
		}
		if r := p.Reverses; r != nil {
			b = append(b, `,"reverses":{"original_id":`...)
			b = appendString(b, r.OriginalID)
			b = append(b, `,"original_kind":`...)
			b = appendString(b, r.OriginalKind)
			b = append(b, `,"amount":`...)
			b = strconv.AppendInt(b, r.Amount, 10)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
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
