package settlement

// readAhead fills batches of items on a goroutine of its own, ahead of
// their use, so that parsing a file and using its rows share the machine's
// cores. The items of a used batch come back through recycle to be filled
// again, so that a run holds a few batches whatever the file's length.
type readAhead[T any] struct {
	batches chan batch[T]
	free    chan []T
	stop    chan struct{}
}

// batch is a batch of items as read ahead, with where the file stands after
// it.
type batch[T any] struct {
	items  []T
	offset int64
	line   int
	done   bool // the file ends with it
	err    error
}

// startReadAhead calls fill with an empty slice to fill until it reports
// the end of the file or an error.
func startReadAhead[T any](fill func(items []T) batch[T]) *readAhead[T] {
	ra := &readAhead[T]{batches: make(chan batch[T], 1), free: make(chan []T, 2), stop: make(chan struct{})}
	go func() {
		defer close(ra.batches)
		for {
			var items []T
			select {
			case items = <-ra.free:
			default:
			}
			b := fill(items)
			select {
			case ra.batches <- b:
			case <-ra.stop:
				return
			}
			if b.done || b.err != nil {
				return
			}
		}
	}()
	return ra
}

// next returns the next batch; ok is false once the last was returned.
func (ra *readAhead[T]) next() (b batch[T], ok bool) {
	b, ok = <-ra.batches
	return b, ok
}

// recycle hands back the items of a batch used up.
func (ra *readAhead[T]) recycle(items []T) {
	clear(items)
	select {
	case ra.free <- items[:0]:
	default:
	}
}

// close stops the reading ahead and waits for it to end.
func (ra *readAhead[T]) close() {
	close(ra.stop)
	for range ra.batches {
	}
}
