package text_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

func TestHex(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"", []byte{}, true},
		{"00ff7F", []byte{0, 0xff, 0x7f}, true},
		{"0", nil, false},
		{"0g", nil, false},
		{" 0", nil, false},
	} {
		got, ok := text.DecodeHex(tc.in)
		if ok != tc.ok || ok && !bytes.Equal(got, tc.want) {
			t.Errorf("DecodeHex(%q) = %x, %v; want %x, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if got := string(text.AppendHex([]byte("x="), []byte{0xde, 0xad, 0x01})); got != "x=dead01" {
		t.Errorf("AppendHex = %q", got)
	}
}

// FuzzDecodeHex holds DecodeHex to encoding/hex.
func FuzzDecodeHex(f *testing.F) {
	for _, s := range []string{"", "00", "aB", "0g", "abc", "ＡＢ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := text.DecodeHex(s)
		want, err := hex.DecodeString(s)
		if ok != (err == nil) || ok && !bytes.Equal(got, want) {
			t.Errorf("DecodeHex(%q) = %x, %v; encoding/hex: %x, %v", s, got, ok, want, err)
		}
		if ok && string(text.AppendHex(nil, got)) != hex.EncodeToString(want) {
			t.Errorf("AppendHex(%x) differs from encoding/hex", got)
		}
	})
}

func TestAppendJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{`say "hi" \o/`, `"say \"hi\" \\o/"`},
		{"tab\tnl\nnul\x00", `"tab\u0009nl\u000anul\u0000"`},
		{"ñ 😀 <&>", `"ñ 😀 <&>"`},
		{"bad\xffend", `"bad\ufffdend"`},
	} {
		if got := string(text.AppendJSONString(nil, tc.in)); got != tc.want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzAppendJSONString holds AppendJSONString to encoding/json: what it
// writes reads back as the string encoding/json would make of the input.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\x1f\x7f", "ñ\xff\xfe", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := text.AppendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("AppendJSONString(%q) = %s: not JSON: %v", s, got, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Errorf("AppendJSONString(%q) reads back as %q", s, back)
		}
		var stdlib string
		b, _ := json.Marshal(s)
		json.Unmarshal(b, &stdlib)
		if back != stdlib {
			t.Errorf("AppendJSONString(%q) reads back as %q, encoding/json's as %q", s, back, stdlib)
		}
	})
}

func TestAppendUnicodeEscape(t *testing.T) {
	if got := string(text.AppendUnicodeEscape(nil, 'ñ')); got != `\u00f1` {
		t.Errorf("ñ = %s", got)
	}
	if got := string(text.AppendUnicodeEscape(nil, '😀')); got != `\ud83d\ude00` {
		t.Errorf("😀 = %s, want a surrogate pair", got)
	}
}

func TestAnnotate(t *testing.T) {
	base := errors.New("signature: malformed header")
	err := text.Annotate(base, "x-timestamp is not unix seconds")
	if err.Error() != "signature: malformed header: x-timestamp is not unix seconds" || !errors.Is(err, base) {
		t.Errorf("Annotate = %q, Is = %v", err, errors.Is(err, base))
	}
}

func TestWrap(t *testing.T) {
	outer, inner := errors.New("webhook: malformed payload"), errors.New("JSON object repeats a key")
	err := text.Wrap(outer, inner)
	if err.Error() != "webhook: malformed payload: JSON object repeats a key" || !errors.Is(err, outer) || !errors.Is(err, inner) {
		t.Errorf("Wrap = %q, Is outer %v, Is inner %v", err, errors.Is(err, outer), errors.Is(err, inner))
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"La CURP proporcionada no fue localizada en la entidad externa RENAPO", "la curp proporcionada no fue localizada en la entidad externa renapo"},
		{"  Modificación de   salario. ", "modificacion de salario"},
		{"CAMBIOS EN LA RAZÓN SOCIAL", "cambios en la razon social"},
		{"Work in progress", "work in progress"},
		{"¿Ñandú?", "¿nandu"},
		{"", ""},
	} {
		if got := text.Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
