package capture_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/capture"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in     string
		method, path string
		body         string
		headers      map[string]string
	}{
		{"documentation curl", `curl --location --request POST 'localhost:9090/shipping/updates' \
--header 'x-api-key: h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE=' \
--header 'x-signature: hmac-sha256 kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A=' \
--header 'x-timestamp: 1637117179' \
--header 'Content-Type: application/json' \
--data-raw '{"shipment_id":"shi-1"}'`, "POST", "/shipping/updates", `{"shipment_id":"shi-1"}`,
			map[string]string{"x-api-key": "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE=", "x-timestamp": "1637117179", "content-type": "application/json"}},
		{"double quotes and escapes", `curl -X POST "http://h/p?a=1" -H "X-Endpoint: /p?a=1" -d "{\"a\":\"\$x\"}"`, "POST", "/p?a=1", `{"a":"$x"}`,
			map[string]string{"x-endpoint": "/p?a=1"}},
		{"ANSI-C string with a newline", `curl https://h/x --data-binary $'{"a":1}\n'`, "POST", "/x", "{\"a\":1}\n", map[string]string{}},
		{"several -d joined", `curl h/x -d a=1 -d b=2`, "POST", "/x", "a=1&b=2", map[string]string{}},
		{"quote inside single quotes", `curl h/x --data-raw '{"n":"O'\''Brien"}'`, "POST", "/x", `{"n":"O'Brien"}`, map[string]string{}},
		{"raw HTTP with CRLF", "POST /transactions/authorizations HTTP/1.1\r\nHost: h\r\nX-Timestamp: 1\r\nContent-Length: 7\r\n\r\n{\"a\":1}\n",
			"POST", "/transactions/authorizations", `{"a":1}`, map[string]string{"host": "h", "x-timestamp": "1", "content-length": "7"}},
		{"raw HTTP with LF, body kept exactly", "POST /x?y=1 HTTP/1.1\nA: b\n\n{\r\n}\n", "POST", "/x?y=1", "{\r\n}\n", map[string]string{"a": "b"}},
		{"raw HTTP without body", "GET http://h:1/ledger HTTP/1.1\nAccept: */*\n", "GET", "/ledger", "", map[string]string{"accept": "*/*"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := capture.Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != tc.method || r.Path != tc.path || string(r.Body) != tc.body {
				t.Errorf("got %s %s %q, want %s %s %q", r.Method, r.Path, r.Body, tc.method, tc.path, tc.body)
			}
			for k, v := range tc.headers {
				if r.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, r.Get(k), v)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"", "hello world", `curl 'unterminated`, `curl "unterminated`, `curl -H`, `curl -d x`,
		`curl h/x -d @body.json`, `curl h/x -H 'no colon'`, "POST /x HTTP/1.1\nbad header\n\n", "POST\n\n",
	} {
		if _, err := capture.Parse(in); !errors.Is(err, capture.ErrSyntax) {
			t.Errorf("Parse(%q) err = %v, want ErrSyntax", in, err)
		}
	}
}

func TestCurlRoundTrip(t *testing.T) {
	r := capture.Request{Method: "POST", Path: "/transactions/authorizations",
		Header: map[string]string{"x-signature": "hmac-sha256 abc=", "x-api-key": "k'ey"},
		Body:   []byte("{\"name\":\"O'Brien\",\n\t\"ñ\":\"\\u00f1\"}\n")}
	cmd := capture.Curl("http://127.0.0.1:8080", r)
	if !strings.HasPrefix(cmd, "curl -sS -i -X 'POST' 'http://127.0.0.1:8080/transactions/authorizations'") {
		t.Errorf("command starts %q", cmd[:60])
	}
	back, err := capture.Parse(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if back.Method != r.Method || back.Path != r.Path || string(back.Body) != string(r.Body) || !maps.Equal(back.Header, r.Header) {
		t.Errorf("round trip: %+v, want %+v", back, r)
	}
}

// FuzzParse checks that the parser never panics, and that a curl command
// written by Curl parses back to the request it was made from.
func FuzzParse(f *testing.F) {
	f.Add("curl -X POST 'h/x' -H 'a: b' --data-raw '{}'", "/x", "{}")
	f.Add("POST /x HTTP/1.1\r\nA: b\r\n\r\nbody", "/y?z", "é\x00'\"\\")
	f.Add(`curl $'\x41' "a\"b" \`+"\n"+`--url h/p`, "/", "")
	f.Fuzz(func(t *testing.T, text, path, body string) {
		capture.Parse(text)
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n\x00") {
			return
		}
		r := capture.Request{Method: "POST", Path: path, Header: map[string]string{"x-body": body}, Body: []byte(body)}
		if strings.ContainsAny(body, "\r\n") || strings.TrimSpace(body) != body {
			r.Header = map[string]string{} // header values cannot carry those
		}
		back, err := capture.Parse(capture.Curl("http://h", r))
		if err != nil {
			t.Fatalf("Curl output does not parse: %v", err)
		}
		if back.Path != r.Path || string(back.Body) != body || !maps.Equal(back.Header, r.Header) {
			t.Fatalf("round trip of %+v gave %+v", r, back)
		}
	})
}
