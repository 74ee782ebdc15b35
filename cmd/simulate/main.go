// Command simulate sends provider notifications to the webhooks function, as
// `make simulate PROVIDER=... [URL=...] [MODE=...]` runs it, and prints what
// it sent and what came back. Credentials come from the environment, else
// from what the local stack generated in DATA_DIR.
package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/devstack"
	"github.com/tarjeta-dev/tarjeta/webhooksim"
)

func main() {
	provider := flag.String("provider", "", "td, pomelo-activity, pomelo-shipping, pomelo-identity, belvo or palenca")
	url := flag.String("url", "http://127.0.0.1:8080", "the webhooks function's base URL")
	mode := flag.String("mode", "valid", "valid, bad-signature, stale, duplicate or out-of-order")
	dataDir := flag.String("data-dir", envOr("DATA_DIR", "./.data"), "where the local stack keeps its generated credentials")
	flag.Parse()
	s, err := sender(*url, *dataDir)
	if err == nil {
		err = run(s, webhooksim.Kind(*provider), webhooksim.Mode(*mode))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}

func run(s *webhooksim.Sender, kind webhooksim.Kind, mode webhooksim.Mode) error {
	if !contains(webhooksim.Kinds, kind) {
		return fmt.Errorf("PROVIDER must be one of %v", webhooksim.Kinds)
	}
	if !contains(webhooksim.Modes, mode) {
		return fmt.Errorf("MODE must be one of %v", webhooksim.Modes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	xs, err := s.Send(ctx, kind, mode)
	webhooksim.Print(os.Stdout, xs)
	return err
}

func sender(url, dataDir string) (*webhooksim.Sender, error) {
	kept, _ := devstack.ReadWebhookCredentials(filepath.Join(dataDir, devstack.WebhookCredentialsFile))
	get := func(name string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return kept[name]
	}
	pomelo := os.Getenv("POMELO_API_CREDENTIALS")
	if pomelo == "" {
		b, _ := os.ReadFile(filepath.Join(dataDir, devstack.CredentialsFile))
		pomelo = strings.TrimSpace(string(b))
	}
	// The first pair signs, as Pomelo signs with the newest.
	pair, _, _ := strings.Cut(pomelo, ",")
	key, secret, _ := strings.Cut(pair, ":")
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("POMELO_API_CREDENTIALS: secret is not base64")
	}
	return &webhooksim.Sender{
		BaseURL: strings.TrimSuffix(url, "/"), PomeloAPIKey: key, PomeloSecret: raw,
		TDPartnerCode: get("TD_PARTNER_CODE"), TDAccessKey: get("TD_ACCESS_KEY"), TDAccessSecret: get("TD_ACCESS_SECRET"),
		BelvoAuthorization: get("BELVO_WEBHOOK_AUTHORIZATION"),
		PalencaSecret:      os.Getenv("PALENCA_WEBHOOK_SECRET"), PalencaHeader: os.Getenv("PALENCA_SIGNATURE_HEADER"),
	}, nil
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
