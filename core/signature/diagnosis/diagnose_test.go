package diagnosis_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/signature/diagnosis"
)

// Two key pairs: A is the pair of Pomelo's documentation.
const (
	keyA    = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	secretA = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
	keyB    = "tgeAkX0795jKTxrVR0cJbb//D8UlhHn0KZwTcDG3gyg="
	secretB = "un/OHwD+fMN1TTSaEhs0vupQEDQS7DVaUdlNOu7Fpyw="
)

// signer is how a client computed its signature, mistakes included.
type signer struct {
	key       []byte // HMAC key
	timestamp string // in the message and the header
	endpoint  string // in the message
	body      string // in the message
}

func (s signer) mac() []byte {
	return signature.Sum(s.key, s.timestamp, s.endpoint, []byte(s.body))
}

func TestDiagnose(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	secretB, _ := base64.StdEncoding.DecodeString(secretB)
	pretty := "{\n  \"transaction\": {\n    \"id\": \"ctx-1\",\n    \"type\": \"PURCHASE\"\n  },\n  \"merchant\": {\n    \"name\": \"Panadería Ñandú\"\n  }\n}"
	compact := `{"transaction":{"id":"ctx-1","type":"PURCHASE"},"merchant":{"name":"Panadería Ñandú"}}`
	const path = "/transactions/authorizations"
	good := signer{key: secretB, timestamp: "1700000000", endpoint: path, body: compact}

	for _, tc := range []struct {
		name     string
		signer   signer
		header   func(mac []byte) string // x-signature as sent; standard when nil
		attempt  func(a *diagnosis.Attempt)
		want     []diagnosis.Cause
		reproduc bool
	}{
		{"valid", good, nil, nil, nil, true},
		{"secret used raw", signer{[]byte(secretBText), good.timestamp, path, compact}, nil, nil, []diagnosis.Cause{diagnosis.SecretNotDecoded}, true},
		{"hex instead of base64", good, func(m []byte) string { return "hmac-sha256 " + hex.EncodeToString(m) }, nil, []diagnosis.Cause{diagnosis.SignatureHex}, true},
		{"prefix missing", good, func(m []byte) string { return base64.StdEncoding.EncodeToString(m) }, nil, []diagnosis.Cause{diagnosis.PrefixMissing}, true},
		{"prefix doubled", good, func(m []byte) string { return "hmac-sha256 hmac-sha256 " + base64.StdEncoding.EncodeToString(m) }, nil, []diagnosis.Cause{diagnosis.PrefixDoubled}, true},
		{"timestamp in milliseconds", signer{secretB, "1700000000000", path, compact}, nil, nil, []diagnosis.Cause{diagnosis.TimestampMilliseconds}, true},
		{"timestamp two minutes old", signer{secretB, "1699999880", path, compact}, nil, nil, []diagnosis.Cause{diagnosis.TimestampOutside}, true},
		{"timestamp ahead of a chosen time", good, nil, func(a *diagnosis.Attempt) { a.Now = now.Add(-5 * time.Minute) }, []diagnosis.Cause{diagnosis.TimestampOutside}, true},
		{"endpoint signed without the base path", signer{secretB, good.timestamp, path, compact}, nil, func(a *diagnosis.Attempt) {
			a.BasePath, a.Endpoint = "/pomelo", "/pomelo"+path
		}, []diagnosis.Cause{diagnosis.EndpointBasePath}, true},
		{"x-endpoint carries a base path we do not know", signer{secretB, good.timestamp, "/pomelo" + path, compact}, nil, func(a *diagnosis.Attempt) {
			a.Endpoint, a.Called = "/pomelo"+path, path
		}, []diagnosis.Cause{diagnosis.EndpointBasePath}, true},
		{"endpoint signed without the query", good, nil, func(a *diagnosis.Attempt) {
			a.Called, a.Endpoint = path+"?retry=1", path+"?retry=1"
		}, []diagnosis.Cause{diagnosis.EndpointQuery}, true},
		{"body signed pretty, sent compact", signer{secretB, good.timestamp, path, pretty}, nil, nil, []diagnosis.Cause{diagnosis.BodyPrettyPrinted}, true},
		{"body signed compact, sent pretty", good, nil, func(a *diagnosis.Attempt) { a.Body = []byte(pretty) }, []diagnosis.Cause{diagnosis.BodyCompacted}, true},
		{"keys reordered", signer{secretB, good.timestamp, path, `{"merchant":{"name":"Panadería Ñandú"},"transaction":{"id":"ctx-1","type":"PURCHASE"}}`}, nil, nil, []diagnosis.Cause{diagnosis.BodyKeyOrder}, true},
		{"python json.dumps spacing", signer{secretB, good.timestamp, path, `{"transaction": {"id": "ctx-1", "type": "PURCHASE"}, "merchant": {"name": "Panadería Ñandú"}}`}, nil, nil, []diagnosis.Cause{diagnosis.BodySpaced}, true},
		{"unicode escaped", signer{secretB, good.timestamp, path, `{"transaction":{"id":"ctx-1","type":"PURCHASE"},"merchant":{"name":"Panader\u00eda \u00d1and\u00fa"}}`}, nil, nil, []diagnosis.Cause{diagnosis.BodyEscapedUnicode}, true},
		{"trailing newline sent", good, nil, func(a *diagnosis.Attempt) { a.Body = []byte(compact + "\n") }, []diagnosis.Cause{diagnosis.BodyTrailingNewline}, true},
		{"CRLF line endings", signer{secretB, good.timestamp, path, strings.ReplaceAll(pretty, "\n", "\r\n")}, nil, func(a *diagnosis.Attempt) { a.Body = []byte(pretty) }, []diagnosis.Cause{diagnosis.BodyCRLF}, true},
		{"BOM signed", signer{secretB, good.timestamp, path, "\uFEFF" + compact}, nil, nil, []diagnosis.Cause{diagnosis.BodyBOM}, true},
		{"other key pair", signer{mustDecode(secretA), good.timestamp, path, compact}, nil, nil, []diagnosis.Cause{diagnosis.OtherKeyPair}, true},
		{"two mistakes at once", signer{[]byte(secretBText), good.timestamp, path, pretty}, func(m []byte) string { return base64.StdEncoding.EncodeToString(m) }, nil,
			[]diagnosis.Cause{diagnosis.PrefixMissing, diagnosis.SecretNotDecoded, diagnosis.BodyPrettyPrinted}, true},
		{"unexplained", good, func([]byte) string { return "hmac-sha256 " + base64.StdEncoding.EncodeToString(make([]byte, 32)) }, nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mac := tc.signer.mac()
			header := "hmac-sha256 " + base64.StdEncoding.EncodeToString(mac)
			if tc.header != nil {
				header = tc.header(mac)
			}
			a := diagnosis.Attempt{
				Pairs:     []diagnosis.Pair{{keyA, secretA}, {keyB, secretBText}},
				APIKey:    keyB,
				Signature: header,
				Timestamp: tc.signer.timestamp,
				Endpoint:  path,
				Body:      []byte(compact),
				Now:       now,
			}
			if tc.attempt != nil {
				tc.attempt(&a)
			}
			d := diagnosis.Diagnose(a)
			if (d.Err == nil) != (tc.want == nil && tc.reproduc) {
				t.Errorf("Err = %v", d.Err)
			}
			if !slices.Equal(d.Causes, tc.want) || d.Reproduced != tc.reproduc {
				t.Errorf("causes %v (reproduced %v), want %v (%v)", d.Causes, d.Reproduced, tc.want, tc.reproduc)
			}
			for _, c := range d.Causes {
				if c.Explain() == "" {
					t.Errorf("cause %s has no explanation", c)
				}
			}
			if want := a.Timestamp + a.Endpoint + string(a.Body); string(d.Message) != want {
				t.Errorf("message %q, want %q", d.Message, want)
			}
			if want := signature.Sign(secretB, a.Timestamp, a.Endpoint, a.Body); d.Expected != want {
				t.Errorf("expected %s, want %s", d.Expected, want)
			}
		})
	}
}

