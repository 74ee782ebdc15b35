package config

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// SecretReader reads a secret from Secrets Manager.
type SecretReader interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Secret is a setting that in AWS comes from Secrets Manager: the ARN
// setting names a secret holding its value, whole or, with Key, as one
// string field of a JSON object. Set, the ARN wins over the value setting.
type Secret struct {
	Name    string  // the value's setting, e.g. TD_ACCESS_SECRET
	ARNName string  // the ARN's setting, e.g. TD_ACCESS_SECRET_ARN
	ARN     string  // the ARN setting's value
	Key     string  // the JSON field, "" for the whole secret string
	Into    *string // filled from the secret when ARN is set
}

// ReadSecrets fills every secret whose ARN is set, reading each ARN once
// and all of them at once: a cold start waits for one round trip to
// Secrets Manager, not one per secret. An error names the ARN's setting,
// never the secret's content.
func ReadSecrets(ctx context.Context, sm SecretReader, secrets ...Secret) error {
	texts := make(map[string]string)
	var arns []string
	for _, s := range secrets {
		if s.ARN == "" {
			continue
		}
		if _, ok := texts[s.ARN]; !ok {
			texts[s.ARN] = ""
			arns = append(arns, s.ARN)
		}
	}
	if len(arns) == 0 {
		return nil
	}
	if sm == nil {
		return errors.New("config: a secret's ARN is set but Secrets Manager is not available")
	}
	errs := make([]error, len(arns))
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for i, arn := range arns {
		wg.Go(func() {
			out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
			switch {
			case err != nil:
				errs[i] = err
			case out.SecretString == nil:
				errs[i] = errors.New("the secret holds no secret string")
			default:
				mu.Lock()
				texts[arn] = *out.SecretString
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var failed []error
	for _, s := range secrets {
		if s.ARN == "" {
			continue
		}
		if i := slices.Index(arns, s.ARN); errs[i] != nil {
			failed = append(failed, fmt.Errorf("config: read %s: %w", s.ARNName, errs[i]))
			continue
		}
		v, err := field(texts[s.ARN], s.Key)
		if err != nil {
			failed = append(failed, fmt.Errorf("config: %s: %w", s.ARNName, err))
			continue
		}
		*s.Into = v
	}
	return errors.Join(failed...)
}

// field is the secret text, or its JSON object's string field key.
func field(secret, key string) (string, error) {
	if key == "" {
		return secret, nil
	}
	if err := text.CheckJSON([]byte(secret)); err != nil || !gjson.Parse(secret).IsObject() {
		return "", fmt.Errorf("the secret is not a JSON object with the string field %q", key)
	}
	v := gjson.Get(secret, gjson.Escape(key))
	if v.Type != gjson.String {
		return "", fmt.Errorf("the secret's JSON object has no string field %q", key)
	}
	return v.Str, nil
}
