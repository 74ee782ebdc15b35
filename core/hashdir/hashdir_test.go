package hashdir

import (
	"math/rand/v2"
	"slices"
	"testing"
)

type rec struct {
	hash uint64
	id   int
}

func TestBuild(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1000, 4097} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		xs := make([]rec, n)
		for i := range xs {
			xs[i] = rec{hash: rng.Uint64(), id: i}
			if i > 0 && i%5 == 0 {
				xs[i].hash = xs[i-1].hash // repeated hashes land together
			}
		}
		want := slices.Clone(xs)
		d := Build(xs, func(r *rec) uint64 { return r.hash })
		got := slices.Clone(xs)
		byID := func(a, b rec) int { return a.id - b.id }
		slices.SortFunc(got, byID)
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: Build lost or changed records", n)
		}
		for _, w := range want {
			lo, hi := d.Range(w.hash)
			if !slices.Contains(xs[lo:hi], w) {
				t.Fatalf("n=%d: record %d not in its range [%d,%d)", n, w.id, lo, hi)
			}
		}
		for i := range 100 {
			h := rng.Uint64()
			lo, hi := d.Range(h)
			for _, x := range xs[lo:hi] {
				if n > 0 && x.hash>>d.shift != h>>d.shift {
					t.Fatalf("n=%d, probe %d: range holds another prefix", n, i)
				}
			}
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]rec, 1_000_000)
	for i := range src {
		src[i] = rec{hash: rng.Uint64(), id: i}
	}
	xs := make([]rec, len(src))
	for b.Loop() {
		copy(xs, src)
		Build(xs, func(r *rec) uint64 { return r.hash })
	}
}
