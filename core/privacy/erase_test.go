package privacy_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// memRecords keeps the erasures in memory; failUpdates fails the next
// Updates, as a crash would leave them.
type memRecords struct {
	mu          sync.Mutex
	tombstones  map[string]erasure.Tombstone
	receipts    map[string]erasure.Receipt
	gone        []string
	failUpdates int
}

func newRecords() *memRecords {
	return &memRecords{tombstones: map[string]erasure.Tombstone{}, receipts: map[string]erasure.Receipt{}}
}

func (m *memRecords) Tombstone(_ context.Context, person string) (erasure.Tombstone, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tombstones[person]; ok {
		return t, nil
	}
	return erasure.Tombstone{PersonHash: person}, nil
}

func (m *memRecords) Begin(_ context.Context, t erasure.Tombstone, r erasure.Receipt, gone []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tombstones[t.PersonHash].Version != t.Version {
		return erasure.ErrConflict
	}
	t.Version++
	m.tombstones[t.PersonHash], m.receipts[r.ID] = t, r
	m.gone = append(m.gone, gone...)
	return nil
}

func (m *memRecords) Keep(_ context.Context, r erasure.Receipt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failUpdates > 0 {
		m.failUpdates--
		return errors.New("the store is down")
	}
	m.receipts[r.ID] = r
	return nil
}

func (m *memRecords) Receipt(_ context.Context, id string) (erasure.Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.receipts[id]
	if !ok {
		return r, erasure.ErrNoReceipt
	}
	return r, nil
}

func (m *memRecords) Pending(_ context.Context, limit int) ([]erasure.Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []erasure.Receipt
	for _, r := range m.receipts {
		if r.Pending() && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// eraser deletes at one provider, failing while fail is above zero; it
// records what it was asked.
type eraser struct {
	provider string
	fail     int
	asked    []string
}

func (e *eraser) Erase(_ context.Context, m erasure.Made) []erasure.Deletion {
	e.asked = append(e.asked, m.Reference)
	if e.provider == "td" {
		return []erasure.Deletion{{Provider: "td", Reference: m.Reference, Status: erasure.NotSupported, Error: "no deletion"}}
	}
	if e.fail > 0 {
		e.fail--
		return []erasure.Deletion{{Provider: e.provider, Reference: m.Reference, Status: erasure.Failed, Error: "down"}}
	}
	return []erasure.Deletion{{Provider: e.provider, Reference: m.Reference, Status: erasure.Deleted}}
}

// erasing is h with erases that remove what they name.
type erasing struct{ *held }

func (h erasing) Erase(_ context.Context, vs []verification.Verification) (int, error) {
	n := len(h.verifications)
	h.verifications = slices.DeleteFunc(h.verifications, func(v verification.Verification) bool {
		return slices.ContainsFunc(vs, func(x verification.Verification) bool { return x.ID == v.ID })
	})
	return n - len(h.verifications), nil
}

type erasingEvents struct{ heldEvents }

func (h erasingEvents) Erase(_ context.Context, es []webhook.Event) (int, error) {
	n := len(h.events)
	h.events = slices.DeleteFunc(h.events, func(e webhook.Event) bool {
		return slices.ContainsFunc(es, func(x webhook.Event) bool { return x.ID == e.ID })
	})
	return n - len(h.events), nil
}

func service(h *held, rec *memRecords, erasers ...*eraser) *privacy.Service {
	s := &privacy.Service{
		People:  privacy.People{Verifications: erasing{h}, Events: erasingEvents{heldEvents{h}}},
		Records: rec, Erasers: map[string]erasure.Eraser{}, Hasher: erasure.Hasher{Key: []byte("erasure-test-key")},
		Now: func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) }, Random: rand.Reader,
	}
	for _, e := range erasers {
		s.Erasers[e.provider] = e
	}
	return s
}

func statuses(r erasure.Receipt) string {
	var out []string
	for _, d := range r.Providers() {
		out = append(out, d.Provider+":"+d.Reference+":"+string(d.Status))
	}
	return fmt.Sprint(out)
}

