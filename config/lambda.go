package config

import (
	"fmt"
	"os"
	"strings"
)

// Required reports the settings among names that are unset or empty, naming
// each. A function in Lambda requires the names of the resources its
// template gives it, so that it never runs against the local stack's
// default names.
func Required(names ...string) error {
	var missing []string
	for _, n := range names {
		if os.Getenv(n) == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("config: required setting unset: %s", strings.Join(missing, ", "))
	}
	return nil
}
