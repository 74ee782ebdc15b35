package ledgerfile_test

import (
	"testing"

	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunLedger(t, func(t *testing.T) storetest.Ledger {
		s, err := ledgerfile.Open(t.TempDir(), storetest.T0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
