// Command simulate sends provider notifications to the webhooks function, as
// `make simulate PROVIDER=... [URL=...] [MODE=...]` runs it, and prints what
// it sent and what came back. Credentials come from the environment, else
// from what the local stack generated in DATA_DIR.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tarjeta-dev/tarjeta/devstack"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

func main() {
	provider := flag.String("provider", "", "td, pomelo-activity, pomelo-shipping, pomelo-identity, belvo or palenca")
	url := flag.String("url", "http://127.0.0.1:8080", "the webhooks function's base URL")
	mode := flag.String("mode", "valid", "valid, bad-signature, stale, duplicate or out-of-order")
	dataDir := flag.String("data-dir", envOr("DATA_DIR", "./.data"), "where the local stack keeps its generated credentials")
	flag.Parse()
	s, err := devstack.Sender(*url, *dataDir, os.Getenv)
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
