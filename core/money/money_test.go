package money_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, currency string
		want         int64
		err          error
	}{
		{"1060.74", "ARS", 106074, nil},
		{"999.9", "ARS", 99990, nil},
		{"0.05", "ARS", 5, nil},
		{"-0.05", "ARS", -5, nil},
		{"+3", "ARS", 300, nil},
		{"10.500", "ARS", 1050, nil},
		{"1.5e2", "ARS", 15000, nil},
		{"1.5E+2", "ARS", 15000, nil},
		{"12345e-2", "ARS", 12345, nil},
		{"0", "ARS", 0, nil},
		{"0e-9", "ARS", 0, nil},
		{"000123.40", "MXN", 12340, nil},
		{"1200", "CLP", 1200, nil},
		{"1.000", "CLP", 1, nil},
		{"1.234", "KWD", 1234, nil},
		{"10000000000000.00", "ARS", money.MaxMinor, nil},
		{"1.005", "ARS", 0, money.ErrPrecision},
		{"1.5", "CLP", 0, money.ErrPrecision},
		{"1e-3", "ARS", 0, money.ErrPrecision},
		{"10000000000000.01", "ARS", 0, money.ErrRange},
		{"92233720368547758.08", "ARS", 0, money.ErrRange},
		{"1e400", "ARS", 0, money.ErrRange},
		{"", "ARS", 0, money.ErrSyntax},
		{".", "ARS", 0, money.ErrSyntax},
		{"-", "ARS", 0, money.ErrSyntax},
		{"1,00", "ARS", 0, money.ErrSyntax},
		{" 1", "ARS", 0, money.ErrSyntax},
		{"1e", "ARS", 0, money.ErrSyntax},
		{"0x10", "ARS", 0, money.ErrSyntax},
		{"NaN", "ARS", 0, money.ErrSyntax},
		{"1", "ars", 0, money.ErrUnknownCurrency},
		{"1", "XAU", 0, money.ErrUnknownCurrency},
	} {
		got, err := money.Parse(tc.in, tc.currency)
		if !errors.Is(err, tc.err) {
			t.Errorf("Parse(%q, %s) err = %v, want %v", tc.in, tc.currency, err, tc.err)
			continue
		}
		if err == nil && (got.Minor != tc.want || got.Currency != tc.currency) {
			t.Errorf("Parse(%q, %s) = %+v, want %d", tc.in, tc.currency, got, tc.want)
		}
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{74950, "ARS", "749.50"},
		{-5, "ARS", "-0.05"},
		{0, "ARS", "0.00"},
		{1200, "CLP", "1200"},
		{1, "KWD", "0.001"},
		{-money.MaxMinor, "ARS", "-10000000000000.00"},
		{12345, "CLF", "1.2345"},
	} {
		a, err := money.New(tc.minor, tc.currency)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.String(); got != tc.want {
			t.Errorf("%d %s = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
		back, err := money.Parse(a.String(), tc.currency)
		if err != nil || back != a {
			t.Errorf("Parse(String()) = %+v, %v; want %+v", back, err, a)
		}
	}
}

func TestAdd(t *testing.T) {
	a, _ := money.New(money.MaxMinor, "ARS")
	b, _ := money.New(1, "ARS")
	if _, err := a.Add(b); !errors.Is(err, money.ErrRange) {
		t.Errorf("overflowing Add err = %v, want ErrRange", err)
	}
	c, _ := money.New(1, "USD")
	if _, err := b.Add(c); err == nil {
		t.Error("Add across currencies succeeded")
	}
	if s, err := b.Add(b); err != nil || s.Minor != 2 {
		t.Errorf("1+1 = %+v, %v", s, err)
	}
}

// FuzzParse checks that whatever Parse accepts is in range and survives a
// round trip through String.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1060.74", "999.9", "-0.05", "1.5e2", "1e-3", "00.10", "9999999999999999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := money.Parse(s, "ARS")
		if err != nil {
			return
		}
		if a.Minor > money.MaxMinor || a.Minor < -money.MaxMinor {
			t.Fatalf("Parse(%q) = %d, out of range", s, a.Minor)
		}
		back, err := money.Parse(a.String(), "ARS")
		if err != nil || back != a {
			t.Fatalf("round trip of %q: %q -> %+v, %v", s, a.String(), back, err)
		}
	})
}

func ExampleParse() {
	// Pomelo sends amounts as JSON numbers or strings; their text is parsed
	// into minor units, never through a float.
	a, _ := money.Parse("1060.74", "ARS")
	b, _ := money.Parse("999.9", "ARS")
	sum, _ := a.Add(b)
	fmt.Println(a.Minor, b.Minor, sum)
	// Output: 106074 99990 2060.64
}
