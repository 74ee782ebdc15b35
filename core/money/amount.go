package money

import (
	"errors"
	"fmt"
	"strconv"
)

// MaxMinor bounds the magnitude of any single amount, in minor units. It is far
// above any card transaction (10^15 cents is ten trillion units) and leaves
// room to add many amounts without overflowing int64.
const MaxMinor = 1_000_000_000_000_000

// Errors returned by the parsers. They are wrapped with the offending text.
var (
	ErrUnknownCurrency = errors.New("money: unknown currency")
	ErrSyntax          = errors.New("money: not a decimal number")
	ErrPrecision       = errors.New("money: more decimals than the currency has")
	ErrRange           = errors.New("money: amount out of range")
)

// Amount is an exact amount of money: Minor units of Currency (cents of ARS,
// whole pesos of CLP). The zero value is not a valid amount; build one with
// New or Parse.
type Amount struct {
	Minor    int64
	Currency string
}

// New returns minor units of the currency code. It fails with
// ErrUnknownCurrency or ErrRange.
func New(minor int64, currency string) (Amount, error) {
	if _, ok := Exponent(currency); !ok {
		return Amount{}, fmt.Errorf("%w %q", ErrUnknownCurrency, currency)
	}
	if minor > MaxMinor || minor < -MaxMinor {
		return Amount{}, fmt.Errorf("%w: %d", ErrRange, minor)
	}
	return Amount{Minor: minor, Currency: currency}, nil
}

// Parse reads a decimal string such as "1060.74", "-5", "0.5" or "1.5e2" as an
// amount of currency. Digits beyond the currency's exponent are accepted only
// when they are zeros: money is never rounded on the way in. It fails with
// ErrUnknownCurrency, ErrSyntax, ErrPrecision or ErrRange.
func Parse(s, currency string) (Amount, error) {
	exp, ok := Exponent(currency)
	if !ok {
		return Amount{}, fmt.Errorf("%w %q", ErrUnknownCurrency, currency)
	}
	minor, err := parseDecimal(s, exp)
	if err != nil {
		return Amount{}, fmt.Errorf("%w: %q", err, s)
	}
	return Amount{Minor: minor, Currency: currency}, nil
}

// parseDecimal converts the decimal text s to an integer scaled by 10^exp.
// Grammar: [-+]? digits [. digits]? ([eE] [-+]? digits)?, with at least one
// digit before or after the point.
func parseDecimal(s string, exp int) (int64, error) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var digits []byte // significant digits, leading zeros dropped
	frac := 0         // digits after the point in digits (and dropped zeros)
	seen := false
	for ; i < len(s) && isDigit(s[i]); i++ {
		seen = true
		if len(digits) > 0 || s[i] != '0' {
			digits = append(digits, s[i])
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && isDigit(s[i]); i++ {
			seen = true
			frac++
			digits = append(digits, s[i])
		}
	}
	if !seen {
		return 0, ErrSyntax
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		e := 0
		for ; i < len(s) && isDigit(s[i]); i++ {
			if e > 1000 {
				return 0, ErrRange
			}
			e = e*10 + int(s[i]-'0')
		}
		if i == start {
			return 0, ErrSyntax
		}
		if eneg {
			frac += e
		} else {
			frac -= e
		}
	}
	if i != len(s) {
		return 0, ErrSyntax
	}
	// The value is digits × 10^(-frac); we want digits × 10^(exp-frac).
	shift := exp - frac
	for shift < 0 {
		if len(digits) == 0 {
			break
		}
		if digits[len(digits)-1] != '0' {
			return 0, ErrPrecision
		}
		digits = digits[:len(digits)-1]
		shift++
	}
	// Drop leading zeros kept from the fraction part ("0.05").
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return 0, nil
	}
	if len(digits)+shift > 16 { // MaxMinor has 16 digits
		return 0, ErrRange
	}
	var v int64
	for _, d := range digits {
		v = v*10 + int64(d-'0')
	}
	for ; shift > 0; shift-- {
		v *= 10
	}
	if v > MaxMinor {
		return 0, ErrRange
	}
	if neg {
		v = -v
	}
	return v, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// String renders the amount as a plain decimal with exactly the currency's
// number of decimals: "749.50", "-0.05", "1200" (CLP). It never uses an
// exponent, so the text parses back to the same amount.
func (a Amount) String() string {
	exp, _ := Exponent(a.Currency)
	return FormatMinor(a.Minor, exp)
}

// FormatMinor renders minor units with exp decimals.
func FormatMinor(minor int64, exp int) string {
	var buf [32]byte
	b := buf[:0]
	u := uint64(minor)
	if minor < 0 {
		b = append(b, '-')
		u = uint64(-minor)
	}
	digits := strconv.FormatUint(u, 10)
	if exp == 0 {
		return string(append(b, digits...))
	}
	for len(digits) <= exp {
		digits = "0" + digits
	}
	cut := len(digits) - exp
	b = append(b, digits[:cut]...)
	b = append(b, '.')
	b = append(b, digits[cut:]...)
	return string(b)
}

// Add returns a+b. It fails when the currencies differ or the sum leaves the
// range of MaxMinor.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("money: add %s to %s: currency mismatch", b.Currency, a.Currency)
	}
	s := a.Minor + b.Minor // both within ±MaxMinor: cannot overflow int64
	if s > MaxMinor || s < -MaxMinor {
		return Amount{}, fmt.Errorf("%w: %d + %d", ErrRange, a.Minor, b.Minor)
	}
	return Amount{Minor: s, Currency: a.Currency}, nil
}