// TestErase: an erase asks each provider, removes the person's
// verifications and events from our stores, marks their references erased,
// keeps a tombstone and a receipt naming no CURP; a second finds nothing
// and names the first; another person's data stays.
func TestErase(t *testing.T) {
	h, rec := seeded(), newRecords()
	td, palenca, belvo := &eraser{provider: "td"}, &eraser{provider: "palenca"}, &eraser{provider: "belvo"}
	s := service(h, rec, td, palenca, belvo)
	r, err := s.Erase(context.Background(), ana)
	if err != nil {
		t.Fatal(err)
	}
	if !erasure.ValidID(r.ID) || r.Status != erasure.Completed || r.Verifications != 2 || r.Events != 5 || r.Tries != 1 || len(r.Previous) != 0 ||
		r.PersonHash != s.Hasher.Person(ana) || r.PersonHash == verification.PersonKey(ana) {
		t.Errorf("receipt %+v", r)
	}
	if got := statuses(r); got != "[td:1700000001:NOT_SUPPORTED palenca:acc-1:DELETED belvo:link-1:DELETED]" {
		t.Errorf("providers %s", got)
	}
	if len(h.verifications) != 1 || h.verifications[0].ID != "ver_3" || len(h.events) != 2 {
		t.Errorf("left: %+v %+v", h.verifications, h.events)
	}
	for _, subject := range []string{"td:1700000001", "palenca:acc-1", "belvo:link-1"} {
		if !slices.Contains(rec.gone, s.Hasher.Gone(subject)) {
			t.Errorf("%s is not marked erased", subject)
		}
	}
	if kept, _ := rec.Receipt(context.Background(), r.ID); kept.Status != erasure.Completed || statuses(kept) != statuses(r) {
		t.Errorf("kept %+v", kept)
	}
	again, err := s.Erase(context.Background(), ana)
	if err != nil || again.ID == r.ID || again.Verifications != 0 || again.Events != 0 || len(again.Providers()) != 0 ||
		fmt.Sprint(again.Previous) != fmt.Sprint([]string{r.ID}) {
		t.Errorf("again: %+v, %v", again, err)
	}
	if len(td.asked) != 1 || len(palenca.asked) != 1 {
		t.Errorf("providers asked again: td %v palenca %v", td.asked, palenca.asked)
	}
	if _, err := s.Erase(context.Background(), "HEGG560427MVZRRL0"); !errors.Is(err, identity.ErrCURP) {
		t.Errorf("an invalid CURP: %v", err)
	}
}

// TestEraseRetried: a provider that fails is asked again by Retry, round
// after round, until it deletes or MaxTries rounds have passed.
func TestEraseRetried(t *testing.T) {
	h, rec := seeded(), newRecords()
	belvo := &eraser{provider: "belvo", fail: 2}
	s := service(h, rec, &eraser{provider: "td"}, &eraser{provider: "palenca"}, belvo)
	r, err := s.Erase(context.Background(), ana)
	if err != nil || !r.Pending() || statuses(r) != "[td:1700000001:NOT_SUPPORTED palenca:acc-1:DELETED belvo:link-1:FAILED]" {
		t.Fatalf("first: %s %+v, %v", statuses(r), r, err)
	}
	for round, want := range []string{"FAILED", "DELETED"} {
		if n, err := s.Retry(context.Background(), 10); err != nil || n != 1 {
			t.Fatalf("round %d: %d, %v", round, n, err)
		}
		got, _ := rec.Receipt(context.Background(), r.ID)
		if d := got.Providers()[2]; d.Status != erasure.Status(want) || got.Tries != round+2 {
			t.Errorf("round %d: %+v, tries %d", round, d, got.Tries)
		}
	}
	if n, _ := s.Retry(context.Background(), 10); n != 0 || len(belvo.asked) != 3 {
		t.Errorf("after it deleted: %d retried, belvo asked %d times", n, len(belvo.asked))
	}
	// A provider that never deletes is asked MaxTries rounds.
	h2, rec2 := seeded(), newRecords()
	never := &eraser{provider: "belvo", fail: 1 << 20}
	s2 := service(h2, rec2, &eraser{provider: "td"}, &eraser{provider: "palenca"}, never)
	if _, err := s2.Erase(context.Background(), ana); err != nil {
		t.Fatal(err)
	}
	for range 2 * erasure.MaxTries {
		s2.Retry(context.Background(), 10)
	}
	if len(never.asked) != erasure.MaxTries {
		t.Errorf("a provider that never deletes was asked %d times, want %d", len(never.asked), erasure.MaxTries)
	}
}

