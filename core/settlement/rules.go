package settlement

// Rule is how a row of the day's files, or one of our entries, came out.
type Rule string

// The rules. A transaction row lands in exactly one of Matched,
// AmountAdjusted, Adjusted, HeldRow, Refused, Mismatch and Malformed.
const (
	Matched        Rule = "MATCHED"         // Pomelo and the ledger agree
	AmountAdjusted Rule = "AMOUNT_ADJUSTED" // both approved it; the difference of amounts was posted
	Adjusted       Rule = "ADJUSTED"        // the outcomes differ: the file's outcome was posted
	HeldRow        Rule = "HELD"            // Pomelo holds it: nothing yet
	Malformed      Rule = "MALFORMED"       // the row could not be read: nothing moved
	Refused        Rule = "REFUSED"         // the ledger refused the posting the row asked for: nothing moved
	Mismatch       Rule = "MISMATCH"        // the row names another user or currency than the ledger holds for its transaction: nothing moved
	ClientOnly     Rule = "CLIENT_ONLY"     // approved here on the day, absent from the file: flagged, nothing moved
	Flagged        Rule = "PRESENTMENT"     // a presentment of no transaction we know, or of another amount
)

// Decision is what a transaction row asks of the ledger.
type Decision struct {
	Rule Rule
	// Post is the signed amount to post, in minor units of the row's
	// currency; zero when nothing is to move.
	Post int64
}

// Decide applies the reconciliation table to a row, given what had moved
// for its transaction before it (moved, in the row's currency) and whether
// we had approved it. What moved counts the authorization, Pomelo's
// adjustments and every settlement posting so far, so that money moves once
// in total whatever the file says on how many days.
func Decide(t Transaction, moved int64, approvedHere bool) Decision {
	if t.Status == Held {
		return Decision{Rule: HeldRow}
	}
	// Both terms are within ±money.MaxMinor per entry and a transaction has a
	// handful of entries: the difference cannot overflow.
	post := t.Expected() - moved
	switch {
	case post == 0:
		return Decision{Rule: Matched}
	case t.Status == Approved && approvedHere:
		return Decision{Rule: AmountAdjusted, Post: post}
	}
	return Decision{Rule: Adjusted, Post: post}
}
