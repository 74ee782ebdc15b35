package ledgerfile

import (
	"encoding/base64"
	"strconv"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// appendCommit appends the journal line of a commit (without its newline):
// the JSON that encoding/json would write for encode(rec, p), written by hand
// because the embedded store does it on every request.
func appendCommit(b []byte, rec idempotency.Record, p *ledger.Posting) []byte {
	b = append(b, `{"record":{"key":`...)
	b = text.AppendJSONString(b, rec.Key)
	b = append(b, `,"fingerprint":"`...)
	b = base64.StdEncoding.AppendEncode(b, rec.Fingerprint[:])
	b = append(b, `","status":`...)
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
		b = text.AppendJSONString(b, e.UserID)
		b = append(b, `,"currency":`...)
		b = text.AppendJSONString(b, e.Currency)
		b = append(b, `,"transaction_id":`...)
		b = text.AppendJSONString(b, e.TransactionID)
		b = append(b, `,"class":`...)
		b = text.AppendJSONString(b, string(e.Class))
		b = append(b, `,"kind":`...)
		b = text.AppendJSONString(b, e.Kind)
		b = append(b, `,"amount":`...)
		b = strconv.AppendInt(b, e.Amount, 10)
		b = append(b, `,"status":`...)
		b = text.AppendJSONString(b, string(e.Status))
		if e.Original != "" {
			b = append(b, `,"original":`...)
			b = text.AppendJSONString(b, e.Original)
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
			b = text.AppendJSONString(b, r.OriginalID)
			b = append(b, `,"original_kind":`...)
			b = text.AppendJSONString(b, r.OriginalKind)
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
