package dynamo

import (
	"errors"
	"sync"
)

// InParallel runs fn(0) … fn(n-1), at most width at a time, and returns the
// errors of every one that failed, joined: a store's many independent
// requests cost the time of the slowest lane, not their sum.
func InParallel(n, width int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
