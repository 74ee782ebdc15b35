package config

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
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

// WarmLimit is how long an init waits for its warm-ups.
const WarmLimit = time.Second

// Warm starts each warm-up at once and returns a wait for them, which
// gives up after limit: a cold start opens its store's connection while it
// reads its secrets, so that its first answer pays for neither in turn. A
// warm-up that fails costs nothing but its time: the first request opens
// the connection anyway.
func Warm(ctx context.Context, limit time.Duration, ups ...func(context.Context) error) (wait func()) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	var wg sync.WaitGroup
	for _, up := range ups {
		wg.Go(func() { up(ctx) })
	}
	return func() {
		wg.Wait()
		cancel()
	}
}
