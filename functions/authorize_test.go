package functions_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/allowlist"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
)

const pomeloSecretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tarjeta/pomelo-AbCdEf"

// TestAuthorizeBootstrap: the authorize bootstrap, its Pomelo keys read
// from Secrets Manager, funds the sample user, approves the sample
// purchase, replays it, and shows the account.
func TestAuthorizeBootstrap(t *testing.T) {
	table := ddb.Fresh(t, ledgertable.Create)
	rt := startWith(t, "authorize", map[string]string{pomeloSecretARN: samplePomelo}, "LEDGER_TABLE_NAME="+table,
		"POMELO_CREDENTIALS_SECRET_ARN="+pomeloSecretARN, "POMELO_SIGNATURE_TOLERANCE=87600h", "POMELO_SOURCE_IPS="+strings.Join(allowlist.PomeloSandbox, ","))

	fund := call(t, rt, sample(t, "authorize/adjustment-credit.json"))
	if fund.StatusCode != 200 || fund.Body != "" || fund.Headers["X-Signature"] == "" {
		t.Errorf("credit adjustment: %d %q %v", fund.StatusCode, fund.Body, fund.Headers)
	}
	purchase := sample(t, "authorize/authorization.json")
	first := call(t, rt, purchase)
	if first.StatusCode != 200 || first.JSON["status"] != "APPROVED" {
		t.Fatalf("authorization: %d %s", first.StatusCode, first.Body)
	}
	secret, _ := base64.StdEncoding.DecodeString(apitest.APISecret)
	h := first.Headers
	if h["X-Signature"] != signature.Sign(secret, h["X-Timestamp"], "/transactions/authorizations", []byte(first.Body)) {
		t.Errorf("the answer is not signed over its body: %v", h)
	}
	if again := call(t, rt, purchase); again.StatusCode != 200 || again.Body != first.Body {
		t.Errorf("Pomelo's retry: %d %s, want the first answer %s", again.StatusCode, again.Body, first.Body)
	}
	account := call(t, rt, sample(t, "authorize/ledger-account.json"))
	balances, _ := account.JSON["balances"].([]any)
	if account.StatusCode != 200 || len(balances) != 1 || balances[0].(map[string]any)["available"] != "749.50" {
		t.Errorf("account: %d %s, want 749.50 available", account.StatusCode, account.Body)
	}
	expectMetrics(t, rt, `"StatusDetail":"APPROVED","Authorizations":1`, `"Route":"POST /transactions/adjustments/credit","Adjustments":1`)
	expectGranted(t, rt)
}

// TestAuthorizeBootstrapSources: with production's Pomelo addresses, the
// sample requests (from sandbox's) are refused before anything is read or
// written; the ledger's view, IAM's, is not Pomelo's route.
func TestAuthorizeBootstrapSources(t *testing.T) {
	table := ddb.Fresh(t, ledgertable.Create)
	rt := start(t, "authorize", "LEDGER_TABLE_NAME="+table, "POMELO_API_CREDENTIALS="+samplePomelo,
		"POMELO_SIGNATURE_TOLERANCE=87600h", "POMELO_SOURCE_IPS="+strings.Join(allowlist.PomeloProduction, ","))
	for _, name := range []string{"authorize/adjustment-credit.json", "authorize/authorization.json"} {
		if a := call(t, rt, sample(t, name)); a.StatusCode != 403 || a.errorCode() != "SOURCE_NOT_ALLOWED" || a.Headers["X-Signature"] != "" {
			t.Errorf("%s from sandbox's address: %d %s %v", name, a.StatusCode, a.Body, a.Headers)
		}
	}
	account := call(t, rt, sample(t, "authorize/ledger-account.json"))
	if entries, _ := account.JSON["entries"].([]any); account.StatusCode != 200 || len(entries) != 0 {
		t.Errorf("account: %d %s, want nothing written", account.StatusCode, account.Body)
	}
	if !strings.Contains(rt.Log(), `"outcome":"forbidden"`) {
		t.Errorf("the refusals are not logged as forbidden:\n%s", rt.Log())
	}
}

// TestAuthorizeBootstrapSettings: without Pomelo's credentials the
// function starts and refuses Pomelo's routes with 401 CREDENTIAL_NOT_SET;
// without its table's name it does not start, and says why.
func TestAuthorizeBootstrapSettings(t *testing.T) {
	table := ddb.Fresh(t, ledgertable.Create)
	rt := start(t, "authorize", "LEDGER_TABLE_NAME="+table)
	if a := call(t, rt, sample(t, "authorize/authorization.json")); a.StatusCode != 401 || a.errorCode() != "CREDENTIAL_NOT_SET" {
		t.Errorf("authorization without credentials: %d %s", a.StatusCode, a.Body)
	}
	if a := call(t, rt, sample(t, "authorize/ledger-account.json")); a.StatusCode != 200 {
		t.Errorf("account without credentials: %d %s", a.StatusCode, a.Body)
	}
	// Both switched off, and both said so at start.
	for _, said := range []string{"POMELO_SOURCE_IPS is empty", "every authorization and adjustment is refused with 401 CREDENTIAL_NOT_SET"} {
		if !strings.Contains(rt.Log(), said) {
			t.Errorf("the start did not say %q", said)
		}
	}
	expectInitError(t, "authorize", nil, "LEDGER_TABLE_NAME")
	expectInitError(t, "authorize", []string{"LEDGER_TABLE_NAME=" + table, "POMELO_SOURCE_IPS=34.226.254.178,any"}, "POMELO_SOURCE_IPS")
	expectInitError(t, "authorize", []string{"LEDGER_TABLE_NAME=" + table, "AUTHORIZATION_DEADLINE=forever"}, "AUTHORIZATION_DEADLINE")
	expectInitError(t, "authorize", []string{"LEDGER_TABLE_NAME=" + table, "POMELO_CREDENTIALS_SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:missing"},
		"POMELO_CREDENTIALS_SECRET_ARN")
}
