package devstack

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErasureKeyFile keeps, in DATA_DIR, the erasure key the local stack
// generated for itself.
const ErasureKeyFile = "erasure-key"

// localErasureKey returns set (ERASURE_KEY) when it is set, else the key
// generated earlier into dataDir, generating it the first time: the
// tombstones of erased people and the marks of their references are kept
// under it, so it must outlive a restart.
func localErasureKey(set, dataDir string, random io.Reader) (string, error) {
	if set != "" {
		return set, nil
	}
	path := filepath.Join(dataDir, ErasureKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("devstack: read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(random, raw); err != nil {
		return "", fmt.Errorf("devstack: generate the erasure key: %w", err)
	}
	key := hex.EncodeToString(raw)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("devstack: %w", err)
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("devstack: write %s: %w", path, err)
	}
	return key, nil
}
