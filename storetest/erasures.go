package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
)

// RunErasures runs the suite every store of erasures passes; open returns
// an empty store for each subtest.
func RunErasures(t *testing.T, open func(t *testing.T) erasure.Records) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s erasure.Records)
	}{
		{"an erasure is recorded with its tombstone, once", erasureRecorded},
		{"receipts to ask again are listed, then not", erasuresPending},
		{"erased references are marked", erasedMarked},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

func receiptOf(id string, at time.Time) erasure.Receipt {
	return erasure.Receipt{
		ID: id, PersonHash: "p-1", At: at, Status: erasure.Erasing, Verifications: 2, Events: 3,
		Made: []erasure.ProviderMade{{Provider: "belvo", Made: erasure.Made{Verification: "ver_1", StartedAt: at, Reference: "link-1"}, Deletions: []erasure.Deletion{}}},
	}
}

func erasureRecorded(t *testing.T, s erasure.Records) {
	ctx := context.Background()
	tomb, err := s.Tombstone(ctx, "p-1")
	if err != nil || tomb.PersonHash != "p-1" || tomb.Version != 0 || len(tomb.Erasures) != 0 {
		t.Fatalf("no tombstone yet: %+v, %v", tomb, err)
	}
	r := receiptOf("era_aaaaaaaaaaaaaaaaaaaaaaaaaa", T0)
	tomb.Erasures = []string{r.ID}
	if err := s.Begin(ctx, tomb, r, []string{"g-1", "g-2"}); err != nil {
		t.Fatal(err)
	}
	// A second begin from the tombstone as first read: someone else's.
	if err := s.Begin(ctx, tomb, receiptOf("era_bbbbbbbbbbbbbbbbbbbbbbbbbb", T0), nil); !errors.Is(err, erasure.ErrConflict) {
		t.Errorf("a begin from a stale tombstone: %v, want ErrConflict", err)
	}
	if _, err := s.Receipt(ctx, "era_bbbbbbbbbbbbbbbbbbbbbbbbbb"); !errors.Is(err, erasure.ErrNoReceipt) {
		t.Errorf("the refused begin's receipt: %v, want ErrNoReceipt", err)
	}
	got, err := s.Tombstone(ctx, "p-1")
	if err != nil || got.Version != 1 || fmt.Sprint(got.Erasures) != fmt.Sprint([]string{r.ID}) {
		t.Errorf("tombstone %+v, %v", got, err)
	}
	kept, err := s.Receipt(ctx, r.ID)
	if err != nil || fmt.Sprintf("%+v", kept) != fmt.Sprintf("%+v", r) {
		t.Errorf("receipt %+v, %v\nwant %+v", kept, err, r)
	}
	r.Status, r.Tries = erasure.Completed, 1
	r.Made[0].Deletions = []erasure.Deletion{{Provider: "belvo", Reference: "link-1", Status: erasure.Deleted}}
	if err := s.Keep(ctx, r); err != nil {
		t.Fatal(err)
	}
	if kept, _ := s.Receipt(ctx, r.ID); kept.Status != erasure.Completed || kept.Providers()[0].Status != erasure.Deleted {
		t.Errorf("kept %+v", kept)
	}
	next := receiptOf("era_cccccccccccccccccccccccccc", T0.Add(time.Hour))
	got.Erasures = append(got.Erasures, next.ID)
	if err := s.Begin(ctx, got, next, nil); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Tombstone(ctx, "p-1"); again.Version != 2 || len(again.Erasures) != 2 {
		t.Errorf("after the second erasure: %+v", again)
	}
}

func erasuresPending(t *testing.T, s erasure.Records) {
	ctx := context.Background()
	tomb, _ := s.Tombstone(ctx, "p-1")
	var ids []string
	for i, id := range []string{"era_aaaaaaaaaaaaaaaaaaaaaaaaaa", "era_bbbbbbbbbbbbbbbbbbbbbbbbbb", "era_cccccccccccccccccccccccccc"} {
		r := receiptOf(id, T0.Add(time.Duration(i)*time.Minute))
		tomb.Erasures = append(tomb.Erasures, id)
		if err := s.Begin(ctx, tomb, r, nil); err != nil {
			t.Fatal(err)
		}
		tomb.Version++
		r.Status, r.Tries = erasure.Completed, 1
		if i != 1 { // the second's provider deleted
			r.Made[0].Deletions = []erasure.Deletion{{Provider: "belvo", Reference: "link-1", Status: erasure.Failed, Error: "down"}}
			ids = append(ids, id)
		}
		if err := s.Keep(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	list := func() string {
		rs, err := s.Pending(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return fmt.Sprint(out)
	}
	if got := list(); got != fmt.Sprint(ids) {
		t.Errorf("pending %s, want %v", got, ids)
	}
	// Asked again: one deletes, the other ran out of tries.
	done, _ := s.Receipt(ctx, ids[0])
	done.Made[0].Deletions[0].Status, done.Tries = erasure.Deleted, 2
	spent, _ := s.Receipt(ctx, ids[1])
	spent.Tries = erasure.MaxTries
	for _, r := range []erasure.Receipt{done, spent} {
		if err := s.Keep(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if got := list(); got != "[]" {
		t.Errorf("pending after: %s", got)
	}
}

func erasedMarked(t *testing.T, s erasure.Records) {
	g, ok := s.(interface {
		Gone(ctx context.Context, keys []string) (bool, error)
	})
	if !ok {
		t.Fatalf("%T marks no erased reference", s)
	}
	ctx := context.Background()
	tomb, _ := s.Tombstone(ctx, "p-1")
	tomb.Erasures = []string{"era_aaaaaaaaaaaaaaaaaaaaaaaaaa"}
	marks := make([]string, 150) // more than one write holds
	for i := range marks {
		marks[i] = fmt.Sprint("g-", i)
	}
	if err := s.Begin(ctx, tomb, receiptOf("era_aaaaaaaaaaaaaaaaaaaaaaaaaa", T0), marks); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		keys []string
		want bool
	}{
		{[]string{"g-0"}, true}, {[]string{"g-149"}, true}, {[]string{"x", "g-7", "g-7"}, true}, {[]string{"x", "y"}, false}, {nil, false},
	} {
		if got, err := g.Gone(ctx, tc.keys); err != nil || got != tc.want {
			t.Errorf("Gone(%v) = %v, %v; want %v", tc.keys, got, err, tc.want)
		}
	}
}
