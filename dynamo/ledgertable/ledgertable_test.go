package ledgertable_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/storable"

	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

var server *dynamotest.Server

var _ authorization.Store = (*ledgertable.Store)(nil)

func TestMain(m *testing.M) { dynamotest.Main(m, &server) }

func TestConformance(t *testing.T) {
	storetest.RunLedger(t, func(t *testing.T) storetest.Ledger {
		return ledgertable.New(server.Client(), server.Table(t))
	})
}

// TestRefusedAsInvalid checks that an input DynamoDB refuses with a
// ValidationException (here an item over 400 KB) is storable.ErrInvalid, the
// caller's error, never an outage to retry.
func TestRefusedAsInvalid(t *testing.T) {
	st := ledgertable.New(server.Client(), server.Table(t))
	huge := string(make([]byte, storable.ItemBytes+1))
	for _, p := range []*ledger.Posting{nil, storetest.Move("u1", "t1", ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1)} {
		err := st.Commit(context.Background(), storetest.Rec("k1", huge), p)
		if !errors.Is(err, storable.ErrInvalid) {
			t.Errorf("Commit of an item over 400 KB (posting %v): err = %v, want storable.ErrInvalid", p != nil, err)
		}
	}
	if got := storetest.Balance(t, st, "u1"); got != 0 {
		t.Errorf("balance = %d after refused commits, want 0", got)
	}
}

// TestForgedCursor checks that every field of a cursor is validated before
// it reaches DynamoDB.
func TestForgedCursor(t *testing.T) {
	st := ledgertable.New(server.Client(), server.Table(t))
	for i := range 3 {
		p := storetest.Move("u1", fmt.Sprintf("t%d", i), ledger.ClassAdjustmentCredit, "ADJUSTMENT_CREDIT", 1)
		if err := st.Commit(context.Background(), storetest.Rec(fmt.Sprintf("k%d", i), "ok"), p); err != nil {
			t.Fatal(err)
		}
	}
	first, err := st.Statement(context.Background(), "u1", "", 1)
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %v, next %q", err, first.Next)
	}
	var issued map[string]string
	raw, _ := base64.RawURLEncoding.DecodeString(first.Next)
	if err := json.Unmarshal(raw, &issued); err != nil {
		t.Fatalf("issued cursor: %v", err)
	}
	if _, err := st.Statement(context.Background(), "u1", first.Next, 1); err != nil {
		t.Fatalf("issued cursor refused: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(m map[string]string)
	}{
		{"empty sk", func(m map[string]string) { m["sk"] = "" }},
		{"sk without prefix", func(m map[string]string) { m["sk"] = "B#ARS" }},
		{"unknown class", func(m map[string]string) { m["sk"] = "E#NOPE#t1"; m["gsi1sk"] = m["gsi1sk"][:30] + "#NOPE#t1" }},
		{"empty transaction id", func(m map[string]string) { m["sk"] = "E#AUTH#"; m["gsi1sk"] = m["gsi1sk"][:30] + "#AUTH#" }},
		{"index key of another entry", func(m map[string]string) { m["gsi1sk"] = m["gsi1sk"][:30] + "#AUTH#other" }},
		{"index key without time", func(m map[string]string) { m["gsi1sk"] = m["sk"] }},
		{"empty index key", func(m map[string]string) { m["gsi1sk"] = "" }},
		{"another user's partition", func(m map[string]string) { m["pk"], m["gsi1pk"] = "U#u2", "U#u2" }},
		{"index partition differs", func(m map[string]string) { m["gsi1pk"] = "U#u2" }},
		{"extra attribute", func(m map[string]string) { m["extra"] = "x" }},
		{"transaction id too long", func(m map[string]string) {
			long := strings.Repeat("t", storable.MaxID+1)
			m["sk"], m["gsi1sk"] = "E#ADJ_CREDIT#"+long, m["gsi1sk"][:30]+"#ADJ_CREDIT#"+long
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := maps.Clone(issued)
			tc.edit(m)
			b, _ := json.Marshal(m)
			_, err := st.Statement(context.Background(), "u1", base64.RawURLEncoding.EncodeToString(b), 1)
			if !errors.Is(err, ledger.ErrCursor) {
				t.Errorf("err = %v, want ledger.ErrCursor", err)
			}
		})
	}
}

func TestSettlementConformance(t *testing.T) {
	storetest.RunSettlement(t, func(t *testing.T) storetest.Settlement {
		return ledgertable.New(server.Client(), server.Table(t))
	})
}
