// Command settlementsim writes a day of Pomelo's settlement for the running
// local stack: it sends the day's authorizations (and a funding credit per
// user) to the stack as Pomelo signs them, then drops the day's transaction
// and presentation files into the local bucket, with a share of every case
// of the reconciliation table. `make reconcile DATE=<today>` then runs it.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/devstack"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/settlementsim"
)

func main() {
	rows := flag.Int("rows", 200, "transaction rows, besides one funding row per user")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "what to write; the same seed writes the same day")
	url := flag.String("url", "http://127.0.0.1:8080", "the local stack")
	dataDir := flag.String("data-dir", envOr("DATA_DIR", "./.data"), "the local stack's DATA_DIR")
	bucket := flag.String("bucket", envOr("SETTLEMENT_BUCKET", "settlement"), "the settlement bucket")
	zone := flag.String("zone", envOr("RECONCILE_TIME_ZONE", "America/Argentina/Buenos_Aires"), "the reconciliation's time zone")
	flag.Parse()
	if err := run(*url, *dataDir, *bucket, *zone, *rows, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "settlementsim:", err)
		os.Exit(1)
	}
}

// run writes today's day: the stack stamps the entries it posts with its
// own clock, so the files are today's too.
func run(url, dataDir, bucket, zoneName string, rows int, seed uint64) error {
	zone, err := time.LoadLocation(zoneName)
	if err != nil {
		return err
	}
	client, err := pomelo(url, dataDir)
	if err != nil {
		return err
	}
	y, m, d := time.Now().In(zone).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, zone)
	ctx := context.Background()
	var tx, pr bytes.Buffer
	sent := 0
	want, err := settlementsim.Write(settlementsim.Spec{Day: day, Rows: rows, Seed: seed, Mix: settlementsim.Mix{
		AmountAdjusted: 60, Approved: 30, Undone: 30, RejectedBoth: 40, Held: 20, Refunds: 40, Malformed: 10, ClientOnly: 20,
	}, Fund: true}, &tx, &pr, func(e ledger.Entry) error {
		sent++
		return send(ctx, client, e, fmt.Sprintf("settlementsim-%d-%d", seed, sent))
	})
	if err != nil {
		return err
	}
	dir := filepath.Join(dataDir, "s3", bucket)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for template, body := range map[string][]byte{settlement.DefaultTransactionsKey: tx.Bytes(), settlement.DefaultPresentationsKey: pr.Bytes()} {
		path := filepath.Join(dir, settlement.Fill(template, day))
		if err := os.WriteFile(path, body, 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	c := want.Counts
	fmt.Printf("sent %d of Pomelo's calls to %s\n", want.Entries, url)
	fmt.Printf("expect: rows %d, matched %d, amount_adjusted %d, adjusted %d, held %d, client_only %d, malformed %d\n",
		c.Rows, c.Matched, c.AmountAdjusted, c.Adjusted, c.Held, c.ClientOnly, c.Malformed)
	fmt.Printf("now: make reconcile DATE=%s\n", day.Format("2006-01-02"))
	return nil
}

// send makes the call of Pomelo's that made entry e.
func send(ctx context.Context, c *pomelosim.Client, e ledger.Entry, key string) error {
	path, typ := "/transactions/authorizations", e.Kind
	if e.Class == ledger.ClassAdjustmentCredit {
		path, typ = "/transactions/adjustments/credit", "PAYMENT"
	}
	amount := e.Amount
	if amount < 0 {
		amount = -amount
	}
	body := pomelosim.Transaction{Type: typ, ID: e.TransactionID, UserID: e.UserID, Total: money.FormatMinor(amount, 2)}.JSON()
	r, err := c.Send(ctx, path, body, key)
	if err != nil {
		return fmt.Errorf("%s %s: %w (is `make run` going?)", path, e.TransactionID, err)
	}
	// An adjustment answers 200 with no body; an authorization says APPROVED.
	if r.Status != http.StatusOK || (e.Class == ledger.ClassAuthorization && !bytes.Contains(r.Body, []byte(`"APPROVED"`))) {
		return fmt.Errorf("%s %s: %d %s", path, e.TransactionID, r.Status, r.Body)
	}
	return nil
}

// pomelo is a client signing with the stack's Pomelo credentials: the
// environment's, else those the stack generated.
func pomelo(url, dataDir string) (*pomelosim.Client, error) {
	creds := os.Getenv("POMELO_API_CREDENTIALS")
	if creds == "" {
		b, err := os.ReadFile(filepath.Join(dataDir, devstack.CredentialsFile))
		if err != nil {
			return nil, fmt.Errorf("no POMELO_API_CREDENTIALS and none generated: %w (start `make run` once)", err)
		}
		creds = strings.TrimSpace(string(b))
	}
	pair, _, _ := strings.Cut(creds, ",")
	key, secret, _ := strings.Cut(pair, ":")
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || key == "" {
		return nil, errors.New("the Pomelo credentials are not apikey:base64-secret")
	}
	return &pomelosim.Client{BaseURL: strings.TrimSuffix(url, "/"), APIKey: key, Secret: raw, HTTP: http.DefaultClient, Now: time.Now}, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
