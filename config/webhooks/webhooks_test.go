package webhooks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
)

func TestSettings(t *testing.T) {
	var c webhooks.Config
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &c, Lookuper: envconfig.MapLookuper(map[string]string{})}); err != nil {
		t.Fatal(err)
	}
	if c.TDTolerance != 10*time.Minute || c.Tolerance != time.Minute || c.PalencaHeader != "X-Palenca-Signature" ||
		c.PomeloTokenPath != "/oauth/token" || c.TableName != "tarjeta-webhooks" || c.MaxAttempts != 5 ||
		c.PomeloAPITimeout != 5*time.Second || c.PomeloAPIRetries != 2 {
		t.Errorf("defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	bad := c
	bad.TDTolerance, bad.MaxAttempts, bad.PomeloAPITimeout = 0, 0, time.Minute
	bad.TDAccessKey, bad.TDAccessSecret = "a,b", "s1,s2,s3"
	err := bad.Validate()
	for _, name := range []string{"TD_SIGNATURE_TOLERANCE", "WEBHOOK_MAX_ATTEMPTS", "POMELO_API_TIMEOUT", "TD_ACCESS_KEY and TD_ACCESS_SECRET"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Validate = %v, want %s named", err, name)
		}
	}
	store, err := eventfile.Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	d := webhooks.Deps{Store: store, Now: time.Now}
	if _, err := c.Function(context.Background(), d); err != nil {
		t.Errorf("defaults: %v", err)
	}
	c.Pomelo = config.Pomelo{Credentials: "k:PQ==", Tolerance: time.Minute}
	if _, err := c.Function(context.Background(), d); err == nil || !strings.Contains(err.Error(), "16 bytes") && !strings.Contains(err.Error(), "secret") {
		t.Errorf("a one-byte Pomelo secret: err = %v", err)
	}
}
