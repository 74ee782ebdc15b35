package pomelo_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDecodeGolden decodes the documentation's example body (amounts filled
// in as both numbers and strings) and compares its canonical re-encoding,
// with every amount as an exact decimal string, to the golden file.
func TestDecodeGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/purchase.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := pomelo.DecodeAuthorization(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/purchase.golden.json"
	if *update {
		os.WriteFile(golden, append(got, '\n'), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(got, '\n'), want) {
		t.Errorf("decoded body differs from %s (run go test -update):\n%s", golden, got)
	}
	if a.Amount.Local.Minor != 106074 || a.Amount.Transaction.Minor != 99990 || a.Amount.Settlement.Minor != 105 {
		t.Errorf("amounts = %+v", a.Amount)
	}
}

// TestDecodeTotal reads amount.local.total from its JSON text: a number or
// a string holding one, escapes and all, never through a float.
func TestDecodeTotal(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int64
		ok   bool
	}{
		{`999.9`, 99990, true},
		{`"1060.74"`, 106074, true},
		{`"1\u002e5"`, 150, true},
		{`1e2`, 10000, true},
		{`"abc"`, 0, false},
		{`null`, 0, false},
		{`true`, 0, false},
		{`{"a":1}`, 0, false},
	} {
		body := `{"transaction":{"id":"x","type":"REFUND"},"user":{"id":"u"},"amount":{"local":{"total":` + tc.raw + `,"currency":"ARS"}}}`
		a, err := pomelo.DecodeAuthorization([]byte(body))
		if (err == nil) != tc.ok || tc.ok && a.Amount.Local.Minor != tc.want {
			t.Errorf("total %s: %+v, %v; want %d ok=%v", tc.raw, a.Amount.Local, err, tc.want, tc.ok)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	base := func(edit func(m map[string]any)) string {
		var m map[string]any
		b, _ := os.ReadFile("testdata/purchase.json")
		json.Unmarshal(b, &m)
		edit(m)
		out, _ := json.Marshal(m)
		return string(out)
	}
	sub := func(m map[string]any, k string) map[string]any { return m[k].(map[string]any) }
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty", ``, "not valid JSON"},
		{"array", `[]`, "must be a JSON object"},
		{"trailing object", base(func(map[string]any) {}) + `{}`, "not valid JSON"},
		{"id not a string", base(func(m map[string]any) { sub(m, "transaction")["id"] = 7 }), "transaction.id must be a string"},
		{"card not an object", base(func(m map[string]any) { m["card"] = "4111111111111111" }), "card must be an object"},
		{"details not a list", base(func(m map[string]any) { sub(m, "amount")["details"] = "x" }), "must be a list"},
		{"total a boolean", base(func(m map[string]any) { sub(sub(m, "amount"), "local")["total"] = true }), "number or a numeric string"},
		{"no id", base(func(m map[string]any) { delete(sub(m, "transaction"), "id") }), "transaction.id"},
		{"no type", base(func(m map[string]any) { delete(sub(m, "transaction"), "type") }), "transaction.type is required"},
		{"unknown type", base(func(m map[string]any) { sub(m, "transaction")["type"] = "HACK" }), "not a known type"},
		{"no user", base(func(m map[string]any) { delete(m, "user") }), "user.id"},
		{"no local amount", base(func(m map[string]any) { delete(sub(m, "amount"), "local") }), "amount.local"},
		{"local total missing", base(func(m map[string]any) { delete(sub(sub(m, "amount"), "local"), "total") }), "amount.local.total is required"},
		{"local total null", base(func(m map[string]any) { sub(sub(m, "amount"), "local")["total"] = nil }), "number or a numeric string"},
		{"float garbage", base(func(m map[string]any) { sub(sub(m, "amount"), "local")["total"] = "12.3.4" }), "not a decimal"},
		{"too precise", base(func(m map[string]any) { sub(sub(m, "amount"), "local")["total"] = "1.001" }), "more decimals"},
		{"unknown currency", base(func(m map[string]any) { sub(sub(m, "amount"), "local")["currency"] = "ZZZ" }), "unknown currency"},
		{"bad detail", base(func(m map[string]any) { sub(m, "amount")["details"] = []any{map[string]any{"currency": "ARS"}} }), "amount.details[].amount is required"},
		{"repeated total", strings.Replace(base(func(map[string]any) {}), `"total":"1060.74"`, `"total":"1.00","total":"999.00"`, 1), "repeats a key"},
		{"repeated type", strings.Replace(base(func(map[string]any) {}), `"type":"PURCHASE"`, `"type":"PURCHASE","type":"REFUND"`, 1), "repeats a key"},
		{"repeated key escaped", strings.Replace(base(func(map[string]any) {}), `"type":"PURCHASE"`, `"type":"PURCHASE","\u0074ype":"REFUND"`, 1), "repeats a key"},
		{"repeated top-level key", base(func(map[string]any) {})[:1] + `"user":{"id":"other"},` + base(func(map[string]any) {})[1:], "repeats a key"},
		{"not UTF-8", strings.Replace(base(func(map[string]any) {}), `PURCHASE`, "PURCHASE\xff", 1), "invalid UTF-8"},
		{"user id too long", base(func(m map[string]any) { sub(m, "user")["id"] = strings.Repeat("u", storable.MaxID+1) }), "user.id is 481 bytes"},
		{"transaction id too long", base(func(m map[string]any) { sub(m, "transaction")["id"] = strings.Repeat("t", 2000) }), "transaction.id is 2000 bytes"},
		{"original id too long", base(func(m map[string]any) {
			sub(m, "transaction")["type"] = "REVERSAL_PURCHASE"
			sub(m, "transaction")["original_transaction_id"] = strings.Repeat("o", storable.MaxID+1)
		}), "original_transaction_id is 481 bytes"},
		{"reversal without original", base(func(m map[string]any) {
			sub(m, "transaction")["type"] = "REVERSAL_PURCHASE"
			delete(sub(m, "transaction"), "original_transaction_id")
		}), "original_transaction_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pomelo.DecodeAuthorization([]byte(tc.body))
			if !errors.Is(err, pomelo.ErrPayload) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrPayload mentioning %q", err, tc.want)
			}
		})
	}
}

// FuzzDecodeAuthorization checks that the decoder never panics and that what
// it accepts survives a canonical re-encoding unchanged.
func FuzzDecodeAuthorization(f *testing.F) {
	b, _ := os.ReadFile("testdata/purchase.json")
	f.Add(b)
	f.Add([]byte(`{"transaction":{"id":"x","type":"REFUND"},"user":{"id":"u"},"amount":{"local":{"total":1e2,"currency":"CLP"}}}`))
	f.Add([]byte(`{"transaction":{"id":"x","type":"PURCHASE"},"user":{"id":"u"},"amount":{"local":{"total":"-0.5","currency":"ARS"},"details":[]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := pomelo.DecodeAuthorization(body)
		if err != nil {
			if !errors.Is(err, pomelo.ErrPayload) {
				t.Fatalf("err = %v, not ErrPayload", err)
			}
			return
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		b, err := pomelo.DecodeAuthorization(again)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", again, err)
		}
		if len(a.Amount.Details) == 0 {
			a.Amount.Details = nil // an empty list is left out on the way back
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the payload:\n%+v\n%+v", a, b)
		}
	})
}
