package config

import "fmt"

// Erasure is the key of the hashes an erasure keeps of a person and of
// their references (HMAC-SHA-256), so that the tombstones name no one: the
// verify function erases under it, the webhooks function drops a late push
// for an erased person by it. Both need the same key, and it must never
// change. Unset, nothing can be erased. In AWS the template generates it
// into a secret (ERASURE_KEY_ARN).
type Erasure struct {
	Key    string `env:"ERASURE_KEY"`
	KeyARN string `env:"ERASURE_KEY_ARN"`
}

// MinErasureKey is the shortest ERASURE_KEY: 32 bytes, SHA-256's strength.
const MinErasureKey = 32

// Set reports whether the key is configured.
func (e Erasure) Set() bool { return e.Key != "" }

// Validate reports a key too short to be one.
func (e Erasure) Validate() error {
	if e.Key != "" && len(e.Key) < MinErasureKey {
		return fmt.Errorf("ERASURE_KEY must be at least %d bytes", MinErasureKey)
	}
	return nil
}

// Secret is the key's setting as Secrets Manager fills it.
func (e *Erasure) Secret() Secret {
	return Secret{Name: "ERASURE_KEY", ARNName: "ERASURE_KEY_ARN", ARN: e.KeyARN, Into: &e.Key}
}
