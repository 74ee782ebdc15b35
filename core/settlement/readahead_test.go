package settlement

import (
	"errors"
	"testing"
)

func TestReadAhead(t *testing.T) {
	// A source of 10 numbers read 3 at a time, failing at 7 when asked to.
	source := func(failAt int) func([]int) batch[int] {
		next := 0
		return func(items []int) batch[int] {
			b := batch[int]{items: items}
			for len(b.items) < 3 && next < 10 {
				if next == failAt {
					b.err = errors.New("read failed")
					return b
				}
				b.items = append(b.items, next)
				next++
			}
			b.done = next == 10
			return b
		}
	}
	t.Run("every item in order, then the end", func(t *testing.T) {
		ra := startReadAhead(source(-1))
		defer ra.close()
		var got []int
		for {
			b, ok := ra.next()
			if !ok {
				t.Fatal("the batches ended before the one marked done")
			}
			got = append(got, b.items...)
			ra.recycle(b.items)
			if b.done {
				break
			}
		}
		if len(got) != 10 || got[0] != 0 || got[9] != 9 {
			t.Fatalf("items %v", got)
		}
		if _, ok := ra.next(); ok {
			t.Fatal("a batch after the last")
		}
	})
	t.Run("an error ends the reading", func(t *testing.T) {
		ra := startReadAhead(source(7))
		defer ra.close()
		var err error
		for b, ok := ra.next(); ok; b, ok = ra.next() {
			err = b.err
		}
		if err == nil {
			t.Fatal("the error never came")
		}
	})
	t.Run("closed before the end", func(t *testing.T) {
		ra := startReadAhead(source(-1))
		if _, ok := ra.next(); !ok {
			t.Fatal("no first batch")
		}
		ra.close() // returns once the goroutine has ended
	})
}
