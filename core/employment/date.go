package employment

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day, without a time or a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ErrDate is what ParseDate fails with.
var ErrDate = errors.New("employment: not a date")

// dateLayouts are the spellings providers use: TD's "21/12/2022", ISO
// dates, and date-times with or without a zone.
var dateLayouts = []string{
	"02/01/2006",
	"2006-01-02",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// ParseDate reads a provider's date. Of a date-time only the day is kept,
// the day the provider wrote, not moved to another zone.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1900 {
			return DateOf(t), nil
		}
	}
	return Date{}, fmt.Errorf("%w: %q", ErrDate, s)
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String writes the date as ISO 8601: "2022-12-21".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date, which no provider sends.
func (d Date) IsZero() bool { return d == Date{} }

// Compare returns -1, 0 or +1 as d is before, the same as or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return sign(d.Year - e.Year)
	case d.Month != e.Month:
		return sign(int(d.Month) - int(e.Month))
	}
	return sign(d.Day - e.Day)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// AddMonths returns the date n months later (earlier for a negative n), the
// day cut to the month's last: 31 March less one month is 28 (or 29)
// February.
func (d Date) AddMonths(n int) Date {
	months := d.Year*12 + int(d.Month) - 1 + n
	y, m := months/12, time.Month(months%12+1)
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return Date{y, m, min(d.Day, last)}
}

// days returns the number of days since 1 January 1970.
func (d Date) days() int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// monthsBetween counts the whole months from d to e, 0 when e comes before
// d's first monthly anniversary.
func monthsBetween(d, e Date) int {
	n := (e.Year-d.Year)*12 + int(e.Month) - int(d.Month)
	if d.AddMonths(n).Compare(e) > 0 {
		n--
	}
	return max(n, 0)
}

// MarshalJSON writes the date as an ISO 8601 string.
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}
