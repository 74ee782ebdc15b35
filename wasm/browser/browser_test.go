// Package browser_test drives the signature debugger in headless Chromium
// (Debian's chromium with playwright-core, both installed by make test): it
// builds the page and its engine, serves them from the local stack, and runs
// debugger.mjs against /debugger/.
package browser_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/browsertest"
	"github.com/tarjeta-dev/tarjeta/devstack"
)

func TestDebuggerInChromium(t *testing.T) {
	dir := buildDebugger(t)
	c, err := devstack.Load(context.Background(), envconfig.MapLookuper(map[string]string{"PORT": "0", "DATA_DIR": t.TempDir(), "DEBUGGER_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := devstack.Start(context.Background(), c, io.Discard, slog.New(slog.NewJSONHandler(io.Discard, nil)), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Logf("measured: %s", browsertest.Run(ctx, t, nil, "debugger.mjs", "http://"+s.Addr+"/debugger/"))
}

// buildDebugger builds what `make wasm` builds into a temporary folder.
func buildDebugger(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "debugger.wasm"), "..")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the engine: %v\n%s", err, out)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../web/*")
	files = append(files, filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
