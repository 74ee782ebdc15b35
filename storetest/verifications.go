package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/verification"
)

// RunVerifications runs the suite every store of verifications passes;
// open returns an empty store for each subtest.
func RunVerifications(t *testing.T, open func(t *testing.T) verification.Store) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s verification.Store)
	}{
		{"a verification is kept whole", keptWhole},
		{"an external id is claimed once", externalIDOnce},
		{"a window moved since it was read keeps nothing", windowConflict},
		{"a save expects the version it read", saveVersion},
		{"a reference finds its verification", referenceFinds},
		{"due lists pending verifications by next check", dueListing},
		{"concurrent saves: one wins", concurrentSaves},
		{"a large report fits", largeReport},
		{"due reads past a page of 1 MB", duePastAPage},
		{"what no store can take is refused", verificationLimits},
		{"a provider start is claimed once", startClaimedOnce},
		{"an unconfirmed start is found, not sent again", unconfirmedStart},
		{"unauthenticated hints are coalesced", hintsCoalesced},
		{"a person's verifications, none of another", byPerson},
		{"erased verifications are gone with their claims", erasedVerifications},
		{"a verification changed since it was read is not erased", erasedChanged},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// Ver returns a PENDING verification numbered n, created at T0 plus n
// seconds, due PollAfter later.
func Ver(n int) verification.Verification {
	at := T0.Add(time.Duration(n) * time.Second)
	return verification.Verification{
		ID: fmt.Sprintf("ver_%026d", n), Input: verification.Input{CURP: "HEGG560427MVZRRL04"}, Status: verification.Pending,
		CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(720 * time.Hour), NextCheck: at.Add(2 * time.Minute), Version: 1,
	}
}

func create(t *testing.T, s verification.Store, v verification.Verification, key string) {
	t.Helper()
	ctx := context.Background()
	w, err := s.Window(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	w.Created = append(w.Created, v.CreatedAt)
	if err := s.Create(ctx, v, w); err != nil {
		t.Fatalf("Create(%s): %v", v.ID, err)
	}
}

func get(t *testing.T, s verification.Store, id string) verification.Verification {
	t.Helper()
	v, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return v
}

func same(t *testing.T, what string, got, want verification.Verification) {
	t.Helper()
	g, err1 := verification.Encode(got)
	w, err2 := verification.Encode(want)
	if err1 != nil || err2 != nil || string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func keptWhole(t *testing.T, s verification.Store) {
	ctx := context.Background()
	v := Ver(1)
	v.ExternalID, v.Input.NSS, v.Input.Provider = "loan-ñ-1", "12345678903", "td"
	create(t, s, v, "k1")
	same(t, "created", get(t, s, v.ID), v)
	if _, err := s.Get(ctx, Ver(2).ID); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("Get of another id: %v, want ErrNotFound", err)
	}
	w, err := s.Window(ctx, "k1")
	if err != nil || w.Key != "k1" || w.Version != 1 || len(w.Created) != 1 || !w.Created[0].Equal(v.CreatedAt) {
		t.Errorf("Window = %+v, %v", w, err)
	}
	if w, err := s.Window(ctx, "k2"); err != nil || w.Key != "k2" || w.Version != 0 || len(w.Created) != 0 {
		t.Errorf("an empty Window = %+v, %v", w, err)
	}

	p := employment.ProblemOf(outcome.ProviderDown, "Service unavailable, please retry later")
	v.Attempts = []verification.Attempt{
		{Provider: "td", Status: verification.Failed, Error: &p, StartedAt: v.CreatedAt},
		{Provider: "palenca", Status: verification.Completed, Reference: "acc-1", StartedAt: v.CreatedAt.Add(time.Second), Notified: true},
	}
	v.Status, v.Report, v.NextCheck = verification.Completed, []byte(`{"person":{"name":"Ana Ñúñez"}}`), time.Time{}
	v.Version, v.UpdatedAt = 2, v.UpdatedAt.Add(time.Minute)
	if err := s.Save(ctx, v, nil); err != nil {
		t.Fatal(err)
	}
	same(t, "saved", get(t, s, v.ID), v)
	// What a read returns is the caller's: changing it changes nothing kept.
	mine := get(t, s, v.ID)
	mine.Attempts[0].Status, mine.Report[0] = verification.Expired, '['
	same(t, "after changing a copy", get(t, s, v.ID), v)
	if got, err := s.ByExternalID(ctx, "loan-ñ-1"); err != nil || got.Version != 2 {
		t.Errorf("ByExternalID = %+v, %v", got, err)
	}
	if _, err := s.ByExternalID(ctx, "loan-2"); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("ByExternalID of another: %v, want ErrNotFound", err)
	}
}

func externalIDOnce(t *testing.T, s verification.Store) {
	ctx := context.Background()
	a := Ver(1)
	a.ExternalID = "loan-1"
	create(t, s, a, "k1")
	b := Ver(2)
	b.ExternalID = "loan-1"
	w, _ := s.Window(ctx, "k2")
	w.Created = []time.Time{b.CreatedAt}
	if err := s.Create(ctx, b, w); !errors.Is(err, verification.ErrExternalID) {
		t.Fatalf("a second claim: %v, want ErrExternalID", err)
	}
	if _, err := s.Get(ctx, b.ID); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("the refused verification was kept: %v", err)
	}
	if w, _ := s.Window(ctx, "k2"); w.Version != 0 {
		t.Errorf("the refused creation moved its window: %+v", w)
	}
	if got, err := s.ByExternalID(ctx, "loan-1"); err != nil || got.ID != a.ID {
		t.Errorf("ByExternalID = %+v, %v; want the first", got, err)
	}
	// Without an external id nothing is claimed.
	create(t, s, Ver(3), "k3")
	create(t, s, Ver(4), "k4")
}