// TestEraseCutShort: an erase whose receipt could not be finished (a crash
// after it began) is taken up by the next request: one receipt, every
// store erased.
func TestEraseCutShort(t *testing.T) {
	h, rec := seeded(), newRecords()
	s := service(h, rec, &eraser{provider: "td"}, &eraser{provider: "palenca"}, &eraser{provider: "belvo"})
	rec.failUpdates = 1
	if _, err := s.Erase(context.Background(), ana); err == nil {
		t.Fatal("the receipt could not be kept: no error")
	}
	r, err := s.Erase(context.Background(), ana)
	if err != nil || r.Status != erasure.Completed || r.Verifications != 2 || r.Events != 5 || len(r.Previous) != 0 {
		t.Fatalf("taken up: %+v, %v", r, err)
	}
	if len(rec.receipts) != 1 {
		t.Errorf("%d receipts, want the one", len(rec.receipts))
	}
}

// racing is erasing whose Erase finds, changes times, Ana's first
// verification changed since it was read: in flight, it failed over to
// Belvo, whose push has arrived.
type racing struct {
	erasing
	changes *int
}

func (h racing) Erase(_ context.Context, vs []verification.Verification) (int, error) {
	if *h.changes > 0 {
		*h.changes--
		v := &h.verifications[0]
		ref := fmt.Sprintf("link-%d", 9+*h.changes)
		v.Version++
		v.Attempts = append(v.Attempts, verification.Attempt{Provider: "belvo", Reference: ref})
		h.events = append(h.events, event("e-"+ref, "belvo:"+ref, "curp:"+ana))
	}
	n, changed := len(h.verifications), false
	h.verifications = slices.DeleteFunc(h.verifications, func(v verification.Verification) bool {
		i := slices.IndexFunc(vs, func(x verification.Verification) bool { return x.ID == v.ID })
		changed = changed || i >= 0 && vs[i].Version != v.Version
		return i >= 0 && vs[i].Version == v.Version
	})
	if changed {
		return n - len(h.verifications), verification.ErrConflict
	}
	return n - len(h.verifications), nil
}

// TestEraseRacing: a verification in flight that changes while the erase
// runs (a failover to Belvo, its push arrived) is erased with it: read
// again, its new request marked erased and deleted at Belvo, its push
// erased too, all on the one receipt. A person whose data keeps changing
// is left ERASING, and the next request finishes the erase on the same
// receipt.
func TestEraseRacing(t *testing.T) {
	h, rec := seeded(), newRecords()
	belvo := &eraser{provider: "belvo"}
	changes := 1
	s := service(h, rec, &eraser{provider: "td"}, &eraser{provider: "palenca"}, belvo)
	s.People.Verifications = racing{erasing{h}, &changes}
	r, err := s.Erase(context.Background(), ana)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != erasure.Completed || r.Verifications != 2 || r.Events != 6 ||
		statuses(r) != "[td:1700000001:NOT_SUPPORTED palenca:acc-1:DELETED belvo:link-1:DELETED belvo:link-9:DELETED]" {
		t.Errorf("receipt %s %+v", statuses(r), r)
	}
	if len(h.verifications) != 1 || len(h.events) != 2 || !slices.Contains(rec.gone, s.Hasher.Gone("belvo:link-9")) ||
		fmt.Sprint(belvo.asked) != "[link-1 link-9]" {
		t.Errorf("left %+v %+v; belvo asked %v", h.verifications, h.events, belvo.asked)
	}

	h, rec = seeded(), newRecords()
	changes = privacy.MaxRounds
	s = service(h, rec, &eraser{provider: "td"}, &eraser{provider: "palenca"}, &eraser{provider: "belvo"})
	s.People.Verifications = racing{erasing{h}, &changes}
	if _, err := s.Erase(context.Background(), ana); !errors.Is(err, privacy.ErrChanging) {
		t.Fatalf("changing through every round: %v", err)
	}
	t1, _ := rec.Tombstone(context.Background(), s.Hasher.Person(ana))
	if kept, _ := rec.Receipt(context.Background(), t1.Erasures[0]); len(t1.Erasures) != 1 || kept.Status != erasure.Erasing {
		t.Fatalf("after the rounds: %+v %+v", t1, kept)
	}
	r, err = s.Erase(context.Background(), ana)
	if err != nil || r.ID != t1.Erasures[0] || r.Status != erasure.Completed || len(h.verifications) != 1 || len(h.events) != 2 {
		t.Errorf("the repeat: %+v, %v; left %+v %+v", r, err, h.verifications, h.events)
	}
}
