package config_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

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
