// Package localstack runs every function built so far on one loopback port,
// over the embedded store (or DynamoDB Local when DYNAMODB_ENDPOINT is set):
// what `make run` starts.
package localstack

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

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/core/authorization"
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
		return nil, fmt.Errorf("localstack: %w", err)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", c.Port))
	if err != nil {
		return nil, fmt.Errorf("localstack: listen: %w", err)
	}
	s := &Stack{Addr: ln.Addr().String(), ln: ln}
	creds, err := localCredentials(c, out, s.Addr, random)
	if err != nil {
		ln.Close()
		return nil, err
	}
	c.Authorize.Credentials = creds
	keys, err := c.Authorize.Keyring(ctx, nil)
	if err != nil {
		ln.Close()
		return nil, err
	}
	store, closeStore, err := openStore(ctx, c)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.close = closeStore
	svc := authorization.New(authorization.Config{
		Verifier: c.Authorize.Verifier(keys), Store: store, Now: time.Now,
		Deadline: c.Authorize.Deadline, Retention: c.Authorize.Retention,
	})
	mux := http.NewServeMux()
	mux.Handle("/", httpapi.New(svc, store, log, time.Now))
	mux.Handle("/debugger/", debugger(c.DebuggerDir))
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

type store interface {
	authorization.Store
	httpapi.Statements
}

func openStore(ctx context.Context, c Config) (store, func() error, error) {
	if c.DynamoDBEndpoint == "" {
		fs, err := filestore.Open(filepath.Join(c.DataDir, "store"), time.Now())
		if err != nil {
			return nil, nil, fmt.Errorf("localstack: %w", err)
		}
		return fs, fs.Close, nil
	}
	db, err := dynamoDBClient(ctx, c.DynamoDBEndpoint)
	if err != nil {
		return nil, nil, err
	}
	if err := dynamo.EnsureTable(ctx, db, c.Authorize.TableName); err != nil {
		return nil, nil, fmt.Errorf("localstack: %w", err)
	}
	return dynamo.New(db, c.Authorize.TableName), func() error { return nil }, nil
}

// dynamoDBClient returns a client for a DynamoDB-compatible endpoint such as
// DynamoDB Local, with fixed local credentials, counting round trips.
func dynamoDBClient(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithRegion("us-east-1"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")),
	)
	if err != nil {
		return nil, fmt.Errorf("localstack: aws config: %w", err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = &endpoint
		o.APIOptions = append(o.APIOptions, dynamo.CountRoundTrips)
	}), nil
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
