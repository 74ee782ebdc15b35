// Command settlementsim writes a day of Pomelo's settlement for the running
// local stack: it sends the day's authorizations (and a funding credit per
// user) to the stack as Pomelo signs them, then drops the day's transaction
// and presentation files into the local bucket, with a share of every case
// of the reconciliation table. `make reconcile DATE=<today>` then runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tarjeta-dev/tarjeta/devstack"
)

func main() {
	rows := flag.Int("rows", 200, "transaction rows, besides one funding row per user")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "what to write; the same seed writes the same day")
	url := flag.String("url", "http://127.0.0.1:8080", "the local stack")
	dataDir := flag.String("data-dir", envOr("DATA_DIR", "./.data"), "the local stack's DATA_DIR")
	bucket := flag.String("bucket", envOr("SETTLEMENT_BUCKET", "settlement"), "the settlement bucket")
	zoneName := flag.String("zone", envOr("RECONCILE_TIME_ZONE", "America/Argentina/Buenos_Aires"), "the reconciliation's time zone")
	flag.Parse()
	zone, err := time.LoadLocation(*zoneName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "settlementsim:", err)
		os.Exit(2)
	}
	d := devstack.SettlementDay{URL: *url, DataDir: *dataDir, Bucket: *bucket, Zone: zone, Rows: *rows, Seed: *seed, Credentials: os.Getenv("POMELO_API_CREDENTIALS")}
	day, paths, want, err := d.Write(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "settlementsim:", err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println("wrote", p)
	}
	c := want.Counts
	fmt.Printf("sent %d of Pomelo's calls to %s\n", want.Entries, *url)
	fmt.Printf("expect: rows %d, matched %d, amount_adjusted %d, adjusted %d, held %d, client_only %d, malformed %d\n",
		c.Rows, c.Matched, c.AmountAdjusted, c.Adjusted, c.Held, c.ClientOnly, c.Malformed)
	fmt.Printf("now: make reconcile DATE=%s\n", day.Format("2006-01-02"))
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
