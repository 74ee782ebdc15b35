package config_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// secrets is Secrets Manager over a map, counting reads.
type secrets struct {
	values map[string]string
	mu     sync.Mutex
	reads  int
}

func (s *secrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.mu.Lock()
	s.reads++
	s.mu.Unlock()
	v, ok := s.values[*in.SecretId]
	if !ok {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
}

const pair = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE=:kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="

func TestKeyring(t *testing.T) {
	sm := &secrets{values: map[string]string{"arn:good": pair, "arn:bad": "garbage"}}
	for _, tc := range []struct {
		name string
		c    config.Pomelo
		ok   bool
	}{
		{"from the environment", config.Pomelo{Credentials: pair}, true},
		{"from Secrets Manager", config.Pomelo{CredentialsSecretARN: "arn:good", Credentials: "ignored:x"}, true},
		{"secret missing", config.Pomelo{CredentialsSecretARN: "arn:none"}, false},
		{"secret malformed", config.Pomelo{CredentialsSecretARN: "arn:bad"}, false},
		{"nothing set", config.Pomelo{}, false},
		{"one-byte secret", config.Pomelo{Credentials: "k:PQ=="}, false},
	} {
		c := tc.c
		err := config.ReadSecrets(context.Background(), sm, c.Secret())
		var k *signature.Keyring
		if err == nil {
			k, err = c.Keyring()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
		if err == nil {
			if _, ok := k.Secret("h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="); !ok {
				t.Errorf("%s: key missing", tc.name)
			}
		}
		if err != nil && strings.Contains(err.Error(), "garbage") {
			t.Errorf("%s: the error %q repeats the secret", tc.name, err)
		}
	}
}

// TestReadSecrets: each ARN is read once, whole or by JSON field; an ARN
// left unset keeps the plain setting; failures name the ARN's setting.
func TestReadSecrets(t *testing.T) {
	sm := &secrets{values: map[string]string{
		"arn:td":    "td-secret",
		"arn:belvo": `{"secret_id":"id-1","secret_password":"pw-1"}`,
		"arn:text":  "not json",
		"arn:dup":   `{"a":"1","a":"2"}`,
	}}
	var td, plain, id, password string
	plain = "kept"
	err := config.ReadSecrets(context.Background(), sm,
		config.Secret{ARNName: "TD_ARN", ARN: "arn:td", Into: &td},
		config.Secret{ARNName: "PLAIN_ARN", Into: &plain},
		config.Secret{ARNName: "BELVO_ARN", ARN: "arn:belvo", Key: "secret_id", Into: &id},
		config.Secret{ARNName: "BELVO_ARN", ARN: "arn:belvo", Key: "secret_password", Into: &password},
	)
	if err != nil || td != "td-secret" || plain != "kept" || id != "id-1" || password != "pw-1" || sm.reads != 2 {
		t.Errorf("ReadSecrets = %v: %q %q %q %q after %d reads, want 2", err, td, plain, id, password, sm.reads)
	}
	var v string
	for _, tc := range []config.Secret{
		{ARNName: "MISSING_ARN", ARN: "arn:none", Into: &v},
		{ARNName: "TEXT_ARN", ARN: "arn:text", Key: "k", Into: &v},
		{ARNName: "FIELD_ARN", ARN: "arn:belvo", Key: "other", Into: &v},
		{ARNName: "DUP_ARN", ARN: "arn:dup", Key: "a", Into: &v},
	} {
		err := config.ReadSecrets(context.Background(), sm, tc)
		if err == nil || !strings.Contains(err.Error(), tc.ARNName) || strings.Contains(err.Error(), "pw-1") {
			t.Errorf("%s: %v, want it named", tc.ARNName, err)
		}
	}
	if err := config.ReadSecrets(context.Background(), nil, config.Secret{ARNName: "X_ARN", ARN: "arn:td", Into: &v}); err == nil {
		t.Error("an ARN without Secrets Manager was taken")
	}
}

// TestProcess: a bad setting is named by its variable, also inside an
// embedded struct.
func TestProcess(t *testing.T) {
	type settings struct {
		config.Pomelo
		Deadline time.Duration `env:"AUTHORIZATION_DEADLINE, default=1500ms"`
	}
	var c settings
	for setting, value := range map[string]string{"AUTHORIZATION_DEADLINE": "forever", "POMELO_SIGNATURE_TOLERANCE": "soon"} {
		c = settings{}
		err := config.ProcessWith(context.Background(), &c, envconfig.MapLookuper(map[string]string{setting: value}))
		if err == nil || !strings.HasPrefix(err.Error(), "config: "+setting+": ") || !strings.Contains(err.Error(), value) {
			t.Errorf("%s=%s: %v, want it named", setting, value, err)
		}
	}
	c = settings{}
	if err := config.ProcessWith(context.Background(), &c, envconfig.MapLookuper(nil)); err != nil || c.Deadline != 1500*time.Millisecond {
		t.Errorf("defaults: %v, %v", err, c.Deadline)
	}
}
