package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

var server *dynamotest.Server

func TestMain(m *testing.M) { dynamotest.Main(m, &server) }

const (
	authPath   = apitest.AuthPath
	creditPath = apitest.CreditPath
)

// newStack is the authorize function over a fresh table of DynamoDB Local,
// through client when it is not nil.
func newStack(t *testing.T, deadline time.Duration, client dynamo.API) *apitest.Stack {
	t.Helper()
	if client == nil {
		client = server.Client()
	}
	return apitest.New(t, ledgertable.New(client, server.Table(t)), deadline)
}

// TestStoreCallsPerRequest reads the request log: every request logs one
// line with its outcome, latency and DynamoDB calls.
func TestStoreCallsPerRequest(t *testing.T) {
	s := newStack(t, 0, nil)
	s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-3", Total: "10"}, "k-fund")
	for _, tc := range []struct {
		name    string
		tx      pomelosim.Transaction
		key     string
		outcome string
		calls   float64
	}{
		{"approved", pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-3", Total: "1"}, "k1", "approved", 1},
		{"finished duplicate", pomelosim.Transaction{Type: "PURCHASE", ID: "t1", UserID: "u-3", Total: "1"}, "k1", "replayed", 1},
		{"invalid amount", pomelosim.Transaction{Type: "PURCHASE", ID: "t2", UserID: "u-3", Total: "0"}, "k2", "rejected", 1},
		{"insufficient funds", pomelosim.Transaction{Type: "PURCHASE", ID: "t3", UserID: "u-3", Total: "100"}, "k3", "rejected", 2},
		{"balance inquiry", pomelosim.Transaction{Type: "BALANCE_INQUIRY", ID: "t4", UserID: "u-3", Total: "0"}, "k4", "approved", 1},
		{"reversal", pomelosim.Transaction{Type: "REVERSAL_PURCHASE", ID: "t5", UserID: "u-3", Total: "1", OriginalID: "t1"}, "k5", "approved", 1},
		{"reversal of unknown original", pomelosim.Transaction{Type: "REVERSAL_PURCHASE", ID: "t6", UserID: "u-3", Total: "1", OriginalID: "zz"}, "k6", "approved", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Send(t, authPath, tc.tx, tc.key)
			line := s.Logs.Last(t)
			if line["outcome"] != tc.outcome || line["store_calls"] != tc.calls {
				t.Errorf("log line %v: want outcome %s and %v store calls", line, tc.outcome, tc.calls)
			}
			for _, k := range []string{"latency_ms", "status", "route", "transaction_id", "transaction_type"} {
				if _, ok := line[k]; !ok {
					t.Errorf("log line lacks %s: %v", k, line)
				}
			}
		})
	}
	// Nothing personal or secret in the log. The clock's readings are left
	// out of the check: their digits may spell "1573" by chance.
	for _, line := range s.Logs.Lines(t) {
		line = maps.Clone(line)
		delete(line, "time")
		delete(line, "latency_ms")
		text := fmt.Sprint(line)
		for _, secret := range []string{apitest.APISecret, apitest.APIKey, "u-3", "1573", "Almacen"} {
			if strings.Contains(text, secret) {
				t.Errorf("log line holds %q: %s", secret, text)
			}
		}
	}
}

func TestConcurrentDuplicates(t *testing.T) {
	s := newStack(t, 0, nil)
	s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u-4", Total: "100"}, "k-fund")
	tx := pomelosim.Transaction{Type: "PURCHASE", ID: "dup", UserID: "u-4", Total: "1.25"}
	const n = 50
	var wg sync.WaitGroup
	replies := make([]pomelosim.Reply, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Pomelo.Send(context.Background(), authPath, tx.JSON(), "same-key")
			if err != nil {
				t.Error(err)
			}
			replies[i] = r
		}()
	}
	wg.Wait()
	for _, r := range replies {
		if r.Status != 200 || r.Signed != nil || !bytes.Equal(r.Body, replies[0].Body) {
			t.Errorf("duplicate answered %d %s (signature: %v)", r.Status, r.Body, r.Signed)
		}
	}
	if got := s.Available(t, "u-4"); got != "98.75" {
		t.Errorf("available = %s after 50 concurrent duplicates, want 98.75 (one debit)", got)
	}
}