const secretBText = secretB

func mustDecode(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestVisible(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\tb", "a␉b"},
		{"line \r\nnext\n", "line·␍␊\nnext␊\n"},
		{"\uFEFF{}", "⟨BOM⟩{}"},
		{"ñ", "ñ⟨U+00F1⟩"},
		{"a\x00\xff", "a⟨0x00⟩⟨0xFF⟩"},
		{"a b", "a b"},
	} {
		if got := diagnosis.Visible([]byte(tc.in)); got != tc.want {
			t.Errorf("Visible(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func ExampleDiagnose() {
	body := `{"status":"APPROVED"}`
	// The client signed with the secret's base64 text and sent the body with a newline.
	sig := signature.Sign([]byte(secretA), "1700000000", "/transactions/authorizations", []byte(body))
	d := diagnosis.Diagnose(diagnosis.Attempt{
		Pairs:  []diagnosis.Pair{{APIKey: keyA, Secret: secretA}},
		APIKey: keyA, Signature: sig, Timestamp: "1700000000",
		Endpoint: "/transactions/authorizations", Body: []byte(body + "\n"),
		Now: time.Unix(1_700_000_010, 0),
	})
	fmt.Println(d.Err)
	for _, c := range d.Causes {
		fmt.Println(c, "-", c.Explain())
	}
	// Output:
	// signature: signature does not match
	// SECRET_NOT_DECODED - The signer used the api-secret's base64 text as the HMAC key; the key is the base64-decoded bytes.
	// BODY_TRAILING_NEWLINE - The body was signed with a different trailing newline than it was sent with.
}
