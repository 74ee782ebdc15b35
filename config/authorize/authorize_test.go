package authorize_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config/authorize"
)

func load(t *testing.T, env map[string]string) authorize.Config {
	t.Helper()
	var c authorize.Config
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &c, Lookuper: envconfig.MapLookuper(env)}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := load(t, nil)
	if c.Tolerance != 60*time.Second || c.Deadline != 1500*time.Millisecond || c.Retention != 24*time.Hour || c.Table() != "tarjeta-ledger" {
		t.Errorf("defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	c.Retention, c.Deadline = time.Hour, 0
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "IDEMPOTENCY_RETENTION") || !strings.Contains(err.Error(), "AUTHORIZATION_DEADLINE") {
		t.Errorf("Validate = %v", err)
	}
}

// TestLedgerTable: LEDGER_TABLE_NAME names the table; TABLE_NAME, its older
// name, still works; the two naming different tables is refused.
func TestLedgerTable(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		table string
		valid bool
	}{
		{map[string]string{"LEDGER_TABLE_NAME": "ledger-a"}, "ledger-a", true},
		{map[string]string{"TABLE_NAME": "ledger-b"}, "ledger-b", true},
		{map[string]string{"LEDGER_TABLE_NAME": "same", "TABLE_NAME": "same"}, "same", true},
		{map[string]string{"LEDGER_TABLE_NAME": "ledger-a", "TABLE_NAME": "ledger-b"}, "ledger-a", false},
	} {
		c := load(t, tc.env)
		if err := c.Validate(); c.Table() != tc.table || (err == nil) != tc.valid {
			t.Errorf("%v: table %s, %v; want %s, valid %v", tc.env, c.Table(), err, tc.table, tc.valid)
		}
	}
}
