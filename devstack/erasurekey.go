package devstack

import (
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
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
	key, _, err := kept(filepath.Join(dataDir, ErasureKeyFile), func() (string, error) {
		raw := make([]byte, 32)
		if _, err := io.ReadFull(random, raw); err != nil {
			return "", fmt.Errorf("devstack: generate the erasure key: %w", err)
		}
		return hex.EncodeToString(raw), nil
	})
	return key, err
}
