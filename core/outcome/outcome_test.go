package outcome_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		code   outcome.Code
		status int
		result outcome.Result
	}{
		{outcome.MalformedPayload, 400, outcome.BadRequest},
		{outcome.IdempotencyKey, 400, outcome.BadRequest},
		{outcome.KeyReused, 409, outcome.Conflict},
		{outcome.BodyTooLarge, 413, outcome.BadRequest},
		{outcome.NoRoute, 404, outcome.NotFound},
		{outcome.UnknownAdjustmentType, 404, outcome.NotFound},
		{outcome.StoreUnavailable, 503, outcome.SystemError},
		{outcome.InvalidInput, 400, outcome.BadRequest},
		{outcome.UnreadableBody, 400, outcome.BadRequest},
		{outcome.RepeatedHeader, 400, outcome.BadRequest},
		{outcome.MethodNotAllowed, 405, outcome.BadRequest},
		{outcome.BalanceLimit, 422, outcome.BadRequest},
		{outcome.Code(signature.CodeNoMatch), 401, outcome.Unauthorized},
		{"NO_SUCH_CODE", 500, outcome.SystemError},
	} {
		if got := outcome.Status(tc.code); got != tc.status {
			t.Errorf("Status(%s) = %d, want %d", tc.code, got, tc.status)
		}
		if o := outcome.Failed(tc.code); o.Result != tc.result || o.Error != string(tc.code) {
			t.Errorf("Failed(%s) = %+v, want result %s", tc.code, o, tc.result)
		}
	}
}

// TestSignatureCodes: every code signature.Code can return has its 401.
func TestSignatureCodes(t *testing.T) {
	for _, err := range []error{
		signature.ErrMissingHeader, signature.ErrUnknownKey, signature.ErrMalformedHeader, signature.ErrBadBase64,
		signature.ErrTooOld, signature.ErrTooNew, signature.ErrEndpointMismatch, signature.ErrNoMatch, signature.ErrCredentials,
	} {
		if code := outcome.Code(signature.Code(err)); outcome.Status(code) != 401 {
			t.Errorf("%v: code %s has status %d, want 401", err, code, outcome.Status(code))
		}
	}
}

func TestErrorBody(t *testing.T) {
	for code := range outcome.Codes() {
		msg := "line\nquote\" ñ \xff"
		var got struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(outcome.ErrorBody(code, msg), &got); err != nil {
			t.Fatalf("ErrorBody(%s): %v", code, err)
		}
		if got.Error.Code != string(code) || got.Error.Message != "line\nquote\" ñ \uFFFD" {
			t.Errorf("ErrorBody(%s) = %+v", code, got)
		}
	}
}

// TestREADMEErrorTable: the README's table of errors lists every code with
// its status, and no code the table does not have.
func TestREADMEErrorTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n### Errors\n")
	section, _, _ = strings.Cut(section, "\n### ")
	documented := make(map[outcome.Code]int)
	row := regexp.MustCompile(`(?m)^\| (\d{3}) \| (.*) \|$`)
	code := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		status, _ := strconv.Atoi(m[1])
		for _, c := range code.FindAllStringSubmatch(m[2], -1) {
			documented[outcome.Code(c[1])] = status
		}
	}
	if len(documented) == 0 {
		t.Fatal("no error table found under ### Errors in README.md")
	}
	for c, status := range outcome.Codes() {
		if got, ok := documented[c]; !ok || got != status {
			t.Errorf("README lists %s under status %d (listed: %v), want %d", c, got, ok, status)
		}
	}
	for c := range documented {
		if _, ok := outcome.Codes()[c]; !ok {
			t.Errorf("README lists %s, which is not a code", c)
		}
	}
}

func ExampleErrorBody() {
	code := outcome.KeyReused
	fmt.Println(outcome.Status(code), string(outcome.ErrorBody(code, "x-idempotency-key was already used for a different request")))
	// Output: 409 {"error":{"code":"IDEMPOTENCY_KEY_REUSED","message":"x-idempotency-key was already used for a different request"}}
}

// TestREADMETaxonomy: the README's error taxonomy lists every code of the
// verifications' taxonomy with its about and retryable, and no other.
func TestREADMETaxonomy(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n#### Error taxonomy\n")
	section, _, _ = strings.Cut(section, "\n**")
	row := regexp.MustCompile("(?m)^\\| `([A-Z_]+)` \\| (person|provider) \\| (yes|no)[^|]* \\|")
	documented := make(map[outcome.Code]outcome.Fault)
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[outcome.Code(m[1])] = outcome.Fault{About: outcome.About(m[2]), Retryable: m[3] == "yes"}
	}
	if len(documented) == 0 {
		t.Fatal("no taxonomy table under #### Error taxonomy in README.md")
	}
	for c, f := range outcome.Faults() {
		if got, ok := documented[c]; !ok || got.About != f.About || got.Retryable != f.Retryable {
			t.Errorf("README lists %s as %+v (listed: %v), want about %s, retryable %v", c, got, ok, f.About, f.Retryable)
		}
	}
	for c := range documented {
		if _, ok := outcome.FaultOf(c); !ok {
			t.Errorf("README lists %s, which is not in the taxonomy", c)
		}
	}
}
