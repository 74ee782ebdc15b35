// Package s3test starts a real S3-compatible server on loopback for tests
// and benchmarks (versitygw, a production S3 gateway, over a temporary
// folder) and hands out fresh buckets on it.
package s3test

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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/s3bucket"
)

// binPath is where `make test` installs versitygw, relative to the module
// root.
const binPath = ".tools/bin/versitygw"

// Server is a running versitygw.
type Server struct {
	Endpoint string
	cmd      *exec.Cmd
	dir      string
	buckets  atomic.Int64
}

// The server's root credentials; DynamoDB Local's local config carries the
// same pair, so one AWS configuration serves both.
const (
	accessKey = "local"
	secretKey = "local"
)

// Start launches versitygw on a free loopback port over a fresh folder and
// waits until it answers. The binary is $VERSITYGW or the module's .tools.
func Start() (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "s3test-")
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", "127.0.0.1:"+strconv.Itoa(port), "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+accessKey, "ROOT_SECRET_KEY="+secretKey)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("s3test: start versitygw: %w", err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, dir: dir}
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop kills the server and removes its folder.
func (s *Server) Stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	os.RemoveAll(s.dir)
}

func (s *Server) waitReady(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := s.Client()
	for {
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("s3test: versitygw did not answer within %s: %w", limit, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Client returns a path-style client of the server.
func (s *Server) Client() *s3.Client {
	cfg, _ := dynamo.LocalConfig(context.Background())
	return s3bucket.NewClient(cfg, s.Endpoint)
}

// Bucket creates a fresh bucket and returns its name.
func (s *Server) Bucket(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("b%d-%d", os.Getpid(), s.buckets.Add(1))
	if _, err := s.Client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		tb.Fatal(err)
	}
	return name
}

// Main runs a test binary's tests against one server. A server that cannot
// start fails the run: there is no silent skip.
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

func findBin() (string, error) {
	if b := os.Getenv("VERSITYGW"); b != "" {
		return b, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if p := filepath.Join(dir, binPath); fileExists(p) {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("s3test: versitygw not found: run `make test` (it installs it) or set VERSITYGW")
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}
