package verifyfile_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/filestore/verifyfile"
)

// TestEraseLeavesNothingOnDisk: after an erase no file under the store's
// folder holds the erased verification's CURP, NSS, name, employer or
// salary, through a restart; another person's verification is kept.
func TestEraseLeavesNothingOnDisk(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := verifyfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	ana := verification.Verification{ID: "ver_aaaaaaaaaaaaaaaaaaaaaaaaaa", ExternalID: "loan-ana", Input: verification.Input{CURP: "HEGG560427MVZRRL04", NSS: "12345678903"},
		Status: verification.Pending, CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour), Version: 1}
	luis := verification.Verification{ID: "ver_bbbbbbbbbbbbbbbbbbbbbbbbbb", Input: verification.Input{CURP: "ROMA880315MDFDRR07"},
		Status: verification.Pending, CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour), Version: 1}
	for _, v := range []verification.Verification{ana, luis} {
		if err := s.Create(ctx, v, verification.Window{Key: verification.PersonKey(v.Input.CURP), Created: []time.Time{at}}); err != nil {
			t.Fatal(err)
		}
	}
	ana.Version, ana.Status = 2, verification.Completed
	ana.Report = []byte(`{"person":{"name":"Ana Gómez","curp":"HEGG560427MVZRRL04","nss":"12345678903"},"jobs":[{"employer":"ACME SA","daily_salary":"334.26"}]}`)
	ana.Attempts = []verification.Attempt{{Provider: "td", Status: verification.Completed, Reference: "seq-ana", StartedAt: at}}
	if err := s.Save(ctx, ana, &verification.Reference{Provider: "td", Reference: "seq-ana"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Erase(ctx, []verification.Verification{ana}); err != nil || n != 1 {
		t.Fatalf("Erase = %d, %v", n, err)
	}
	s.Close()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, w := range []string{"HEGG560427MVZRRL04", "12345678903", "Ana Gómez", "ACME SA", "334.26", "seq-ana", "loan-ana"} {
			if bytes.Contains(b, []byte(w)) {
				t.Errorf("%s still holds %q", path, w)
			}
		}
		return nil
	})
	s, err = verifyfile.Open(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Get(ctx, ana.ID); !errors.Is(err, verification.ErrNotFound) {
		t.Errorf("Ana's after a restart: %v", err)
	}
	if got, err := s.Get(ctx, luis.ID); err != nil || got.Input.CURP != luis.Input.CURP {
		t.Errorf("Luis's after a restart: %+v, %v", got, err)
	}
}