func windowConflict(t *testing.T, s verification.Store) {
	ctx := context.Background()
	stale, _ := s.Window(ctx, "k")
	create(t, s, Ver(1), "k")
	v := Ver(2)
	v.ExternalID = "loan-2"
	stale.Created = []time.Time{v.CreatedAt}
	if err := s.Create(ctx, v, stale); !errors.Is(err, verification.ErrConflict) {
		t.Fatalf("a stale window: %v, want ErrConflict", err)
	}
	if _, err := s.Get(ctx, v.ID); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("kept after a conflict: %v", err)
	}
	if _, err := s.ByExternalID(ctx, "loan-2"); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("the external id was claimed after a conflict: %v", err)
	}
	w, _ := s.Window(ctx, "k")
	if w.Version != 1 || len(w.Created) != 1 {
		t.Errorf("window = %+v", w)
	}
	create(t, s, v, "k")
	if w, _ := s.Window(ctx, "k"); w.Version != 2 || len(w.Created) != 2 {
		t.Errorf("window after the second = %+v", w)
	}
}

func saveVersion(t *testing.T, s verification.Store) {
	ctx := context.Background()
	v := Ver(1)
	create(t, s, v, "k")
	v.Version = 3 // as if version 2 were kept
	v.Status = verification.Failed
	if err := s.Save(ctx, v, &verification.Reference{Provider: "td", Reference: "seq-1"}); !errors.Is(err, verification.ErrConflict) {
		t.Fatalf("a save skipping a version: %v, want ErrConflict", err)
	}
	if got := get(t, s, v.ID); got.Version != 1 || got.Status != verification.Pending {
		t.Errorf("changed by a refused save: %+v", got)
	}
	if _, err := s.ByReference(ctx, "td", "seq-1"); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("a refused save claimed its reference: %v", err)
	}
	if err := s.Save(ctx, Ver(9), nil); !errors.Is(err, verification.ErrConflict) {
		t.Errorf("saving one never created: %v, want ErrConflict", err)
	}
	if _, err := s.Get(ctx, Ver(9).ID); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("a save created a verification: %v", err)
	}
}

