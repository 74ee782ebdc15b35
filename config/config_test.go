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

func TestDefaults(t *testing.T) {
	var c config.Authorize
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &c, Lookuper: envconfig.MapLookuper(nil)}); err != nil {
		t.Fatal(err)
	}
	if c.Tolerance != 60*time.Second || c.Deadline != 1500*time.Millisecond || c.Retention != 24*time.Hour || c.TableName == "" {
		t.Errorf("defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	c.Retention, c.Deadline = time.Hour, 0
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "IDEMPOTENCY_RETENTION") || !strings.Contains(err.Error(), "AUTHORIZATION_DEADLINE") {
		t.Errorf("Validate = %v", err)
	}
}

func TestKeyring(t *testing.T) {
	sm := secrets{"arn:good": pair, "arn:bad": "garbage"}
	for _, tc := range []struct {
		name string
		c    config.Authorize
		ok   bool
	}{
		{"from the environment", config.Authorize{Credentials: pair}, true},
		{"from Secrets Manager", config.Authorize{CredentialsSecretARN: "arn:good", Credentials: "ignored:x"}, true},
		{"secret missing", config.Authorize{CredentialsSecretARN: "arn:none"}, false},
		{"secret malformed", config.Authorize{CredentialsSecretARN: "arn:bad"}, false},
		{"nothing set", config.Authorize{}, false},
		{"one-byte secret", config.Authorize{Credentials: "k:PQ=="}, false},
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

func TestWebhooksSettings(t *testing.T) {
	var c config.Webhooks
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &c, Lookuper: envconfig.MapLookuper(map[string]string{})}); err != nil {
		t.Fatal(err)
	}
	if c.TDTolerance != 10*time.Minute || c.Tolerance != time.Minute || c.PalencaHeader != "X-Palenca-Signature" ||
		c.PomeloTokenPath != "/oauth/token" || c.TableName != "tarjeta-webhooks" || c.MaxAttempts != 5 {
		t.Errorf("defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	c.TDTolerance, c.MaxAttempts = 0, 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "TD_SIGNATURE_TOLERANCE") || !strings.Contains(err.Error(), "WEBHOOK_MAX_ATTEMPTS") {
		t.Errorf("Validate = %v", err)
	}
	c = config.Webhooks{Tolerance: time.Minute, TDTolerance: time.Minute, PalencaHeader: "X", TableName: "t", MaxAttempts: 1, Credentials: "k:PQ=="}
	if _, err := c.Function(context.Background(), config.WebhooksDeps{}); err == nil {
		t.Error("a one-byte Pomelo secret was accepted")
	}
}
