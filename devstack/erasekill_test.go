package devstack_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/filestore/verifyfile"
)

// The person TestEraseKilled erases.
const (
	killedCURP = "HEGG560427MVZRRL04"
	killedNSS  = "12345678903"
	killedName = "GABRIELA HERNANDEZ GARCIA"
	killedPay  = "987.65"
)

// killedStores opens the embedded stores under dir and the erase over them,
// its providers asked through e.
func killedStores(t *testing.T, dir string, e erasure.Eraser) (*privacy.Service, func()) {
	t.Helper()
	vs, err := verifyfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	es, err := eventfile.Open(dir, time.Now())
	if err != nil {
		vs.Close()
		t.Fatal(err)
	}
	s := &privacy.Service{
		People: privacy.People{Verifications: vs, Events: es}, Records: es, Erasers: map[string]erasure.Eraser{"td": e},
		Hasher: erasure.Hasher{Key: []byte("the erasure key of TestEraseKilled")}, Now: time.Now, Random: rand.Reader,
	}
	return s, func() { es.Close(); vs.Close() }
}

// hanging is a provider that never answers a deletion, once it has said it
// was asked.
type hanging struct{}

func (hanging) Erase(context.Context, erasure.Made) []erasure.Deletion {
	os.Stdout.WriteString("asked\n")
	select {}
}

type deleting struct{}

func (deleting) Erase(_ context.Context, m erasure.Made) []erasure.Deletion {
	return []erasure.Deletion{{Provider: "td", Reference: m.Reference, Status: erasure.Deleted}}
}

// TestEraseKilled: an erase killed (SIGKILL) while it asks a provider, its
// receipt recorded ERASING, is finished by the repeat on the same receipt:
// one erasure, COMPLETED, and nothing of the person in any file. Run with
// TARJETA_ERASE_KILLED set, it is the process killed.
func TestEraseKilled(t *testing.T) {
	if dir := os.Getenv("TARJETA_ERASE_KILLED"); dir != "" {
		s, _ := killedStores(t, dir, hanging{})
		s.Erase(context.Background(), killedCURP)
		t.Fatal("the erase ended")
	}
	dir := t.TempDir()
	ctx := context.Background()
	vs, err := verifyfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	v := verification.Verification{
		ID: "ver_" + "killedkilledkilledkilled00", Input: verification.Input{CURP: killedCURP, NSS: killedNSS}, Status: verification.Pending,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(720 * time.Hour), NextCheck: now.Add(time.Minute), Version: 1,
	}
	w, err := vs.Window(ctx, verification.PersonKey(killedCURP))
	if err == nil {
		w.Created = append(w.Created, now)
		err = vs.Create(ctx, v, w)
	}
	if err != nil {
		t.Fatal(err)
	}
	v.Version, v.Status = 2, verification.Completed
	v.Attempts = []verification.Attempt{{Provider: "td", Status: verification.Completed, Reference: "1700000000killed", StartedAt: now}}
	v.Report = []byte(`{"person":{"name":"` + killedName + `","curp":"` + killedCURP + `","nss":"` + killedNSS + `"},"jobs":[{"daily_salary":"` + killedPay + `"}]}`)
	if err := vs.Save(ctx, v, &verification.Reference{Provider: "td", Reference: "1700000000killed"}); err != nil {
		t.Fatal(err)
	}
	vs.Close()
	es, err := eventfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	push := webhook.Event{ID: webhook.IDOf("td", "1700000000killed"), Provider: "td", Route: "td", Type: "OK", DedupeKey: "1700000000killed",
		Status: webhook.Processed, ReceivedAt: now, ExpiresAt: now.Add(time.Hour), Auth: "test",
		Body:     []byte(`{"sequence_id":"1700000000killed","curp":"` + killedCURP + `","name":"` + killedName + `","daily_salary":"` + killedPay + `"}`),
		Subjects: webhook.SubjectKeys([]string{"td:1700000000killed", "curp:" + killedCURP})}
	if _, err := es.Receive(ctx, push, nil); err != nil {
		t.Fatal(err)
	}
	es.Close()
	secrets := []string{killedCURP, killedNSS, killedName, killedPay}
	if len(scan(t, dir, secrets)) == 0 {
		t.Fatal("the seeded person is in no file: the scan cannot see them")
	}

	child := exec.Command(os.Args[0], "-test.run=^TestEraseKilled$", "-test.count=1")
	child.Env = append(os.Environ(), "TARJETA_ERASE_KILLED="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	asked := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "asked" {
				asked <- true
			}
		}
		close(asked)
	}()
	select {
	case ok := <-asked:
		if !ok {
			t.Fatal("the erasing process ended before it asked the provider")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the erasing process never asked the provider")
	}
	child.Process.Kill() // SIGKILL
	child.Wait()

	s, closeStores := killedStores(t, dir, deleting{})
	hash := s.Hasher.Person(killedCURP)
	cut, err := s.Records.Tombstone(ctx, hash)
	if err != nil || len(cut.Erasures) != 1 {
		t.Fatalf("after the kill: %+v, %v", cut, err)
	}
	if r, _ := s.Receipt(ctx, cut.Erasures[0]); r.Status != erasure.Erasing {
		t.Fatalf("the receipt after the kill: %+v", r)
	}
	r, err := s.Erase(ctx, killedCURP)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := s.Records.Tombstone(ctx, hash)
	if r.ID != cut.Erasures[0] || len(after.Erasures) != 1 || r.Status != erasure.Completed || r.Verifications != 1 || r.Events != 1 ||
		len(r.Providers()) != 1 || r.Providers()[0].Status != erasure.Deleted {
		t.Errorf("the repeat: %+v; tombstone %+v", r, after)
	}
	closeStores()
	if found := scan(t, dir, secrets); len(found) > 0 {
		t.Errorf("after the repeat, the files hold %v", found)
	}
}
