package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

// Proxy serves the console against a deployed stage (make console): the
// page itself, and the page's API calls forwarded to the stage signed with
// SigV4 for execute-api, so that the stage keeps IAM on every internal
// route and no credential ever reaches the browser.
type Proxy struct {
	// API is the stage's base URL,
	// https://<api-id>.execute-api.<region>.amazonaws.com.
	API *url.URL
	// Region is the stage's region, signed into every request.
	Region string
	// Write forwards the page's actions (POST); without it the proxy
	// answers them itself, refused.
	Write bool
	// Credentials sign each request: the AWS SDK's default chain.
	Credentials aws.CredentialsProvider
	// Client sends the signed requests (http.DefaultClient when nil).
	Client *http.Client
	Log    *slog.Logger
	Now    func() time.Time
}

// MaxForwardedBody bounds what the page sends the stage: its actions'
// bodies are a few bytes.
const MaxForwardedBody = 64 << 10

// forwarded are the routes the console calls, each a path and what lies
// under it: nothing else is signed, so the proxy lends the operator's
// credentials to the console's reads and actions, not to the whole API.
var forwarded = []string{"/webhooks/events", "/reconciliations", "/verifications", "/ledger/accounts"}

// RegionOf is the region of an API Gateway URL
// (<api-id>.execute-api.<region>.amazonaws.com), or "" for another host.
func RegionOf(api *url.URL) string {
	parts := strings.Split(api.Hostname(), ".")
	if len(parts) >= 5 && parts[1] == "execute-api" && parts[len(parts)-2] == "amazonaws" {
		return parts[2]
	}
	return ""
}

// Handler serves the page under /console/ and forwards the rest.
func (p *Proxy) Handler() http.Handler {
	mode := "read-only"
	if p.Write {
		mode = "read-write"
	}
	page := Handler(Stage{Name: "stage " + p.API.String() + " (" + p.Region + ", " + mode + ")", Write: p.Write})
	mux := http.NewServeMux()
	mux.Handle("/console/", page)
	mux.Handle("/console", page)
	mux.HandleFunc("/", p.forward)
	return mux
}

func (p *Proxy) forward(w http.ResponseWriter, r *http.Request) {
	if !isForwarded(r.URL.Path) {
		writeError(w, outcome.NoRoute, "the console's proxy forwards only the console's routes: "+strings.Join(forwarded, ", "))
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		if !p.Write {
			writeError(w, outcome.ReadOnly, "the console runs read-only: start it with `make console API=... WRITE=1` to retry events and re-run days")
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		writeError(w, outcome.MethodNotAllowed, "the console only reads (GET) and acts (POST)")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxForwardedBody+1))
	if err != nil {
		writeError(w, outcome.UnreadableBody, "the request's body could not be read")
		return
	}
	if len(body) > MaxForwardedBody {
		writeError(w, outcome.BodyTooLarge, fmt.Sprintf("the console's requests carry at most %d bytes", MaxForwardedBody))
		return
	}
	res, err := p.send(r.Context(), r.Method, r.URL, r.Header.Get("Content-Type"), body)
	if err != nil {
		p.Log.Error("console proxy", "method", r.Method, "path", r.URL.Path, "error", err.Error())
		writeError(w, outcome.StoreUnavailable, "the stage could not be reached: "+err.Error())
		return
	}
	defer res.Body.Close()
	// What the stage answers, without its own headers: only what the page
	// reads goes back.
	for _, h := range []string{"Content-Type", "Content-Disposition", "Allow"} {
		if v := res.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(res.StatusCode)
	io.Copy(w, res.Body)
	p.Log.Info("console proxy", "method", r.Method, "path", r.URL.Path, "status", res.StatusCode)
}

// send signs and sends one request to the stage.
func (p *Proxy) send(ctx context.Context, method string, in *url.URL, contentType string, body []byte) (*http.Response, error) {
	target := *p.API
	target.Path = strings.TrimSuffix(p.API.Path, "/") + in.Path
	target.RawPath = ""
	target.RawQuery = in.RawQuery
	req, err := http.NewRequestWithContext(ctx, method, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" && len(body) > 0 {
		req.Header.Set("Content-Type", contentType)
	}
	creds, err := p.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("console: AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", p.Region, p.Now()); err != nil {
		return nil, fmt.Errorf("console: sign: %w", err)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	return client.Do(req)
}

func isForwarded(path string) bool {
	if strings.Contains(path, "..") {
		return false
	}
	for _, base := range forwarded {
		if path == base || strings.HasPrefix(path, base+"/") {
			return true
		}
	}
	return false
}

func writeError(w http.ResponseWriter, code outcome.Code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(outcome.Status(code))
	w.Write(outcome.ErrorBody(code, message))
}

// ErrNotLoopback refuses an address the proxy would serve others on.
var ErrNotLoopback = errors.New("console: the proxy listens on a loopback address only (127.0.0.1, ::1, localhost)")

// Listen listens on addr, which must be a loopback address: the proxy
// signs with the operator's credentials whatever asks it.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("console: listen on %q: %w", addr, err)
	}
	if host == "localhost" {
		addr = net.JoinHostPort("127.0.0.1", addr[strings.LastIndex(addr, ":")+1:])
	} else if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%w: not %q", ErrNotLoopback, addr)
	}
	return net.Listen("tcp", addr)
}
