package inbound

import (
	"errors"
	"strings"
)

// Separator divides the values of a credential setting that holds several
// at once, so that a provider's credential can be rotated without a failed
// delivery: the new value is added, the provider switches, the old one is
// removed. None of the providers' credentials can hold it: API Gateway joins
// a repeated header with commas, and TD's and Palenca's are tokens.
const Separator = ","

// SplitCredentials returns the values of a credential setting, nil when it
// is empty. A value that is empty or has spaces around it is refused: it is
// a typo that would lock the provider out.
func SplitCredentials(setting string) ([]string, error) {
	if setting == "" {
		return nil, nil
	}
	values := strings.Split(setting, Separator)
	for _, v := range values {
		if v == "" || strings.TrimSpace(v) != v {
			return nil, errors.New("a value is empty or has spaces around it (values are separated by " + Separator + ")")
		}
	}
	return values, nil
}
