// Command console serves the operator's console against a deployed stage
// (make console): the page on a loopback address, its API calls forwarded
// to the stage signed with SigV4 from the AWS SDK's default credential
// chain. Read-only unless -write.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/tarjeta-dev/tarjeta/console"
)

func main() {
	api := flag.String("api", "", "the stage's URL, https://<api-id>.execute-api.<region>.amazonaws.com")
	profile := flag.String("profile", "", "the AWS profile to sign with (the default chain's when empty)")
	region := flag.String("region", "", "the stage's region (read from its URL when empty)")
	write := flag.Bool("write", false, "allow the page's actions: retry an event, re-run a day")
	addr := flag.String("addr", "127.0.0.1:8081", "the loopback address to serve on")
	flag.Parse()
	if err := run(*api, *profile, *region, *addr, *write); err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		os.Exit(1)
	}
}

func run(api, profile, region, addr string, write bool) error {
	u, err := url.Parse(api)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("API=%q: want the stage's URL, https://<api-id>.execute-api.<region>.amazonaws.com", api)
	}
	if region == "" {
		region = console.RegionOf(u)
	}
	if region == "" {
		return fmt.Errorf("no region in %s: give REGION=", u.Host)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var opts []func(*config.LoadOptions) error
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return err
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return fmt.Errorf("no AWS credentials to sign with: %w", err)
	}
	ln, err := console.Listen(addr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	p := &console.Proxy{API: u, Region: region, Write: write, Credentials: cfg.Credentials, Log: log, Now: time.Now,
		Client: &http.Client{Timeout: 35 * time.Second}}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 5 * time.Second}
	mode := "read-only (WRITE=1 allows retries and re-runs)"
	if write {
		mode = "read-write"
	}
	fmt.Printf("Console for %s, %s: http://%s/console/ (Ctrl-C to stop)\n", u, mode, ln.Addr())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
