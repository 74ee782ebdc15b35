package settlement

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The default key templates. Pomelo's document names both files
// "presentationsyyyy_mm_dd.csv"; the transaction file is taken to be
// "transactions…".
const (
	DefaultTransactionsKey  = "transactions{yyyy}_{mm}_{dd}.csv"
	DefaultPresentationsKey = "presentations{yyyy}_{mm}_{dd}.csv"
)

// ErrDate reports a date that is not a calendar date (YYYY-MM-DD) up to
// today.
var ErrDate = errors.New("settlement: invalid date")

// CheckTemplate reports a key template that does not name a day, or whose
// keys could not name an object (CheckKey).
func CheckTemplate(t string) error {
	for _, p := range [...]string{"{yyyy}", "{mm}", "{dd}"} {
		if !strings.Contains(t, p) {
			return fmt.Errorf("key template %q lacks %s", t, p)
		}
	}
	// Any other brace is a field we do not fill: most likely a typo.
	key := Fill(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if strings.ContainsAny(key, "{}") {
		return fmt.Errorf("key template %q has a brace besides {yyyy}, {mm} and {dd}", t)
	}
	if err := CheckKey(key); err != nil {
		return fmt.Errorf("key template %q: %w", t, err)
	}
	return nil
}

// ErrKey reports a key that cannot name an object.
var ErrKey = errors.New("settlement: the key cannot name an object")

// MaxKey is the most bytes of an object key (S3's bound).
const MaxKey = 1024

// CheckKey reports a key that could not name an object in S3 and in a
// folder alike: it must be UTF-8 without control characters or '\', at most
// MaxKey bytes, and '/'-separated names none of which is empty, "." or
// "..", so no leading, trailing or doubled '/'.
func CheckKey(key string) error {
	switch {
	case key == "" || len(key) > MaxKey || !utf8.ValidString(key):
		return fmt.Errorf("%w: %.64q is empty, longer than %d bytes or not UTF-8", ErrKey, key, MaxKey)
	case strings.ContainsFunc(key, unicode.IsControl) || strings.Contains(key, "\\"):
		return fmt.Errorf("%w: %.64q holds a control character or a '\\'", ErrKey, key)
	}
	for _, name := range strings.Split(key, "/") {
		if name == "" || name == "." || name == ".." {
			return fmt.Errorf("%w: %.64q has an empty, \".\" or \"..\" name between its '/'", ErrKey, key)
		}
	}
	return nil
}

// Fill fills a key template with day.
func Fill(template string, day time.Time) string {
	return strings.NewReplacer(
		"{yyyy}", day.Format("2006"), "{mm}", day.Format("01"), "{dd}", day.Format("02"),
	).Replace(template)
}

// reportKey is where a report file of day goes.
func reportKey(day time.Time, name string) string {
	return "reports/" + day.Format("2006/01/02") + "/" + name
}

// partKey is where the part seq of attempt's report of day goes.
func partKey(day time.Time, attempt, seq int) string {
	return reportKey(day, fmt.Sprintf("parts/%d/%06d.csv", attempt, seq))
}

// presentationPartKey is where the part seq of the flagged presentments of
// attempt's report of day goes.
func presentationPartKey(day time.Time, attempt, seq int) string {
	return reportKey(day, fmt.Sprintf("parts/%d/p%06d.csv", attempt, seq))
}

// Day reads date as a day of zone no later than today by now's calendar
// there, and returns its first instant.
func Day(date string, zone *time.Location, now time.Time) (time.Time, error) {
	day, err := time.ParseInLocation("2006-01-02", date, zone)
	if err != nil || day.Format("2006-01-02") != date {
		return time.Time{}, fmt.Errorf("%w: %.32q is not a date written YYYY-MM-DD", ErrDate, date)
	}
	y, m, d := now.In(zone).Date()
	if day.After(time.Date(y, m, d, 0, 0, 0, 0, zone)) {
		return time.Time{}, fmt.Errorf("%w: %s is after today in %s", ErrDate, date, zone)
	}
	return day, nil
}

// Yesterday is the date before now's in zone.
func Yesterday(zone *time.Location, now time.Time) string {
	y, m, d := now.In(zone).Date()
	return time.Date(y, m, d-1, 0, 0, 0, 0, zone).Format("2006-01-02")
}

// nextDay is the first instant of the day after day.
func nextDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, day.Location())
}
