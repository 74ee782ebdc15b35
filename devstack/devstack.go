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

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/filestore"
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
}

// Stack is a running local stack.
type Stack struct {
	// Addr is where it listens, e.g. "127.0.0.1:8080".
	Addr   string
	server *http.Server
	ln     net.Listener
	close  func() error
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
	creds, err := localCredentials(c, out, s.Addr, random)
	if err != nil {
		ln.Close()
		return nil, err
	}
	c.Authorize.Credentials = creds
	store, closeStore, err := openStore(ctx, c)
	if err != nil {
		ln.Close()
		return nil, err
	}
	authorize, err := c.Authorize.Handler(ctx, config.AuthorizeDeps{Store: store, Log: log})
	if err != nil {
		ln.Close()
		closeStore()
		return nil, err
	}
	s.close = closeStore
	mux := http.NewServeMux()
	mux.Handle("/", authorize)
	// The authorize handler logs its own requests; the debugger's files are
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

// Close stops serving, letting requests in flight finish, and closes the store.
func (s *Stack) Close(ctx context.Context) error {
	err := s.server.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, s.close())
}

func openStore(ctx context.Context, c Config) (config.AuthorizeStore, func() error, error) {
	if c.DynamoDBEndpoint == "" {
		fs, err := filestore.Open(filepath.Join(c.DataDir, "store"), time.Now())
		if err != nil {
			return nil, nil, fmt.Errorf("devstack: %w", err)
		}
		return fs, fs.Close, nil
	}
	cfg, err := dynamo.LocalConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("devstack: %w", err)
	}
	db := dynamo.NewClient(cfg, c.DynamoDBEndpoint)
	if err := dynamo.EnsureTable(ctx, db, c.Authorize.TableName); err != nil {
		return nil, nil, fmt.Errorf("devstack: %w", err)
	}
	return dynamo.New(db, c.Authorize.TableName), func() error { return nil }, nil
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
