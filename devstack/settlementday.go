package devstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/settlementsim"
)

// SettlementDay is a day of Pomelo's settlement for a running local stack
// (go run ./cmd/settlementsim): its authorizations and funding credits, sent
// to the stack at URL as Pomelo signs them, and the day's two files, dropped
// into the local bucket Bucket under DataDir.
type SettlementDay struct {
	URL, DataDir, Bucket string
	Zone                 *time.Location
	// Rows are the transaction rows besides a funding row per user; Seed
	// picks them (the same seed writes the same day).
	Rows int
	Seed uint64
	// Credentials are Pomelo's api-key:base64-secret pairs the stack
	// checks; empty, those it generated into DataDir.
	Credentials string
}

// Write sends the calls of today's settlement in d.Zone and writes its
// files, and answers the day, the files' paths and what its reconciliation
// must give.
func (d SettlementDay) Write(ctx context.Context) (time.Time, []string, settlementsim.Expect, error) {
	client, err := d.pomelo()
	if err != nil {
		return time.Time{}, nil, settlementsim.Expect{}, err
	}
	y, m, dd := time.Now().In(d.Zone).Date()
	day := time.Date(y, m, dd, 0, 0, 0, 0, d.Zone)
	var tx, pr bytes.Buffer
	sent := 0
	want, err := settlementsim.Write(settlementsim.Spec{Day: day, Rows: d.Rows, Seed: d.Seed, Mix: settlementsim.Mix{
		AmountAdjusted: 60, Approved: 30, Undone: 30, RejectedBoth: 40, Held: 20, Refunds: 40, Malformed: 10, ClientOnly: 20,
	}, Fund: true}, &tx, &pr, func(e ledger.Entry) error {
		sent++
		return send(ctx, client, e, fmt.Sprintf("settlementsim-%d-%d", d.Seed, sent))
	})
	if err != nil {
		return day, nil, want, err
	}
	dir := filepath.Join(d.DataDir, "s3", d.Bucket)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return day, nil, want, err
	}
	var paths []string
	for _, f := range []struct {
		template string
		body     []byte
	}{{settlement.DefaultTransactionsKey, tx.Bytes()}, {settlement.DefaultPresentationsKey, pr.Bytes()}} {
		path := filepath.Join(dir, settlement.Fill(f.template, day))
		if err := os.WriteFile(path, f.body, 0o644); err != nil {
			return day, nil, want, err
		}
		paths = append(paths, path)
	}
	return day, paths, want, nil
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

// pomelo is a client signing with the stack's Pomelo credentials: d's,
// else those the stack generated.
func (d SettlementDay) pomelo() (*pomelosim.Client, error) {
	creds := d.Credentials
	if creds == "" {
		b, err := os.ReadFile(filepath.Join(d.DataDir, CredentialsFile))
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
	return &pomelosim.Client{BaseURL: strings.TrimSuffix(d.URL, "/"), APIKey: key, Secret: raw, HTTP: http.DefaultClient, Now: time.Now}, nil
}
