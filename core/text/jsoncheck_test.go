package text_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

func TestCheckJSON(t *testing.T) {
	deep := strings.Repeat("[", text.MaxJSONDepth) + strings.Repeat("]", text.MaxJSONDepth)
	tooDeep := strings.Repeat(`{"a":`, text.MaxJSONDepth+1) + "1" + strings.Repeat("}", text.MaxJSONDepth+1)
	var many strings.Builder
	many.WriteString("{")
	for i := range 40 {
		many.WriteString(`"k` + strconv.Itoa(i) + `":1,`)
	}
	manyKeys := many.String() + `"last":1}`
	for _, tc := range []struct {
		name, in string
		want     error // nil when valid
	}{
		{"object", `{"a":1,"b":[true,false,null],"c":{"a":"x"}}`, nil},
		{"same key in sibling objects", `{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":1}]}`, nil},
		{"same key at two depths", `{"k":{"k":{"k":1}}}`, nil},
		{"scalars", ` "s" `, nil},
		{"numbers", `[0,-0,1.5,-2e10,3E+2,4e-3]`, nil},
		{"escapes", `{"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00":1}`, nil},
		{"lone high surrogate", `"\ud800"`, text.ErrSurrogate},
		{"lone low surrogate", `{"id":"\udc00x"}`, text.ErrSurrogate},
		{"high surrogate then a letter", `"\ud800\u0041"`, text.ErrSurrogate},
		{"two high surrogates", `"\ud800\udbff"`, text.ErrSurrogate},
		{"many keys", manyKeys, nil},
		{"deepest", deep, nil},
		{"repeated key", `{"a":1,"a":2}`, text.ErrDuplicateKey},
		{"repeated nested", `{"x":[{"local":{"total":"1.00","total":"999.00"}}]}`, text.ErrDuplicateKey},
		{"repeated after escape", `{"type":1,"\u0074ype":2}`, text.ErrDuplicateKey},
		{"repeated surrogate pair", `{"😀":1,"\ud83d\ude00":2}`, text.ErrDuplicateKey},
		{"repeated among many keys", manyKeys[:len(manyKeys)-1] + `,"k7":2}`, text.ErrDuplicateKey},
		{"repeated empty key", `{"":1,"":2}`, text.ErrDuplicateKey},
		{"too deep", tooDeep, text.ErrJSONDepth},
		{"empty", ``, text.ErrJSONSyntax},
		{"two values", `{} {}`, text.ErrJSONSyntax},
		{"trailing comma", `{"a":1,}`, text.ErrJSONSyntax},
		{"single quotes", `{'a':1}`, text.ErrJSONSyntax},
		{"leading zero", `[01]`, text.ErrJSONSyntax},
		{"bare point", `[1.]`, text.ErrJSONSyntax},
		{"bare exponent", `[1e]`, text.ErrJSONSyntax},
		{"plus sign", `[+1]`, text.ErrJSONSyntax},
		{"control in string", "\"a\x01\"", text.ErrJSONSyntax},
		{"bad escape", `"\x"`, text.ErrJSONSyntax},
		{"short unicode escape", `"\u12"`, text.ErrJSONSyntax},
		{"invalid UTF-8", "\"\xff\"", text.ErrJSONSyntax},
		{"UTF-8 surrogate", "\"\xed\xa0\x80\"", text.ErrJSONSyntax},
		{"unterminated", `{"a":"b`, text.ErrJSONSyntax},
		{"truncated literal", `[tru]`, text.ErrJSONSyntax},
		{"key not a string", `{1:2}`, text.ErrJSONSyntax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := text.CheckJSON([]byte(tc.in))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("CheckJSON(%q) = %v, want %v", tc.in, err, tc.want)
			}
		})
	}
}

func TestCheckJSONSaysWhere(t *testing.T) {
	err := text.CheckJSON([]byte(`{"a":1, "a":2}`))
	if err == nil || err.Error() != `JSON object repeats a key: key "a" at byte 8` {
		t.Errorf("err = %v", err)
	}
}

// FuzzCheckJSON checks CheckJSON against encoding/json: it accepts only what
// json.Valid accepts, and refuses valid UTF-8 JSON only for a repeated key,
// which a reference finder built on json.Decoder must confirm, or for
// nesting too deep.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":{"b":[1,{"c":"\u0063"}]}}`, `[1,2.5e3,"x",null]`, `{"\u00e9":1,"é":2}`, `"\ud800\u0041"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := text.CheckJSON(b)
		valid := json.Valid(b)
		switch {
		case err == nil && !valid:
			t.Fatalf("CheckJSON accepts %q, which encoding/json refuses", b)
		case err == nil:
			if dup, ok := repeatedKey(b); ok {
				t.Fatalf("CheckJSON accepts %q, which repeats %q", b, dup)
			}
		case !valid || !utf8.Valid(b):
		case errors.Is(err, text.ErrDuplicateKey):
			if _, ok := repeatedKey(b); !ok {
				t.Fatalf("CheckJSON(%q) = %v, but no key repeats", b, err)
			}
		case errors.Is(err, text.ErrJSONDepth):
		case errors.Is(err, text.ErrSurrogate):
			if !bytes.Contains(bytes.ToLower(b), []byte(`\ud`)) {
				t.Fatalf("CheckJSON(%q) = %v, but it has no surrogate escape", b, err)
			}
		default:
			t.Fatalf("CheckJSON(%q) = %v, but encoding/json accepts it", b, err)
		}
	})
}

// repeatedKey finds a key repeated within one object of the valid JSON b.
func repeatedKey(b []byte) (string, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	// One entry per open array or object; objects track their keys and
	// whether the next string token is a key.
	type level struct {
		object bool
		keys   map[string]bool
		key    bool
	}
	var stack []*level
	for {
		tok, err := d.Token()
		if err != nil {
			return "", false
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, ok := tok.(string); ok && top != nil && top.object && top.key {
			if top.keys[k] {
				return k, true
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{object: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &level{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object expects a key next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

func BenchmarkCheckJSON(b *testing.B) {
	body := []byte(`{"transaction":{"id":"ctx-200kXoaEJLNzcsvNxY1pmBO7fEx","type":"PURCHASE","point_type":"POS","entry_mode":"CONTACTLESS","country_code":"ARG","origin":"DOMESTIC","local_date_time":"2026-11-23T10:00:00"},` +
		`"merchant":{"id":"m-1","mcc":"5411","address":"Av. Corrientes 1234","name":"Almacen"},"card":{"id":"c-1","product_type":"PREPAID","provider":"MASTERCARD","last_four":"1573"},` +
		`"user":{"id":"u-1"},"amount":{"local":{"total":"1060.74","currency":"ARS"},"transaction":{"total":"1060.74","currency":"ARS"},"settlement":{"total":"1.00","currency":"USD"},` +
		`"details":[{"type":"BASE","currency":"ARS","amount":"1060.74","name":"BASE"}]}}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := text.CheckJSON(body); err != nil {
			b.Fatal(err)
		}
	}
}
