package serve

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

// serveHTTP runs h on an HTTP API (payload format 2.0) request, so that
// Lambda and the local stack share one code path. A request that cannot be
// read is answered 400 BAD_EVENT.
func serveHTTP(ctx context.Context, h http.Handler, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	r, err := Request(ctx, ev)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{
			StatusCode: outcome.Status(outcome.BadEvent),
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       string(outcome.ErrorBody(outcome.BadEvent, "the request could not be read")),
		}
	}
	w := &recorder{header: make(http.Header), status: http.StatusOK}
	h.ServeHTTP(w, r)
	return w.response()
}

// Request builds the http.Request an HTTP API event describes. The path and
// query are kept exactly as the client sent them (rawPath, rawQueryString),
// since Pomelo signs them.
func Request(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("serve: body: %w", err)
		}
		body = b
	}
	u := &url.URL{Path: ev.RawPath, RawQuery: ev.RawQueryString}
	if p, err := url.PathUnescape(ev.RawPath); err == nil {
		u.Path, u.RawPath = p, ev.RawPath
	}
	if a := ev.RequestContext.Authorizer; a != nil && a.IAM != nil && a.IAM.UserARN != "" {
		ctx = httpapi.WithCaller(ctx, a.IAM.UserARN)
	}
	r, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("serve: request: %w", err)
	}
	r.RequestURI = u.RequestURI()
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	for k, v := range ev.Headers {
		// HTTP APIs join repeated headers with commas; keep them joined.
		r.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	if host := ev.RequestContext.DomainName; host != "" {
		r.Host = host
	}
	return r, nil
}

// recorder collects what the handler writes.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *recorder) response() events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: make(map[string]string, len(w.header))}
	for k, v := range w.header {
		res.Headers[k] = strings.Join(v, ",")
	}
	if b := w.body.Bytes(); utf8.Valid(b) {
		res.Body = string(b)
	} else {
		res.Body, res.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return res
}
