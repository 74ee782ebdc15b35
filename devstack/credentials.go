package devstack

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/tarjeta-dev/tarjeta/config"
)

// CredentialsFile keeps generated credentials in DATA_DIR across restarts.
const CredentialsFile = "pomelo-credentials"

// ExampleFile is the shell script, in DATA_DIR, that sends signed example requests.
const ExampleFile = "try-authorization.sh"

// localCredentials returns the configured credentials or, when none are, the
// ones generated earlier into DATA_DIR, generating and announcing them the
// first time.
func localCredentials(p config.Pomelo, dataDir string, out io.Writer, addr string, random io.Reader) (string, error) {
	if p.CredentialsSecretARN != "" {
		return "", errors.New("devstack: POMELO_CREDENTIALS_SECRET_ARN is for AWS; set POMELO_API_CREDENTIALS or leave both unset")
	}
	if p.Credentials != "" {
		return p.Credentials, nil
	}
	path := filepath.Join(dataDir, CredentialsFile)
	example := filepath.Join(dataDir, ExampleFile)
	var apiKey string
	var secret []byte
	creds, made, err := kept(path, func() (string, error) {
		key := make([]byte, 32)
		secret = make([]byte, 32)
		if _, err := io.ReadFull(random, key); err != nil {
			return "", fmt.Errorf("devstack: generate credentials: %w", err)
		}
		if _, err := io.ReadFull(random, secret); err != nil {
			return "", fmt.Errorf("devstack: generate credentials: %w", err)
		}
		apiKey = base64.StdEncoding.EncodeToString(key)
		return apiKey + ":" + base64.StdEncoding.EncodeToString(secret), nil
	})
	if err != nil {
		return "", err
	}
	if !made {
		fmt.Fprintf(out, "Pomelo credentials: %s (generated earlier). Signed example requests: sh %s\n", path, example)
		return creds, nil
	}
	script := exampleScript(addr, apiKey, secret)
	if err := os.WriteFile(example, []byte(script), 0o600); err != nil {
		return "", fmt.Errorf("devstack: write %s: %w", example, err)
	}
	fmt.Fprintf(out, `Generated Pomelo credentials for this local stack (shown once, kept in %s):

  POMELO_API_CREDENTIALS=%s

Paste this into a shell: it funds a demo user with a signed credit adjustment,
then authorizes a card purchase; both answers come back signed. (Also in %s.)

%s
`, path, creds, example, script)
	return creds, nil
}

var exampleTemplate = template.Must(template.New("example").Parse(`sign() { printf '%s%s%s' "$1" "$2" "$3" | openssl dgst -sha256 -mac HMAC -macopt hexkey:{{.HexKey}} -binary | base64; }
pomelo() { TS=$(date +%s); curl -sS -i "http://{{.Addr}}$1" -H 'content-type: application/json' -H 'x-api-key: {{.APIKey}}' -H "x-signature: hmac-sha256 $(sign "$TS" "$1" "$2")" -H "x-timestamp: $TS" -H "x-endpoint: $1" -H "x-idempotency-key: demo-$3" --data-raw "$2"; echo; }
ID=$(date +%s)
pomelo /transactions/adjustments/credit "$(printf '{{.Credit}}' "$ID")" "credit-$ID"
pomelo /transactions/authorizations "$(printf '{{.Purchase}}' "$ID")" "purchase-$ID"
curl -sS "http://{{.Addr}}/ledger/accounts/u-demo"; echo
`))

const (
	exampleCredit   = `{"transaction":{"id":"ctx-fund-%s","type":"PAYMENT","point_type":"POS","entry_mode":"MANUAL","country_code":"ARG","origin":"DOMESTIC","local_date_time":"2026-01-01T10:00:00"},"merchant":{"id":"m-demo","mcc":"6012","address":"Av. Corrientes 1234","name":"Carga"},"card":{"id":"c-demo","product_type":"PREPAID","provider":"MASTERCARD","last_four":"1573"},"user":{"id":"u-demo"},"amount":{"local":{"total":"1000.00","currency":"ARS"},"transaction":{"total":"1000.00","currency":"ARS"},"details":[]}}`
	examplePurchase = `{"transaction":{"id":"ctx-buy-%s","type":"PURCHASE","point_type":"POS","entry_mode":"CONTACTLESS","country_code":"ARG","origin":"DOMESTIC","local_date_time":"2026-01-01T10:05:00"},"merchant":{"id":"m-demo","mcc":"5411","address":"Av. Corrientes 1234","name":"Almacen"},"card":{"id":"c-demo","product_type":"PREPAID","provider":"MASTERCARD","last_four":"1573"},"user":{"id":"u-demo"},"amount":{"local":{"total":250.5,"currency":"ARS"},"transaction":{"total":"250.50","currency":"ARS"},"settlement":{"total":"0.25","currency":"USD"},"details":[{"type":"BASE","currency":"ARS","amount":"210.33","name":"BASE"},{"type":"TAX","currency":"ARS","amount":"40.17","name":"IVA"}]}}`
)

// exampleScript returns a POSIX shell snippet that signs with openssl, as
// Pomelo would, and sends a credit adjustment then a purchase to addr.
func exampleScript(addr, apiKey string, secret []byte) string {
	var b strings.Builder
	exampleTemplate.Execute(&b, map[string]string{
		"Addr": addr, "APIKey": apiKey, "HexKey": hex.EncodeToString(secret),
		"Credit": exampleCredit, "Purchase": examplePurchase,
	})
	return b.String()
}
