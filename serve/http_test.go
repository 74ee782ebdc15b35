package serve_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tarjeta-dev/tarjeta/serve"
)

func load(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestRequest(t *testing.T) {
	for _, tc := range []struct {
		file, method, path, uri, body string
		headers                       map[string]string
	}{
		{"authorization-base64.json", "POST", "/transactions/authorizations", "/transactions/authorizations", `{"status":"APPROVED"}`,
			map[string]string{"X-Signature": "hmac-sha256 0QIfryWi6Dq+EPnuYhh3idXrpt3iqBVVCzqn6+lDl3Y=", "X-Idempotency-Key": "0b8f6b4e-7d0c-4a59-bf0a-9f3f3d1f2b11"}},
		{"ledger-query.json", "GET", "/ledger/accounts/u/1", "/ledger/accounts/u%2F1?limit=2&cursor=abc", "",
			map[string]string{"Cookie": "a=1; b=2", "X-Multi": "one,two"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r, err := serve.Request(context.Background(), load(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(r.Body)
			if r.Method != tc.method || r.URL.Path != tc.path || r.RequestURI != tc.uri || string(body) != tc.body {
				t.Errorf("got %s %s (%s) %q, want %s %s (%s) %q", r.Method, r.URL.Path, r.RequestURI, body, tc.method, tc.path, tc.uri, tc.body)
			}
			for k, v := range tc.headers {
				if got := r.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestHandler(t *testing.T) {
	h := httpOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Signature", "sig")
		w.Header().Add("Vary", "a")
		w.Header().Add("Vary", "b")
		if r.URL.Path == "/binary" {
			w.Write([]byte{0xff, 0xfe})
			return
		}
		w.WriteHeader(http.StatusTooEarly)
		w.Write([]byte(`{"status":"REJECTED"}`))
	}))
	res, err := h(load(t, "authorization-base64.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 425 || res.Body != `{"status":"REJECTED"}` || res.IsBase64Encoded || res.Headers["X-Signature"] != "sig" || res.Headers["Vary"] != "a,b" {
		t.Errorf("response = %+v", res)
	}
	ev := load(t, "ledger-query.json")
	ev.RawPath = "/binary"
	res, _ = h(ev)
	if res.StatusCode != 200 || !res.IsBase64Encoded || res.Body != "//4=" {
		t.Errorf("binary response = %+v", res)
	}
	ev.IsBase64Encoded, ev.Body = true, "%%%"
	if res, _ := h(ev); res.StatusCode != 400 {
		t.Errorf("undecodable body: status %d, want 400", res.StatusCode)
	}
}

// httpOnly runs h as the Lambda of a function that serves only HTTP.
func httpOnly(h http.Handler) func(events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	handle := serve.Lambda(serve.Function{HTTP: h}, slog.New(slog.DiscardHandler))
	return func(ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		raw, err := json.Marshal(ev)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		out, err := handle(context.Background(), raw)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return out.(events.APIGatewayV2HTTPResponse), nil
	}
}

// FuzzRequest feeds arbitrary events (as Lambda would deliver them) to the
// adapter: it must never panic, and what it accepts keeps the body intact.
func FuzzRequest(f *testing.F) {
	for _, name := range []string{"authorization-base64.json", "ledger-query.json"} {
		b, _ := os.ReadFile("testdata/" + name)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ev events.APIGatewayV2HTTPRequest
		if json.Unmarshal(raw, &ev) != nil {
			return
		}
		r, err := serve.Request(context.Background(), ev)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(r.Body)
		if !ev.IsBase64Encoded && string(body) != ev.Body {
			t.Fatalf("body %q became %q", ev.Body, body)
		}
	})
}
