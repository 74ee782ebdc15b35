// Package storable writes down once how large an outside input may be when
// it becomes part of a store key, derived from DynamoDB's limits, so that
// every decoder refuses up front what a store could not keep, and every store
// refuses the same inputs alike.
package storable

import (
	"errors"
	"strconv"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// DynamoDB's limits, in bytes of UTF-8.
const (
	PartitionKeyBytes = 2048      // a partition key value, of the table or an index
	SortKeyBytes      = 1024      // a sort key value, of the table or an index
	ItemBytes         = 400 << 10 // a whole item, names and values
)

// KeyPrefixBytes is the room every key layout keeps for its own prefixes and
// separators around outside identifiers. The longest today is the entries
// index's sort key, "<30-byte time>#ADJ_CREDIT#<transaction id>": 42 bytes.
const KeyPrefixBytes = 64

// MaxID is the most bytes an outside identifier may have (a user id, a
// transaction id, an idempotency key, an event id): two of them with
// KeyPrefixBytes fit in a sort key, so a layout may join two identifiers, and
// one fits many times over in a partition key.
const MaxID = (SortKeyBytes - KeyPrefixBytes) / 2

// ErrInvalid reports an input no store can take. Retrying it as sent cannot
// succeed: callers answer it as the client's error (400), never as a store
// outage. Stores wrap it too when the database refuses an input as invalid
// (DynamoDB's ValidationException).
var ErrInvalid = errors.New("storable: input the store cannot take")

// CheckID returns an error wrapping ErrInvalid when the identifier named name
// is longer than MaxID.
func CheckID(name, id string) error {
	if len(id) > MaxID {
		return text.Annotate(ErrInvalid, name+" is "+strconv.Itoa(len(id))+" bytes, at most "+strconv.Itoa(MaxID))
	}
	return nil
}
