package ledgertable_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
	. "github.com/tarjeta-dev/tarjeta/storetest"
)

// TestRoundTrips counts the DynamoDB calls of each kind of commit: the
// authorization path's latency budget depends on them.
func TestRoundTrips(t *testing.T) {
	s := ledgertable.New(server.Client(), server.Table(t))
	calls := func(rec idempotency.Record, p *ledger.Posting) (int64, error) {
		ctx, c := roundtrip.With(context.Background())
		err := s.Commit(ctx, rec, p)
		return c.N(), err
	}
	for _, tc := range []struct {
		name    string
		rec     idempotency.Record
		posting *ledger.Posting
		want    error
		calls   int64
	}{
		{"credit", Rec("k1", "ok"), Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 10_00), nil, 1},
		{"approved debit", Rec("k2", "ok"), Move("u1", "t2", ledger.ClassAuthorization, "PURCHASE", -4_00), nil, 1},
		{"decline record", Rec("k3", "declined"), nil, nil, 1},
		{"debit without funds", Rec("k4", "ok"), Move("u1", "t4", ledger.ClassAuthorization, "PURCHASE", -100_00), ledger.ErrInsufficientFunds, 1},
		{"finished duplicate of a decline", Rec("k3", "declined"), nil, &idempotency.HeldError{}, 1},
		{"finished duplicate", Rec("k2", "ok"), Move("u1", "t2", ledger.ClassAuthorization, "PURCHASE", -4_00), &idempotency.HeldError{}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := calls(tc.rec, tc.posting)
			var held *idempotency.HeldError
			switch want := tc.want.(type) {
			case nil:
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			case *idempotency.HeldError:
				if !errors.As(err, &held) {
					t.Fatalf("err = %v, want *HeldError", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
			if n != tc.calls {
				t.Errorf("%d DynamoDB calls, want %d", n, tc.calls)
			}
		})
	}
}