func referenceFinds(t *testing.T, s verification.Store) {
	ctx := context.Background()
	v := Ver(1)
	create(t, s, v, "k")
	v.Version = 2
	v.Attempts = []verification.Attempt{{Provider: "td", Status: verification.Pending, Reference: "1699272744735016I303341798930550", StartedAt: v.CreatedAt}}
	if err := s.Save(ctx, v, &verification.Reference{Provider: "td", Reference: "1699272744735016I303341798930550"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByReference(ctx, "td", "1699272744735016I303341798930550")
	if err != nil || got.ID != v.ID || got.Version != 2 {
		t.Errorf("ByReference = %+v, %v", got, err)
	}
	for _, ref := range [][2]string{{"belvo", "1699272744735016I303341798930550"}, {"td", "other"}} {
		if _, err := s.ByReference(ctx, ref[0], ref[1]); !errors.Is(err, verification.ErrNotFound) {
			t.Errorf("ByReference(%s, %s): %v, want ErrNotFound", ref[0], ref[1], err)
		}
	}
}

func dueListing(t *testing.T, s verification.Store) {
	ctx := context.Background()
	for n := 1; n <= 5; n++ {
		create(t, s, Ver(n), fmt.Sprint("k", n))
	}
	done := get(t, s, Ver(2).ID)
	done.Status, done.NextCheck, done.Version = verification.Completed, time.Time{}, 2
	if err := s.Save(ctx, done, nil); err != nil {
		t.Fatal(err)
	}
	later := get(t, s, Ver(1).ID)
	later.NextCheck, later.Version = T0.Add(time.Hour), 2
	if err := s.Save(ctx, later, nil); err != nil {
		t.Fatal(err)
	}
	ids := func(vs []verification.Verification) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.ID[len(v.ID)-1:])
		}
		return strings.Join(out, ",")
	}
	var got []verification.Verification
	var err error
	// Due lists follow writes eventually (DynamoDB's indexes): wait a
	// little for them.
	for range 50 {
		if got, err = s.Due(ctx, T0.Add(10*time.Minute), 10); err != nil || ids(got) == "3,4,5" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || ids(got) != "3,4,5" {
		t.Errorf("Due = %s, %v; want 3,4,5", ids(got), err)
	}
	if got, _ := s.Due(ctx, T0.Add(10*time.Minute), 2); ids(got) != "3,4" {
		t.Errorf("Due limited to 2 = %s", ids(got))
	}
	if got, _ := s.Due(ctx, T0.Add(2*time.Minute+3*time.Second), 10); ids(got) != "3" {
		t.Errorf("Due at 3's check = %s, want 3", ids(got))
	}
	if got, _ := s.Due(ctx, T0, 10); len(got) != 0 {
		t.Errorf("Due before any = %s", ids(got))
	}
	if got, _ := s.Due(ctx, T0.Add(2*time.Hour), 10); ids(got) != "3,4,5,1" {
		t.Errorf("Due later = %s, want 3,4,5,1", ids(got))
	}
}

func concurrentSaves(t *testing.T, s verification.Store) {
	ctx := context.Background()
	v := Ver(1)
	create(t, s, v, "k")
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Go(func() {
			w := v
			w.Version = 2
			w.Attempts = []verification.Attempt{{Provider: fmt.Sprint("p", i), Status: verification.Pending, Reference: "r", StartedAt: T0}}
			err := s.Save(ctx, w, &verification.Reference{Provider: w.Provider(), Reference: "r"})
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.Is(err, verification.ErrConflict):
				t.Errorf("Save: %v", err)
			}
		})
	}
	wg.Wait()
	got := get(t, s, v.ID)
	if won != 1 || got.Version != 2 {
		t.Errorf("%d saves won, version %d; want 1 and 2", won, got.Version)
	}
	if found, err := s.ByReference(ctx, got.Provider(), "r"); err != nil || found.ID != v.ID {
		t.Errorf("the winner's reference: %+v, %v", found, err)
	}
}

func largeReport(t *testing.T, s verification.Store) {
	v := Ver(1)
	create(t, s, v, "k")
	v.Report = []byte(`{"jobs":"` + strings.Repeat("ñ", storable.ItemBytes/2/2-100) + `"}`)
	v.Version, v.Status, v.NextCheck = 2, verification.Completed, time.Time{}
	if err := s.Save(context.Background(), v, nil); err != nil {
		t.Fatalf("a %d-byte report: %v", len(v.Report), err)
	}
	same(t, "large", get(t, s, v.ID), v)
}

