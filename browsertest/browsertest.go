// Package browsertest runs the browser tests' Node scripts: each drives
// Debian's Chromium with playwright-core, both installed by make test.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Run runs the Node script with args, the playwright-core modules and the
// Chromium to drive in its environment (PLAYWRIGHT_NODE_MODULES, CHROMIUM)
// beside env, and returns what it wrote on stdout. A script that fails
// fails t with all it wrote.
func Run(ctx context.Context, t testing.TB, env []string, script string, args ...string) string {
	t.Helper()
	modules := findUp(t, ".tools/node/node_modules/playwright-core")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s (make test installs Debian's chromium): %v", chromium, err)
	}
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Env = append(append(os.Environ(), "PLAYWRIGHT_NODE_MODULES="+filepath.Dir(modules), "CHROMIUM="+chromium), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", script, err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// findUp looks for rel in the working directory and its parents.
func findUp(t testing.TB, rel string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("%s not found: run make test, which installs it", rel)
		}
		dir = parent
	}
}
