// Package hashdir lays records out by a 64-bit hash they carry, in place,
// with a directory of where each leading-bits prefix of the hash starts:
// finding a hash then reads one directory slot and the few records of its
// prefix, and the layout costs two passes over the records, not a sort.
package hashdir

import "math/bits"

// Dir is the directory of records laid out by Build.
type Dir struct {
	starts []uint32 // starts[p] is the first record whose hash starts with p
	shift  uint
}

// Build reorders xs by the leading bits of hash(x), as many bits as it
// takes to count len(xs)/8 (about eight records a prefix), and returns their
// directory. Records of one prefix are left in no particular order; xs
// must hold fewer than 2^32 records.
func Build[T any](xs []T, hash func(*T) uint64) Dir {
	// About eight records a prefix: a directory small enough to stay in
	// the processor's cache, and a prefix's records a cache line or three.
	width := uint(max(bits.Len(uint(len(xs)))-3, 0))
	d := Dir{starts: make([]uint32, 1<<width+1), shift: 64 - width}
	if width == 0 {
		d.starts[1] = uint32(len(xs))
		return d
	}
	// Two passes, each over few enough prefixes for its counts to stay in
	// the processor's cache: the leading bits, then the rest of the
	// prefix within each part.
	high := min(width, 11)
	low := width - high
	parts := make([]uint32, 1<<high+1)
	next := make([]uint32, max(1<<high, 1<<low))
	partition(xs, func(x *T) uint64 { return hash(x) >> (64 - high) }, parts, next)
	mask := uint64(1)<<low - 1
	for p := range 1 << high {
		lo, hi := parts[p], parts[p+1]
		sub := d.starts[p<<low : (p+1)<<low+1]
		partition(xs[lo:hi], func(x *T) uint64 { return hash(x) >> d.shift & mask }, sub, next)
		for i := range sub {
			sub[i] += lo
		}
	}
	d.starts[len(d.starts)-1] = uint32(len(xs))
	return d
}

// partition reorders xs by key(x), below len(starts)-1, in place, and sets
// starts[k] to where key k's records start (starts[len-1] to len(xs)).
// next is scratch space of len(starts)-1 at least.
func partition[T any](xs []T, key func(*T) uint64, starts, next []uint32) {
	clear(starts)
	for i := range xs {
		starts[key(&xs[i])+1]++
	}
	for k := 1; k < len(starts); k++ {
		starts[k] += starts[k-1]
	}
	// Each record is swapped at most once into the key it belongs to:
	// next[k] is the first place of key k not yet filled.
	next = next[:len(starts)-1]
	copy(next, starts)
	for k := range next {
		for next[k] < starts[k+1] {
			i := next[k]
			q := key(&xs[i])
			if q == uint64(k) {
				next[k]++
				continue
			}
			xs[i], xs[next[q]] = xs[next[q]], xs[i]
			next[q]++
		}
	}
}

// Range returns where the records whose hash shares h's prefix lie in the
// records Build laid out: xs[lo:hi].
func (d Dir) Range(h uint64) (lo, hi int) {
	if len(d.starts) < 2 {
		return 0, 0
	}
	p := h >> d.shift
	return int(d.starts[p]), int(d.starts[p+1])
}
