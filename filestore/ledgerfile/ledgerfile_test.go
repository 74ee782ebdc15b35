package ledgerfile_test

import (
	"context"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"

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

func TestSettlementConformance(t *testing.T) {
	storetest.RunSettlement(t, func(t *testing.T) storetest.Settlement {
		s, err := ledgerfile.Open(t.TempDir(), storetest.T0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestSettlementReplayed: settlement postings and run records are in the
// journal, and come back when the store opens again.
func TestSettlementReplayed(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := ledgerfile.Open(dir, storetest.T0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Settle(ctx, []ledger.Posting{storetest.Settle("u1", "t1", "r1", -5_00)}); err != nil {
		t.Fatal(err)
	}
	run := settlement.Run{Date: "2026-12-01", Version: 1, Status: settlement.Completed}
	if err := s.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = ledgerfile.Open(dir, storetest.T0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pos, err := s.Positions(ctx, []ledger.Transaction{{UserID: "u1", TransactionID: "t1"}})
	if err != nil || len(pos[0].Settled) != 1 || pos[0].Settled[0].Amount != -5_00 {
		t.Errorf("after reopening: %+v %v", pos, err)
	}
	if got, err := s.Run(ctx, run.Date); err != nil || got.Status != settlement.Completed {
		t.Errorf("run after reopening: %+v %v", got, err)
	}
}
