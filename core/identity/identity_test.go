package identity_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/identity"
)

// wikipedia is the example CURP of the Spanish Wikipedia's article on the
// CURP: a check digit computed by someone else.
const wikipedia = "HEGG560427MVZRRL04"

func TestCURPValid(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{wikipedia, wikipedia},
		{"  hegg560427mvzrrl04\t", wikipedia},        // trimmed and upper-cased
		{"GUPN890412HNECRR06", "GUPN890412HNECRR06"}, // born abroad: NE
		{"PEXA010101XDFRRXA0", "PEXA010101XDFRRXA0"}, // sex X, born in 2001: a letter homoclave
		{"BALP000229HJCRPSA1", "BALP000229HJCRPSA1"}, // 29 February 2000
	} {
		got, err := identity.CURP(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CURP(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCURPInvalid(t *testing.T) {
	for _, tc := range []struct {
		in   string
		part identity.Part
	}{
		{"", identity.PartLength},
		{wikipedia[:17], identity.PartLength},
		{wikipedia + "0", identity.PartLength},
		{"HEGÑ560427MVZRRL0", identity.PartFormat},        // Ñ is spelled X in a CURP
		{"HEGG560427MVZRRL04\u00a0", identity.PartFormat}, // a no-break space is not trimmed as ASCII
		{"S\u0131LE960101HDFRRS09", identity.PartFormat},  // a dotless ı, which ToUpper folds to I
		{"\u017fOTA960101HDFRRS09", identity.PartFormat},  // a long ſ, which ToUpper folds to S
		{"HEGG560427MVZRRL0\u0664", identity.PartFormat},  // an Arabic-Indic digit four
		{"\uff28EGG560427MVZRRL04", identity.PartFormat},  // a full-width H
		{"HEG1560427MVZRRL04", identity.PartFormat},
		{"HEGG56O427MVZRRL04", identity.PartFormat}, // a letter O in the date
		{"HEGG560427M1ZRRL04", identity.PartFormat},
		{"HEGG560427MVZARL04", identity.PartFormat}, // a vowel where a consonant goes
		{"HEGG560427MVZRRL-4", identity.PartFormat},
		{"HEGG560427MVZRRL0A", identity.PartFormat}, // a letter check digit
		{"HEGG561327MVZRRL04", identity.PartDate},   // month 13
		{"HEGG560431MVZRRL04", identity.PartDate},   // 31 April
		{"HEGG560400MVZRRL04", identity.PartDate},
		{"BALP010229HJCRPSA1", identity.PartDate}, // 29 February 2001
		{"BALP000229HJCRPS01", identity.PartDate}, // a digit homoclave puts it in 1900, not a leap year
		{"HEGG560427FVZRRL04", identity.PartSex},
		{"HEGG560427MXXRRL04", identity.PartState},
		{"BLPM951331IONVGR54", identity.PartDate}, // Belvo's sandbox example: no such date
		{"HEGG560427MVZRRL05", identity.PartCheckDigit},
		{"HEGG560427MVZRRL14", identity.PartCheckDigit}, // another homoclave, the same check digit
	} {
		_, err := identity.CURP(tc.in)
		var ce *identity.CURPError
		if !errors.As(err, &ce) || ce.Part != tc.part || !errors.Is(err, identity.ErrCURP) {
			t.Errorf("CURP(%q) = %v; want a %q error", tc.in, err, tc.part)
			continue
		}
		if strings.Contains(err.Error(), strings.TrimSpace(tc.in)) && tc.in != "" {
			t.Errorf("CURP(%q): the error %q repeats the CURP", tc.in, err)
		}
	}
}

// TestCURPEveryCheckDigit: of the ten possible last digits exactly one is
// accepted, whatever the first 17 characters.
func TestCURPEveryCheckDigit(t *testing.T) {
	for _, first := range []string{wikipedia[:17], "GUPN890412HNECRR0", "PEXA010101XDFRRXA", "ZZZZ991231HZSZZZZ"} {
		valid := 0
		for d := '0'; d <= '9'; d++ {
			if _, err := identity.CURP(first + string(d)); err == nil {
				valid++
			}
		}
		if valid != 1 {
			t.Errorf("%s?: %d check digits accepted, want 1", first, valid)
		}
	}
}

func TestBirthDate(t *testing.T) {
	for _, tc := range []struct {
		curp string
		want time.Time
	}{
		{wikipedia, time.Date(1956, 4, 27, 0, 0, 0, 0, time.UTC)},
		{"PEXA010101XDFRRXA0", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if got := identity.BirthDate(tc.curp); !got.Equal(tc.want) {
			t.Errorf("BirthDate(%s) = %v, want %v", tc.curp, got, tc.want)
		}
	}
}

func TestNSS(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"12345678903", "12345678903", nil},
		{" 92139110743 ", "92139110743", nil},
		{"00000000000", "00000000000", nil},
		{"12345678904", "", identity.ErrNSSCheckDigit},
		{"21345678903", "", identity.ErrNSSCheckDigit}, // two digits swapped: Luhn catches it
		{"1234567890", "", identity.ErrNSSLength},
		{"123456789012", "", identity.ErrNSSLength},
		{"1234567890A", "", identity.ErrNSSLength},
		{"", "", identity.ErrNSSLength},
	} {
		got, err := identity.NSS(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("NSS(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func FuzzCURP(f *testing.F) {
	for _, s := range []string{wikipedia, "BLPM951331IONVGR54", "", "ñññññññññ", "HEGG560431MVZRRL04"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := identity.CURP(s)
		if err != nil {
			var ce *identity.CURPError
			if !errors.As(err, &ce) {
				t.Fatalf("CURP(%q): %v is not a *CURPError", s, err)
			}
			return
		}
		if again, err := identity.CURP(c); err != nil || again != c || len(c) != 18 {
			t.Fatalf("CURP(%q) = %q, which is not itself valid: %v", s, c, err)
		}
		identity.BirthDate(c)
	})
}

func FuzzNSS(f *testing.F) {
	f.Add("12345678903")
	f.Add("1234567890A")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := identity.NSS(s)
		if err == nil && len(n) != 11 {
			t.Fatalf("NSS(%q) = %q", s, n)
		}
	})
}
