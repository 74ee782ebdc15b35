package webhook

import (
	"strconv"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// MaxBody is the largest body an event keeps: a DynamoDB item less room for
// its other attributes (MaxHeader bytes for each kept header, the
// de-duplication key, the type). A larger delivery is answered 413.
const MaxBody = storable.ItemBytes - 16<<10

// MaxHeader bounds each header value an event keeps. A longer value is kept
// cut (see keptHeaders): an authentic delivery is never refused for a
// header it did not need.
const MaxHeader = 1 << 10

// CheckEvent reports an event no store can take, with an error wrapping
// storable.ErrInvalid. Every store runs it before anything else.
func CheckEvent(e Event) error {
	if err := storable.CheckID("type", e.Type); err != nil {
		return err
	}
	if len(e.DedupeKey) > storable.MaxID+len("sha256:")+64 {
		return text.Annotate(storable.ErrInvalid, "dedupe key is "+strconv.Itoa(len(e.DedupeKey))+" bytes")
	}
	if len(e.Body) > MaxBody {
		return text.Annotate(storable.ErrInvalid, "body is "+strconv.Itoa(len(e.Body))+" bytes, at most "+strconv.Itoa(MaxBody))
	}
	if len(e.Subjects) > MaxSubjects {
		return text.Annotate(storable.ErrInvalid, strconv.Itoa(len(e.Subjects))+" subjects, at most "+strconv.Itoa(MaxSubjects))
	}
	for name, v := range e.Headers {
		if len(v) > MaxHeader {
			return text.Annotate(storable.ErrInvalid, "header "+name+" is "+strconv.Itoa(len(v))+" bytes, at most "+strconv.Itoa(MaxHeader))
		}
	}
	return nil
}

// CheckRecord reports a record no store can take, with an error wrapping
// storable.ErrInvalid.
func CheckRecord(r inbound.Record) error {
	if err := storable.CheckID("record id", r.ID); err != nil {
		return err
	}
	if len(r.Data) > MaxBody {
		return text.Annotate(storable.ErrInvalid, "record data is "+strconv.Itoa(len(r.Data))+" bytes, at most "+strconv.Itoa(MaxBody))
	}
	return nil
}

// truncated is what replaces the end of a header value cut to MaxHeader.
const truncated = "…[truncated]"

// bounded returns v, or its first bytes and a mark when it is longer than
// MaxHeader, cut on a character boundary.
func bounded(v string) string {
	if len(v) <= MaxHeader {
		return v
	}
	cut := MaxHeader - len(truncated)
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + truncated
}
