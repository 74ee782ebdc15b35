package devstack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// kept returns the value kept in the file at path or, when there is none,
// the one generate makes, written there first (readable by its owner
// only): a generated credential outlives a restart. made says which.
func kept(path string, generate func() (string, error)) (value string, made bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("devstack: read %s: %w", path, err)
	}
	if value, err = generate(); err != nil {
		return "", false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, fmt.Errorf("devstack: %w", err)
	}
	if err := os.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("devstack: write %s: %w", path, err)
	}
	return value, true, nil
}
