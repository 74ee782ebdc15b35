package runtimetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Call is one AWS call a function made: the IAM action it needs and the
// resource it acts on, as "table/<name>", "table/<name>/index/<index>",
// "bucket/<name>", "object/<bucket>/<key>", "secret/<id>" or
// "function/<name>".
type Call struct {
	Action   string
	Resource string
}

// calls is a set of calls, safe for concurrent use.
type calls struct {
	mu  sync.Mutex
	set []Call
}

func (c *calls) add(cs ...Call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range cs {
		if !slices.Contains(c.set, x) {
			c.set = append(c.set, x)
		}
	}
}

func (c *calls) list() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.set)
}

// Recorder is a reverse proxy in front of DynamoDB (Local) or an
// S3-compatible server that records the IAM action and resource of every
// call passing through, so that a test can hold what a function does
// against what its role grants. A function reaches it through
// AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL_S3 (path-style).
type Recorder struct {
	url       string
	srv       *http.Server
	calls     calls
	handshake handshake
}

// handshake delays the first request of each connection: what DNS, TCP
// and TLS cost a function reaching an AWS API from Lambda, which loopback
// does not.
type handshake struct {
	mu sync.Mutex
	d  time.Duration
}

func (h *handshake) set(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.d = d
}

// connKey marks a request's connection; its value is the connection's
// first-request flag.
type connKey struct{}

// connContext gives each connection a flag its first request clears.
func connContext(ctx context.Context, _ net.Conn) context.Context {
	first := true
	return context.WithValue(ctx, connKey{}, &first)
}

// wait delays req if it is its connection's first.
func (h *handshake) wait(req *http.Request) {
	first, _ := req.Context().Value(connKey{}).(*bool)
	if first == nil || !*first {
		return
	}
	*first = false
	h.mu.Lock()
	d := h.d
	h.mu.Unlock()
	time.Sleep(d)
}

// NewRecorder starts a recorder forwarding to target, on a loopback port.
func NewRecorder(target string) (*Recorder, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("runtimetest: recorder target: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtimetest: listen: %w", err)
	}
	r := &Recorder{url: "http://" + l.Addr().String()}
	// The Host header stays the recorder's: the function signed it.
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = pr.In.Host
	}}
	r.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, ConnContext: connContext, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.handshake.wait(req)
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if target := req.Header.Get("X-Amz-Target"); strings.HasPrefix(target, "DynamoDB_") {
			r.calls.add(dynamoCalls(strings.TrimPrefix(target[strings.IndexByte(target, '.')+1:], "."), body)...)
		} else {
			r.calls.add(s3Call(req))
		}
		proxy.ServeHTTP(w, req)
	})}
	go r.srv.Serve(l)
	return r, nil
}

// SetHandshake delays the first request of every new connection by d, as
// opening a TLS connection to an AWS API costs in Lambda.
func (r *Recorder) SetHandshake(d time.Duration) { r.handshake.set(d) }

// URL is the recorder's endpoint.
func (r *Recorder) URL() string { return r.url }

// Calls are the distinct calls recorded so far.
func (r *Recorder) Calls() []Call { return r.calls.list() }

// Close stops the recorder.
func (r *Recorder) Close() { r.srv.Close() }

// dynamoCalls are the actions and resources of a DynamoDB operation: a
// transaction or a batch needs each of its items' actions on each table.
func dynamoCalls(op string, body []byte) []Call {
	var in struct {
		TableName     string
		IndexName     string
		TransactItems []map[string]struct{ TableName string }
		RequestItems  map[string]json.RawMessage
	}
	json.Unmarshal(body, &in)
	switch op {
	case "TransactWriteItems":
		var out []Call
		for _, item := range in.TransactItems {
			for kind, x := range item {
				action := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}[kind]
				out = append(out, Call{"dynamodb:" + action, "table/" + x.TableName})
			}
		}
		return out
	case "BatchGetItem", "BatchWriteItem":
		var out []Call
		for table := range in.RequestItems {
			out = append(out, Call{"dynamodb:" + op, "table/" + table})
		}
		return out
	}
	resource := "table/" + in.TableName
	if in.IndexName != "" {
		resource += "/index/" + in.IndexName
	}
	return []Call{{"dynamodb:" + op, resource}}
}

// s3Call is the action and resource of a path-style S3 request. HeadObject
// needs s3:GetObject, HeadBucket and listings s3:ListBucket.
func s3Call(req *http.Request) Call {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	if key == "" {
		return Call{"s3:ListBucket", "bucket/" + bucket}
	}
	action := "s3:GetObject"
	switch req.Method {
	case http.MethodPut, http.MethodPost:
		action = "s3:PutObject"
	case http.MethodDelete:
		action = "s3:DeleteObject"
	}
	return Call{action, "object/" + bucket + "/" + key}
}
