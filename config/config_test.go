package config_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/config"
)

type secrets map[string]string

func (s secrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v, ok := s[*in.SecretId]
	if !ok {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
}

const pair = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE=:kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="

func TestKeyring(t *testing.T) {
	sm := secrets{"arn:good": pair, "arn:bad": "garbage"}
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
		k, err := tc.c.Keyring(context.Background(), sm)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
		if err == nil {
			if _, ok := k.Secret("h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="); !ok {
				t.Errorf("%s: key missing", tc.name)
			}
		}
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
