// Package devstack is the local stack `make run` starts: every function built
// so far, exactly as Lambda serves it, on one loopback port over the
// embedded store (or DynamoDB Local when DYNAMODB_ENDPOINT is set), with the
// signature debugger beside it.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// Config is the local stack's configuration.
type Config struct {
	Port             int    `env:"PORT, default=8080"`
	DataDir          string `env:"DATA_DIR, default=./.data"`
	DynamoDBEndpoint string `env:"DYNAMODB_ENDPOINT"`
	// DebuggerDir holds the signature debugger as `make wasm` builds it.
	DebuggerDir string `env:"DEBUGGER_DIR, default=bin/debugger"`
	Authorize   config.Authorize
	Webhooks    config.Webhooks
}

// Load reads the configuration from lookup (the environment for `make
// run`), defaults filled in.
func Load(ctx context.Context, lookup envconfig.Lookuper) (Config, error) {
	var c Config
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &c, Lookuper: lookup}); err != nil {
		return Config{}, fmt.Errorf("devstack: %w", err)
	}
	return c, nil
}

// Stack is a running local stack.
type Stack struct {
	// Addr is where it listens, e.g. "127.0.0.1:8080".
	Addr    string
	server  *http.Server
	ln      net.Listener
	closers []func() error // run in order by Close
}

// Start opens the store, loads or generates the Pomelo credentials (telling
// out about generated ones), and starts serving on 127.0.0.1:c.Port (a free
// port when c.Port is 0). random supplies generated credentials.
func Start(ctx context.Context, c Config, out io.Writer, log *slog.Logger, random io.Reader) (*Stack, error) {
	if err := c.Authorize.Validate(); err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", c.Port))
	if err != nil {
		return nil, fmt.Errorf("devstack: listen: %w", err)
	}
	s := &Stack{Addr: ln.Addr().String(), ln: ln}
	fail := func(err error) (*Stack, error) {
		ln.Close()
		s.closeAll()
		return nil, err
	}
	// The Pomelo banner ends with a snippet to paste: it goes last.
	if err := localWebhookCredentials(&c.Webhooks, c.DataDir, out, random); err != nil {
		return fail(err)
	}
	creds, err := localCredentials(c, out, s.Addr, random)
	if err != nil {
		return fail(err)
	}
	c.Authorize.Credentials = creds
	if c.Webhooks.CredentialsSecretARN == "" && c.Webhooks.Credentials == "" {
		c.Webhooks.Credentials = creds
	}
	stopAPI, err := pomeloAPI(&c.Webhooks, random)
	if err != nil {
		return fail(err)
	}
	s.closers = append(s.closers, func() error { stopAPI(); return nil })
	stores, err := openStores(ctx, c)
	if err != nil {
		return fail(err)
	}
	s.closers = append(s.closers, stores.close...)
	authorize, err := c.Authorize.Handler(ctx, config.AuthorizeDeps{Store: stores.ledger, Log: log})
	if err != nil {
		return fail(err)
	}
	webhooks, err := c.Webhooks.Function(ctx, config.WebhooksDeps{Store: stores.events, Log: log})
	if err != nil {
		return fail(err)
	}
	pctx, stopProcessing := context.WithCancel(context.WithoutCancel(ctx))
	processed := make(chan struct{})
	go func() {
		defer close(processed)
		processEvents(pctx, stores.events, webhooks.Processor, stores.changed, c.Webhooks.MaxAttempts, log)
	}()
	// Stop processing before the stores close.
	s.closers = append([]func() error{func() error { stopProcessing(); <-processed; return nil }}, s.closers...)

	mux := http.NewServeMux()
	mux.Handle("/", authorize)
	mux.Handle("/webhooks/", webhooks.Handler)
	// The functions log their own requests; the debugger's files are
	// logged by the same middleware.
	mux.Handle("/debugger/", httpapi.Logged(debugger(c.DebuggerDir), log, time.Now))
	s.server = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go s.server.Serve(ln)
	return s, nil
}

// Close stops serving, letting requests in flight finish, stops processing
// and closes the stores.
func (s *Stack) Close(ctx context.Context) error {
	err := s.server.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, s.closeAll())
}

func (s *Stack) closeAll() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// stores are the two functions' stores and how to close them.
type stores struct {
	ledger  config.AuthorizeStore
	events  webhook.Store
	changed <-chan struct{} // signalled on changes to events; nil when the store cannot tell
	close   []func() error
}

func openStores(ctx context.Context, c Config) (stores, error) {
	if c.DynamoDBEndpoint == "" {
		dir := filepath.Join(c.DataDir, "store")
		fs, err := ledgerfile.Open(dir, time.Now())
		if err != nil {
			return stores{}, fmt.Errorf("devstack: %w", err)
		}
		ev, err := eventfile.Open(dir)
		if err != nil {
			fs.Close()
			return stores{}, fmt.Errorf("devstack: %w", err)
		}
		return stores{ledger: fs, events: ev, changed: ev.Changed(), close: []func() error{fs.Close, ev.Close}}, nil
	}
	cfg, err := dynamo.LocalConfig(ctx)
	if err != nil {
		return stores{}, fmt.Errorf("devstack: %w", err)
	}
	db := dynamo.NewClient(cfg, c.DynamoDBEndpoint)
	if err := ledgertable.Create(ctx, db, c.Authorize.TableName); err != nil {
		return stores{}, fmt.Errorf("devstack: %w", err)
	}
	if err := eventtable.Create(ctx, db, c.Webhooks.TableName); err != nil {
		return stores{}, fmt.Errorf("devstack: %w", err)
	}
	return stores{ledger: ledgertable.New(db, c.Authorize.TableName), events: eventtable.New(db, c.Webhooks.TableName)}, nil
}

// debugger serves the signature debugger's static files under /debugger/.
func debugger(dir string) http.Handler {
	files := http.StripPrefix("/debugger/", http.FileServer(http.Dir(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(filepath.Join(dir, "debugger.wasm")); err != nil {
			http.Error(w, "The signature debugger is not built in "+dir+": run `make wasm` (make run does it).", http.StatusNotFound)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// Repair sets aside the damaged lines of the embedded stores' journals in
// c.DataDir (make repair) and tells out what it did. The stack must not be
// running.
func Repair(c Config, out io.Writer) error {
	reps, err := filestore.Repair(filepath.Join(c.DataDir, "store"))
	for _, r := range reps {
		fmt.Fprintln(out, r)
	}
	if err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	if len(reps) == 0 {
		fmt.Fprintf(out, "no journal in %s\n", filepath.Join(c.DataDir, "store"))
	}
	return nil
}
