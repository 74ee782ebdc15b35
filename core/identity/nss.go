package identity

import (
	"errors"
	"strings"
)

// Errors of NSS.
var (
	ErrNSSLength     = errors.New("identity: an NSS has 11 digits")
	ErrNSSCheckDigit = errors.New("identity: the NSS's last digit does not match the other 10")
)

// NSS returns s trimmed if it is a valid NSS: 11 digits whose last is the
// Luhn check digit of the first 10, as IMSS computes it (from the left,
// every second digit doubled and its digits summed). It fails with
// ErrNSSLength or ErrNSSCheckDigit.
func NSS(s string) (string, error) {
	n := strings.TrimSpace(s)
	if len(n) != 11 {
		return "", ErrNSSLength
	}
	for i := 0; i < 11; i++ {
		if !isDigit(n[i]) {
			return "", ErrNSSLength
		}
	}
	if n[10] != luhn(n[:10]) {
		return "", ErrNSSCheckDigit
	}
	return n, nil
}

func luhn(digits string) byte {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}