func verificationLimits(t *testing.T, s verification.Store) {
	ctx := context.Background()
	v := Ver(1)
	v.ExternalID = strings.Repeat("x", storable.MaxID+1)
	w, _ := s.Window(ctx, "k")
	if err := s.Create(ctx, v, w); !errors.Is(err, storable.ErrInvalid) {
		t.Errorf("a long external id: %v, want ErrInvalid", err)
	}
	v.ExternalID = ""
	create(t, s, v, "k")
	v.Version = 2
	if err := s.Save(ctx, v, &verification.Reference{Provider: "td", Reference: strings.Repeat("r", storable.MaxID+1)}); !errors.Is(err, storable.ErrInvalid) {
		t.Errorf("a long reference: %v, want ErrInvalid", err)
	}
	if _, err := s.ByReference(ctx, "td", strings.Repeat("r", storable.MaxID+1)); !errors.Is(err, verification.ErrNotFound) && !errors.Is(err, storable.ErrInvalid) {
		t.Errorf("ByReference of a long reference: %v", err)
	}
}

// duePastAPage: Due answers up to its limit even when the due
// verifications take more than the 1 MB a DynamoDB page holds.
func duePastAPage(t *testing.T, s verification.Store) {
	const n = 8
	for i := 1; i <= n; i++ {
		v := Ver(i)
		// Pending verifications carry no report; the store keeps what it is
		// given, and this one is large enough that 8 pass 1 MB.
		v.Report = []byte(`{"jobs":"` + strings.Repeat("x", storable.ItemBytes/2-100) + `"}`)
		create(t, s, v, fmt.Sprint("k", i))
	}
	var got []verification.Verification
	var err error
	for range 50 { // the index follows writes eventually
		if got, err = s.Due(context.Background(), T0.Add(time.Hour), 100); err != nil || len(got) == n {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || len(got) != n {
		t.Errorf("Due = %d verifications, %v; want %d", len(got), err, n)
	}
}

// byPerson: a person's verifications are listed whole, oldest first, past
// a batch of 100, and none of a person whose CURP differs by one letter;
// a verification saved since is listed as saved.
func byPerson(t *testing.T, s verification.Store) {
	p, ok := s.(interface {
		ByPerson(ctx context.Context, person string) ([]verification.Verification, error)
	})
	if !ok {
		t.Fatalf("%T lists no person's verifications", s)
	}
	ctx := context.Background()
	const mine, similar = "HEGG560427MVZRRL04", "HEGG560427MVZRRL05"
	var want []string
	for n := range 105 {
		v := Ver(n)
		if n%7 == 3 {
			v.Input.CURP = similar
		} else {
			want = append(want, v.ID)
		}
		create(t, s, v, verification.PersonKey(v.Input.CURP))
	}
	saved := get(t, s, Ver(1).ID)
	saved.Status, saved.Report, saved.Version = verification.Completed, []byte(`{"person":{"name":"Ana"}}`), saved.Version+1
	if err := s.Save(ctx, saved, nil); err != nil {
		t.Fatal(err)
	}
	got, err := p.ByPerson(ctx, verification.PersonKey(mine))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range got {
		ids = append(ids, v.ID)
		if v.Input.CURP != mine {
			t.Errorf("%s is %s's", v.ID, v.Input.CURP)
		}
	}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("%d verifications, want %d oldest first:\n%v", len(ids), len(want), ids)
	}
	if len(got) > 1 && (got[1].Status != verification.Completed || string(got[1].Report) != `{"person":{"name":"Ana"}}`) {
		t.Errorf("the saved one is listed as %+v", got[1])
	}
	if none, err := p.ByPerson(ctx, verification.PersonKey("ROMA880315MDFDRR07")); err != nil || len(none) != 0 {
		t.Errorf("a person with none: %d, %v", len(none), err)
	}
}

// erasedVerifications: an erase removes the verifications whole, with
// their external ids and references (which a new verification may claim
// again), says how many it held, keeps every other, and erasing again
// removes nothing, not even a claim made since.
// erasedChanged: an erase of verifications read before one of them changed
// erases the others and refuses the changed one with ErrConflict, keeping
// it and its claims whole, so that the erase reads it again.
func erasedChanged(t *testing.T, s verification.Store) {
	e := s.(interface {
		Erase(ctx context.Context, vs []verification.Verification) (int, error)
	})
	ctx := context.Background()
	v1, v2 := Ver(1), Ver(2)
	v1.ExternalID = "loan-1"
	for _, v := range []verification.Verification{v1, v2} {
		create(t, s, v, verification.PersonKey(v.Input.CURP))
	}
	read := []verification.Verification{get(t, s, v1.ID), get(t, s, v2.ID)}
	moved := read[0]
	moved.Version++
	moved.Attempts = []verification.Attempt{{Provider: "td", Status: verification.Pending, Reference: "ref-1", StartedAt: moved.CreatedAt}}
	if err := s.Save(ctx, moved, &verification.Reference{Provider: "td", Reference: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Erase(ctx, read); !errors.Is(err, verification.ErrConflict) || n != 1 {
		t.Fatalf("Erase = %d, %v; want 1, ErrConflict", n, err)
	}
	if _, err := s.Get(ctx, v2.ID); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("the unchanged one after the erase: %v", err)
	}
	if got, err := s.ByReference(ctx, "td", "ref-1"); err != nil || got.ID != v1.ID {
		t.Errorf("the changed one's reference: %+v, %v", got, err)
	}
	if got, err := s.ByExternalID(ctx, "loan-1"); err != nil || got.ID != v1.ID {
		t.Errorf("the changed one's external id: %+v, %v", got, err)
	}
	if n, err := e.Erase(ctx, []verification.Verification{get(t, s, v1.ID)}); err != nil || n != 1 {
		t.Errorf("read again, Erase = %d, %v", n, err)
	}
}

func erasedVerifications(t *testing.T, s verification.Store) {
	e, ok := s.(interface {
		ByPerson(ctx context.Context, person string) ([]verification.Verification, error)
		Erase(ctx context.Context, vs []verification.Verification) (int, error)
	})
	if !ok {
		t.Fatalf("%T erases no verification", s)
	}
	ctx := context.Background()
	const ana, luis = "HEGG560427MVZRRL04", "ROMA880315MDFDRR07"
	v1, v2, v3 := Ver(1), Ver(2), Ver(3)
	v1.ExternalID, v3.ExternalID, v3.Input.CURP = "loan-1", "loan-3", luis
	for _, v := range []verification.Verification{v1, v2, v3} {
		create(t, s, v, verification.PersonKey(v.Input.CURP))
	}
	v1 = get(t, s, v1.ID)
	v1.Version++
	v1.Attempts = []verification.Attempt{{Provider: "td", Status: verification.Pending, Reference: "ref-1", StartedAt: v1.CreatedAt}}
	if err := s.Save(ctx, v1, &verification.Reference{Provider: "td", Reference: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	anas, err := e.ByPerson(ctx, verification.PersonKey(ana))
	if err != nil || len(anas) != 2 {
		t.Fatalf("Ana's: %d, %v", len(anas), err)
	}
	if n, err := e.Erase(ctx, anas); err != nil || n != 2 {
		t.Fatalf("Erase = %d, %v; want 2", n, err)
	}
	for _, v := range anas {
		if _, err := s.Get(ctx, v.ID); !errors.Is(err, verification.ErrNotFound) {
			t.Errorf("%s after the erase: %v", v.ID, err)
		}
	}
	if _, err := s.ByExternalID(ctx, "loan-1"); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("loan-1 after the erase: %v", err)
	}
	if _, err := s.ByReference(ctx, "td", "ref-1"); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("ref-1 after the erase: %v", err)
	}
	if got, err := e.ByPerson(ctx, verification.PersonKey(ana)); err != nil || len(got) != 0 {
		t.Errorf("Ana's after the erase: %d, %v", len(got), err)
	}
	if got, err := s.ByExternalID(ctx, "loan-3"); err != nil || got.ID != v3.ID {
		t.Errorf("Luis's: %+v, %v", got, err)
	}
	// Erasure is no ban: Ana may be verified again, under the same
	// external id; erasing the old ones again leaves the new claim.
	again := Ver(4)
	again.ExternalID = "loan-1"
	create(t, s, again, verification.PersonKey(ana))
	if n, err := e.Erase(ctx, anas); err != nil || n != 0 {
		t.Errorf("again: %d, %v; want 0", n, err)
	}
	if got, err := s.ByExternalID(ctx, "loan-1"); err != nil || got.ID != again.ID {
		t.Errorf("the new loan-1 after erasing the old again: %+v, %v", got, err)
	}
}
