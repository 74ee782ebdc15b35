package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// RunBucket runs the settlement bucket's suite; open returns an empty
// bucket for each subtest.
func RunBucket(t *testing.T, open func(t *testing.T) settlement.Bucket) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, b settlement.Bucket)
	}{
		{"a missing object", missingObject},
		{"put, stat, get and open from an offset", putAndRead},
		{"an object rewritten has another ETag", rewritten},
		{"a large object streams", largeObject},
		{"an object put from a stream is whole or not at all", putStream},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

func missingObject(t *testing.T, b settlement.Bucket) {
	ctx := context.Background()
	if _, err := b.Stat(ctx, "transactions2026_12_01.csv"); !errors.Is(err, settlement.ErrNoObject) {
		t.Errorf("Stat: %v, want ErrNoObject", err)
	}
	if _, err := b.Get(ctx, "reports/2026/12/01/summary.json"); !errors.Is(err, settlement.ErrNoObject) {
		t.Errorf("Get: %v, want ErrNoObject", err)
	}
	if _, err := b.Open(ctx, "transactions2026_12_01.csv", `"x"`, 0); !errors.Is(err, settlement.ErrNoObject) {
		t.Errorf("Open: %v, want ErrNoObject", err)
	}
}

func readAll(t *testing.T, b settlement.Bucket, key, etag string, offset int64) string {
	t.Helper()
	r, err := b.Open(context.Background(), key, etag, offset)
	if err != nil {
		t.Fatalf("Open(%s, %d): %v", key, offset, err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

func putAndRead(t *testing.T, b settlement.Bucket) {
	ctx := context.Background()
	key := "reports/2026/12/01/exceptions.csv"
	body := "TRANSACTION_ID,RULE\r\nt1,\"ADJ,USTED\"\n\xef\xbb\xbf"
	if err := b.Put(ctx, key, "text/csv", []byte(body)); err != nil {
		t.Fatal(err)
	}
	obj, err := b.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if obj.ETag == "" || obj.Size != int64(len(body)) || obj.Key != key {
		t.Errorf("Stat: %+v", obj)
	}
	if got, err := b.Get(ctx, key); err != nil || string(got) != body {
		t.Errorf("Get: %q %v", got, err)
	}
	for _, off := range []int64{0, 5, int64(len(body)) - 1, int64(len(body))} {
		if got := readAll(t, b, key, obj.ETag, off); got != body[off:] {
			t.Errorf("Open at %d: %q, want %q", off, got, body[off:])
		}
	}
}

func rewritten(t *testing.T, b settlement.Bucket) {
	ctx := context.Background()
	key := "transactions2026_12_01.csv"
	if err := b.Put(ctx, key, "text/csv", []byte("one")); err != nil {
		t.Fatal(err)
	}
	first, err := b.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, key, "text/csv", []byte("two!")); err != nil {
		t.Fatal(err)
	}
	second, err := b.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if first.ETag == second.ETag {
		t.Errorf("the same ETag %s for other content", first.ETag)
	}
	if _, err := b.Open(ctx, key, first.ETag, 0); !errors.Is(err, settlement.ErrChanged) {
		t.Errorf("Open with the old ETag: %v, want ErrChanged", err)
	}
	if got := readAll(t, b, key, second.ETag, 0); got != "two!" {
		t.Errorf("Open: %q", got)
	}
}

func largeObject(t *testing.T, b settlement.Bucket) {
	ctx := context.Background()
	body := bytes.Repeat([]byte("t-123456789,PURCHASE,u1,10.00,ARS,APPROVED\n"), 100_000) // 4.3 MB
	if err := b.Put(ctx, "big.csv", "text/csv", body); err != nil {
		t.Fatal(err)
	}
	obj, err := b.Stat(ctx, "big.csv")
	if err != nil {
		t.Fatal(err)
	}
	off := int64(len(body) / 2)
	if got := readAll(t, b, "big.csv", obj.ETag, off); got != string(body[off:]) {
		t.Errorf("the second half read back differs (%d bytes, want %d)", len(got), len(body)-int(off))
	}
}

func putStream(t *testing.T, b settlement.Bucket) {
	ctx := context.Background()
	key := "reports/2026/12/01/exceptions.csv"
	line := []byte("t-0000001,ADJUSTED,ONLINE,APPROVED,DEBIT 10.00 ARS,file: APPROVED PURCHASE 10.00 ARS\n")
	const lines = 250_000 // 22 MB: several parts of a multipart upload
	write := func(fail bool) func(io.Writer) error {
		return func(w io.Writer) error {
			for i := range lines {
				if fail && i == lines/2 {
					return errors.New("the run stopped")
				}
				if _, err := w.Write(line); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if err := b.Put(ctx, key, "text/csv", []byte("before\n")); err != nil {
		t.Fatal(err)
	}
	if err := b.PutStream(ctx, key, "text/csv", write(true)); err == nil {
		t.Fatal("a stream that failed was put")
	}
	if got, err := b.Get(ctx, key); err != nil || string(got) != "before\n" {
		t.Fatalf("after a failed stream: %.20q, %v; want the object as it was", got, err)
	}
	for _, n := range []int{lines, 0} {
		err := b.PutStream(ctx, key, "text/csv", func(w io.Writer) error {
			if n == 0 {
				_, err := w.Write([]byte("small\n"))
				return err
			}
			return write(false)(w)
		})
		if err != nil {
			t.Fatal(err)
		}
		obj, err := b.Stat(ctx, key)
		want := int64(len(line) * n)
		if n == 0 {
			want = 6
		}
		if err != nil || obj.Size != want {
			t.Fatalf("streamed %d lines: %+v, %v; want %d bytes", n, obj, err, want)
		}
	}
}
