package employment

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// Currency is the currency of every amount in a report: IMSS and ISSSTE
// record salaries in Mexican pesos.
const Currency = "MXN"

// ErrSalary is what ParseSalary fails with.
var ErrSalary = errors.New("employment: not a salary")

// ParseSalary reads a daily salary as a provider writes it: "$334.26" (TD),
// "$1,234.50", "374.61", or a JSON number's text such as 13000.13. Digits
// past the centavos are rounded half-up, in the text, never through a float:
// a provider that sends 333.335 means a salary we can only report to the
// centavo.
func ParseSalary(s string) (money.Amount, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSpace(strings.TrimPrefix(t, "$"))
	t = strings.ReplaceAll(t, ",", "")
	whole, frac, _ := strings.Cut(t, ".")
	if !allDigits(whole) || !allDigits(frac) || whole == "" && frac == "" {
		return money.Amount{}, fmt.Errorf("%w: %q", ErrSalary, s)
	}
	up := len(frac) > 2 && frac[2] >= '5'
	frac = frac[:min(len(frac), 2)]
	a, err := money.Parse("0"+whole+"."+frac+"0", Currency)
	if err != nil {
		return money.Amount{}, fmt.Errorf("%w: %q: %w", ErrSalary, s, err)
	}
	if up {
		return a.Add(money.Amount{Minor: 1, Currency: Currency})
	}
	return a, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ReadWeeks reads the weeks contributed, discounted and reinstated as a
// provider writes each: "200", 200, or nothing (0).
func ReadWeeks(contributed, discounted, reinstated string) (Weeks, error) {
	var w Weeks
	for _, c := range []struct {
		name, text string
		into       *int
	}{{"contributed", contributed, &w.Contributed}, {"discounted", discounted, &w.Discounted}, {"reinstated", reinstated, &w.Reinstated}} {
		s := strings.TrimSpace(c.text)
		if s == "" {
			continue
		}
		if !allDigits(s) || len(s) > 6 {
			return Weeks{}, fmt.Errorf("employment: %s weeks: %q is not a number of weeks", c.name, s)
		}
		for i := 0; i < len(s); i++ {
			*c.into = *c.into*10 + int(s[i]-'0')
		}
	}
	return w, nil
}
