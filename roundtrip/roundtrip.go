// Package roundtrip counts the store round trips a request makes, so that the
// request log and the benchmarks can report them.
package roundtrip

import (
	"context"
	"sync/atomic"
)

// Counter counts round trips. It is safe for concurrent use.
type Counter struct{ n atomic.Int64 }

// N returns the count so far.
func (c *Counter) N() int64 { return c.n.Load() }

type key struct{}

// With returns a context whose round trips are counted by the returned Counter.
func With(ctx context.Context) (context.Context, *Counter) {
	c := new(Counter)
	return context.WithValue(ctx, key{}, c), c
}

// Count records one round trip on the counter of ctx, if it has one.
func Count(ctx context.Context) {
	if c, ok := ctx.Value(key{}).(*Counter); ok {
		c.n.Add(1)
	}
}
