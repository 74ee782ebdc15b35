// Package devstack is the local stack `make run` starts: every function,
// exactly as Lambda serves it, on one loopback port over the embedded
// stores (or DynamoDB Local when DYNAMODB_ENDPOINT is set), with the
// signature debugger and the operator's console beside it and the
// providers' simulators in-process.
package devstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config/authorize"
	"github.com/tarjeta-dev/tarjeta/config/reconcile"
	"github.com/tarjeta-dev/tarjeta/config/verify"
	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/console"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/httpapi"
	"github.com/tarjeta-dev/tarjeta/serve"
)

// Config is the local stack's configuration.
type Config struct {
	Port             int    `env:"PORT, default=8080"`
	DataDir          string `env:"DATA_DIR, default=./.data"`
	DynamoDBEndpoint string `env:"DYNAMODB_ENDPOINT"`
	// DebuggerDir holds the signature debugger as `make wasm` builds it.
	DebuggerDir string `env:"DEBUGGER_DIR, default=bin/debugger"`
	// SimulatorDelay is how long the providers' simulators take with a
	// result.
	SimulatorDelay time.Duration `env:"SIMULATOR_DELAY, default=1s"`
	Authorize      authorize.Config
	Webhooks       webhooks.Config
	Verify         verify.Config
	Reconcile      reconcile.Config
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

// functions are the functions the stack serves, each started by its own
// file of this package: a new function is one entry here and one file.
var functions = []struct {
	name  string
	start func(ctx context.Context, s *Stack) (started, error)
}{
	{"authorize", startAuthorize},
	{"reconcile", startReconcile}, // after authorize, whose ledger it posts to
	{"verify", startVerify},       // before webhooks, which hands its events to it
	{"webhooks", startWebhooks},
}

// started is a function as its entry started it.
type started struct {
	fn serve.Function
	// changed says, when it can, that the function's store changed: Tick
	// runs then instead of waiting for the next one.
	changed <-chan struct{}
	// every is how often Tick runs; every second when zero.
	every time.Duration
}

// Stack is a running local stack.
type Stack struct {
	// Addr is where it listens, e.g. "127.0.0.1:8080".
	Addr string

	c       Config
	out     io.Writer
	log     *slog.Logger
	random  io.Reader
	pomelo  string           // the Pomelo credentials every function signs with
	db      *dynamodb.Client // nil over the embedded stores
	handoff webhook.Handoff  // the verify function's, for the webhooks function
	ledger  ledgerStore      // the authorize function's, for the reconcile function
	// events are the webhooks function's, which the verify function reads
	// a person's events from (eventStore opens them).
	events        webhook.Store
	eventsChanged <-chan struct{}
	server        *http.Server
	closers       []func() error // run in order by Close
}

// Start starts every function on 127.0.0.1:c.Port (a free port when c.Port
// is 0), loading or generating the credentials they need and telling out
// about generated ones. random supplies generated credentials.
func Start(ctx context.Context, c Config, out io.Writer, log *slog.Logger, random io.Reader) (*Stack, error) {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", c.Port))
	if err != nil {
		return nil, fmt.Errorf("devstack: listen: %w", err)
	}
	s := &Stack{Addr: ln.Addr().String(), c: c, out: out, log: log, random: random}
	fail := func(err error) (*Stack, error) {
		ln.Close()
		s.closeAll()
		return nil, err
	}
	// The Pomelo banner ends with a snippet to paste: it goes last.
	var banner bytes.Buffer
	if s.pomelo, err = localCredentials(c.Authorize.Pomelo, c.DataDir, &banner, s.Addr, random); err != nil {
		return fail(err)
	}
	if s.c.Verify.Erasure.Key, err = localErasureKey(c.Verify.Erasure.Key, c.DataDir, random); err != nil {
		return fail(err)
	}
	s.c.Webhooks.Erasure = s.c.Verify.Erasure
	if c.DynamoDBEndpoint != "" {
		cfg, err := dynamo.LocalConfig(ctx)
		if err != nil {
			return fail(fmt.Errorf("devstack: %w", err))
		}
		s.db = dynamo.NewClient(cfg, c.DynamoDBEndpoint)
	}
	mux := http.NewServeMux()
	// Tick loops stop before the stores close.
	pctx, stopTicks := context.WithCancel(context.WithoutCancel(ctx))
	var ticking sync.WaitGroup
	s.closers = append(s.closers, func() error {
		stopTicks()
		ticking.Wait()
		return nil
	})
	for _, f := range functions {
		st, err := f.start(ctx, s)
		if err != nil {
			return fail(fmt.Errorf("devstack: %s: %w", f.name, err))
		}
		for _, p := range st.fn.Paths {
			mux.Handle(p, st.fn.HTTP)
		}
		if st.fn.Tick != nil {
			ticking.Go(func() { tick(pctx, f.name, st.fn.Tick, st.changed, st.every, log) })
		}
	}
	// The functions log their own requests; the debugger's files and what
	// no function serves are logged by the same middleware.
	mux.Handle("/debugger/", httpapi.Logged(debugger(c.DebuggerDir), log, time.Now))
	page := console.Handler(console.Stage{Name: "local stack on " + s.Addr, Write: true})
	mux.Handle("/console/", httpapi.Logged(page, log, time.Now))
	mux.Handle("/console", httpapi.Logged(page, log, time.Now))
	mux.Handle("/", httpapi.Logged(httpapi.Routed(httpapi.NewMux()), log, time.Now))
	s.server = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	out.Write(banner.Bytes())
	go s.server.Serve(ln)
	return s, nil
}

// tick runs a function's Tick every time its store says something changed,
// and every so often (every second when zero; failed attempts are retried
// then), until ctx ends.
func tick(ctx context.Context, name string, step func(context.Context) error, changed <-chan struct{}, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := step(ctx); err != nil && ctx.Err() == nil {
			log.Error("tick", "function", name, "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-t.C:
		}
	}
}

// Close stops serving, letting requests in flight finish, stops the ticks
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

// storeDir is where the embedded stores keep their journals.
func (s *Stack) storeDir() string { return filepath.Join(s.c.DataDir, "store") }

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
	dir := filepath.Join(c.DataDir, "store")
	reps, err := filestore.Repair(dir)
	for _, r := range reps {
		fmt.Fprintln(out, r)
	}
	if err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	if len(reps) == 0 {
		fmt.Fprintf(out, "no journal in %s\n", dir)
	}
	return nil
}
