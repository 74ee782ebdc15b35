// Package identity checks the two numbers that name a person to Mexico's
// social security: the CURP (RENAPO's population registry key) and the NSS
// (IMSS's social security number), before any provider is asked about them.
package identity

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Part names what is wrong with a CURP.
type Part string

// The parts of a CURP that can be wrong, in the order they are checked.
const (
	PartLength     Part = "length"
	PartFormat     Part = "format" // letters where letters go, digits where digits go, consonants, homoclave
	PartDate       Part = "date"
	PartSex        Part = "sex"
	PartState      Part = "state"
	PartCheckDigit Part = "check digit"
)

// ErrCURP is what every *CURPError matches with errors.Is.
var ErrCURP = errors.New("identity: invalid CURP")

// CURPError says which part of a CURP is wrong. Its message never repeats
// the CURP, which is personal.
type CURPError struct {
	Part   Part
	Detail string
}

func (e *CURPError) Error() string { return "CURP " + string(e.Part) + ": " + e.Detail }

// Is makes errors.Is(err, ErrCURP) true.
func (e *CURPError) Is(target error) bool { return target == ErrCURP }

// states are RENAPO's codes for the 32 federal entities, and NE for a person
// born abroad.
var states = map[string]bool{
	"AS": true, "BC": true, "BS": true, "CC": true, "CL": true, "CM": true, "CS": true, "CH": true,
	"DF": true, "DG": true, "GT": true, "GR": true, "HG": true, "JC": true, "MC": true, "MN": true,
	"MS": true, "NT": true, "NL": true, "OC": true, "PL": true, "QT": true, "QR": true, "SP": true,
	"SL": true, "SR": true, "TC": true, "TS": true, "TL": true, "VZ": true, "YN": true, "ZS": true,
	"NE": true,
}

// CURP returns s trimmed and upper-cased if it is a valid CURP: 18
// characters; 4 letters; a calendar date YYMMDD; the sex H, M or X; a state
// code; 3 consonants; the homoclave (a digit for people born before 2000, a
// letter after, which also fixes the century of the date); and the check
// digit over the first 17. It fails with a *CURPError naming the part.
// Anything outside ASCII is refused before upper-casing: strings.ToUpper
// folds look-alikes (the dotless ı, the long ſ) into the ASCII letters, and
// one person would be counted under another's CURP.
func CURP(s string) (string, error) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return "", &CURPError{PartFormat, "a CURP is ASCII letters and digits only"}
		}
	}
	c := strings.ToUpper(strings.TrimSpace(s))
	if n := len(c); n != 18 {
		return "", &CURPError{PartLength, fmt.Sprintf("has %d characters, want 18", n)}
	}
	for i := 0; i < 18; i++ {
		ch := c[i]
		switch {
		case i < 4 && !isLetter(ch):
			return "", &CURPError{PartFormat, fmt.Sprintf("character %d must be a letter", i+1)}
		case i >= 4 && i < 10 && !isDigit(ch):
			return "", &CURPError{PartFormat, fmt.Sprintf("character %d must be a digit of the date of birth", i+1)}
		case i >= 11 && i < 13 && !isLetter(ch):
			return "", &CURPError{PartFormat, fmt.Sprintf("character %d must be a letter of the state", i+1)}
		case i >= 13 && i < 16 && !isConsonant(ch):
			return "", &CURPError{PartFormat, fmt.Sprintf("character %d must be a consonant", i+1)}
		case i == 16 && !isLetter(ch) && !isDigit(ch):
			return "", &CURPError{PartFormat, "character 17 (the homoclave) must be a letter or a digit"}
		case i == 17 && !isDigit(ch):
			return "", &CURPError{PartFormat, "character 18 (the check digit) must be a digit"}
		}
	}
	century := 1900
	if isLetter(c[16]) {
		century = 2000
	}
	if _, ok := birthDate(c[4:10], century); !ok {
		return "", &CURPError{PartDate, "characters 5 to 10 are not a calendar date YYMMDD"}
	}
	if sex := c[10]; sex != 'H' && sex != 'M' && sex != 'X' {
		return "", &CURPError{PartSex, "character 11 must be H, M or X"}
	}
	if !states[c[11:13]] {
		return "", &CURPError{PartState, "characters 12 and 13 are not a state code (or NE, born abroad)"}
	}
	if want := checkDigit(c[:17]); c[17] != want {
		return "", &CURPError{PartCheckDigit, "the last digit does not match the other 17 characters"}
	}
	return c, nil
}

// BirthDate returns the date of birth a valid CURP spells.
func BirthDate(curp string) time.Time {
	century := 1900
	if len(curp) == 18 && isLetter(curp[16]) {
		century = 2000
	}
	d, _ := birthDate(curp[4:10], century)
	return d
}

func birthDate(yymmdd string, century int) (time.Time, bool) {
	y := century + int(yymmdd[0]-'0')*10 + int(yymmdd[1]-'0')
	m := time.Month(int(yymmdd[2]-'0')*10 + int(yymmdd[3]-'0'))
	d := int(yymmdd[4]-'0')*10 + int(yymmdd[5]-'0')
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	// time.Date normalizes 31 April into 1 May: a date is real only when it
	// comes back as given.
	return t, m >= 1 && m <= 12 && d >= 1 && t.Month() == m && t.Day() == d
}

// checkDigit is RENAPO's: each of the 17 characters valued by its place in
// RENAPO's alphabet 0-9, A-N, Ñ, O-Z, times 18 minus its position, and the
// digit that brings the sum to a multiple of 10.
func checkDigit(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += checkValue(first17[i]) * (18 - i)
	}
	return byte('0' + (10-sum%10)%10)
}

// checkValue places c in RENAPO's alphabet. A CURP spells Ñ as X, but the
// alphabet keeps Ñ's place (24), so O to Z come one later than in ASCII.
func checkValue(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c <= 'N':
		return int(c-'A') + 10
	}
	return int(c-'A') + 11
}

func isLetter(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

func isConsonant(c byte) bool {
	return isLetter(c) && c != 'A' && c != 'E' && c != 'I' && c != 'O' && c != 'U'
}
