package config

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/sethvargo/go-envconfig"
)

// Process reads target's settings from the environment as
// envconfig.Process does, with an error that names the variable of a bad
// setting ("AUTHORIZATION_DEADLINE: time: invalid duration") rather than
// the Go field it fills.
func Process(ctx context.Context, target any) error {
	return ProcessWith(ctx, target, envconfig.OsLookuper())
}

// ProcessWith is Process over the settings l looks up.
func ProcessWith(ctx context.Context, target any, l envconfig.Lookuper) error {
	err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: target, Lookuper: l})
	if err == nil {
		return nil
	}
	// envconfig's message is "Field: Nested: cause".
	t := reflect.TypeOf(target).Elem()
	rest := err.Error()
	for t.Kind() == reflect.Struct {
		name, after, ok := strings.Cut(rest, ": ")
		f, found := t.FieldByName(name)
		if !ok || !found {
			break
		}
		if tag, ok := f.Tag.Lookup("env"); ok {
			v, _, _ := strings.Cut(tag, ",")
			return fmt.Errorf("config: %s: %s", strings.TrimSpace(v), after)
		}
		t, rest = f.Type, after
	}
	return fmt.Errorf("config: %w", err)
}
