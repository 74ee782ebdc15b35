// Package runtimetest is Lambda's Runtime API for tests: it starts a
// function's bootstrap as Lambda starts it (a clean environment with
// AWS_LAMBDA_RUNTIME_API pointing at itself), hands it one event at a time
// with the Lambda-Runtime-* headers and a deadline, and collects what the
// process answers, its init error, its asynchronous invocations of itself
// (Lambda's Invoke API, reached through AWS_ENDPOINT_URL_LAMBDA) and its
// log. It also answers Secrets Manager's GetSecretValue from the secrets put
// (reached through AWS_ENDPOINT_URL_SECRETS_MANAGER), so that a function
// reads its secrets as it does in AWS. Amazon's Runtime Interface Emulator
// does the first part in a container; this one needs nothing but the binary.
//
// It follows https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html:
// GET /2018-06-01/runtime/invocation/next, POST
// /2018-06-01/runtime/invocation/{id}/response and .../{id}/error, POST
// /2018-06-01/runtime/init/error. A call out of turn (an answer for an
// invocation not in flight, a second answer, an init error after the first
// next) is refused as Lambda refuses it and kept as a violation.
package runtimetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxPayload is the largest response Lambda takes from a function invoked
// synchronously (6 MB); a larger one is refused with 413.
const MaxPayload = 6 << 20

// Result is how one invocation ended.
type Result struct {
	// Payload is the response, when the function answered.
	Payload []byte
	// Error is the function's error, when it reported one.
	Error *Error
	// Took is from the event handed over (the answer to next) to the
	// function's answer.
	Took time.Duration
	// Answered is when the answer arrived.
	Answered time.Time
}

// Error is an error a function reported, at init or for an invocation.
type Error struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
	// Header is the Lambda-Runtime-Function-Error-Type header it came with.
	Header string `json:"-"`
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// ErrExited reports a process that ended before it answered.
var ErrExited = errors.New("runtimetest: the function's process exited")

// Runtime is the Runtime API of one function process.
type Runtime struct {
	// FunctionName is AWS_LAMBDA_FUNCTION_NAME and part of the ARN.
	FunctionName string
	// Timeout is how long each invocation has: its deadline, given in
	// Lambda-Runtime-Deadline-Ms.
	Timeout time.Duration

	addr    string
	srv     *http.Server
	pending chan *invocation
	exited  chan struct{}
	initErr chan *Error

	calls      calls // the AWS calls this runtime served: secrets, invocations
	handshake  handshake
	mu         sync.Mutex
	ready      time.Time // the first next: init is done
	secrets    map[string]string
	inflight   *invocation
	nexts      int
	async      []Result
	violations []string
	log        bytes.Buffer
	cmd        *exec.Cmd
	started    time.Time
	exitErr    error
}

// invocation is one event on its way through the function.
type invocation struct {
	id      string
	event   []byte
	handed  time.Time
	result  chan Result // nil for an asynchronous invocation
	settled bool
}

// New starts a Runtime API on a loopback port for a function of that name.
// Close stops it and the process.
func New(functionName string) (*Runtime, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtimetest: listen: %w", err)
	}
	r := &Runtime{
		FunctionName: functionName, Timeout: 30 * time.Second, addr: l.Addr().String(),
		pending: make(chan *invocation, 64), exited: make(chan struct{}), initErr: make(chan *Error, 1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", r.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", r.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", r.failure)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", r.initError)
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", r.invokeAPI)
	mux.HandleFunc("POST /{$}", r.secretsManager)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ConnContext: connContext}
	go r.srv.Serve(l)
	return r, nil
}

// SetHandshake delays the first request of every new connection to
// Secrets Manager by d, as opening a TLS connection to it costs in Lambda.
func (r *Runtime) SetHandshake(d time.Duration) { r.handshake.set(d) }

// PutSecret makes value the string of the Secrets Manager secret id (an
// ARN or a name), for the function's GetSecretValue.
func (r *Runtime) PutSecret(id, value string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets == nil {
		r.secrets = make(map[string]string)
	}
	r.secrets[id] = value
}

// Addr is AWS_LAMBDA_RUNTIME_API: the host and port of this API.
func (r *Runtime) Addr() string { return r.addr }

// Endpoint is the URL of Lambda's Invoke API this runtime also serves, for
// AWS_ENDPOINT_URL_LAMBDA: a function's invocation of itself comes back
// to this process as a new event.
func (r *Runtime) Endpoint() string { return "http://" + r.addr }

// ARN is the function's ARN, as Lambda-Runtime-Invoked-Function-Arn gives it.
func (r *Runtime) ARN() string {
	return "arn:aws:lambda:us-east-1:000000000000:function:" + r.FunctionName
}

// Start runs the bootstrap at bin as Lambda does: in a clean environment
// holding Lambda's own variables and env ("NAME=value"), its standard
// output and error kept as its log.
func (r *Runtime) Start(bin string, env ...string) error {
	cmd := exec.Command(bin)
	cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + r.addr,
		"AWS_LAMBDA_FUNCTION_NAME=" + r.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + r.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME=runtimetest",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"_HANDLER=bootstrap", "TZ=:UTC",
	}, env...)
	w := &lockedWriter{mu: &r.mu, buf: &r.log}
	cmd.Stdout, cmd.Stderr = w, w
	r.mu.Lock()
	r.cmd, r.started = cmd, time.Now()
	r.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("runtimetest: start %s: %w", bin, err)
	}
	go func() {
		err := cmd.Wait()
		r.mu.Lock()
		r.exitErr = err
		r.mu.Unlock()
		close(r.exited)
	}()
	return nil
}

// Started is when the process was started.
func (r *Runtime) Started() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.started
}

// Ready is when the process first asked for an event (its init done), zero
// before.
func (r *Runtime) Ready() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ready
}

// Invoke hands event to the function as a synchronous invocation and waits
// for its answer. It fails if the process exits first, or ctx ends.
func (r *Runtime) Invoke(ctx context.Context, event []byte) (Result, error) {
	inv := &invocation{id: newID(), event: event, result: make(chan Result, 1)}
	select {
	case r.pending <- inv:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case res := <-inv.result:
		return res, nil
	case <-r.exited:
		return Result{}, fmt.Errorf("%w: %v", ErrExited, r.exitError())
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// InitError waits for the process to report an init error and exit.
func (r *Runtime) InitError(ctx context.Context) (*Error, error) {
	select {
	case e := <-r.initErr:
		select {
		case <-r.exited:
		case <-ctx.Done():
			return e, fmt.Errorf("runtimetest: the process did not exit after its init error: %w", ctx.Err())
		}
		return e, nil
	case <-r.exited:
		select {
		case e := <-r.initErr:
			return e, nil
		default:
		}
		return nil, fmt.Errorf("%w without an init error: %v", ErrExited, r.exitError())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Asynchronous is how the invocations the function made of itself (with
// InvocationType Event) ended, in order; one still running is not listed.
func (r *Runtime) Asynchronous() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Result(nil), r.async...)
}

// Calls are the AWS calls this runtime served the function (Secrets
// Manager's and Lambda's); a Recorder records DynamoDB's and S3's.
func (r *Runtime) Calls() []Call { return r.calls.list() }

// Violations are the calls the process made out of turn.
func (r *Runtime) Violations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.violations...)
}

// Log is what the process wrote on its standard output and error.
func (r *Runtime) Log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.String()
}

// Close ends the process and the API.
func (r *Runtime) Close() {
	r.mu.Lock()
	cmd := r.cmd
	r.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		cmd.Process.Kill()
		<-r.exited
	}
	r.srv.Close()
}

func (r *Runtime) exitError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exitErr
}

// next hands the process the next event, waiting for one as long as it
// takes (Lambda freezes the process meanwhile).
func (r *Runtime) next(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.nexts++
	if r.ready.IsZero() {
		r.ready = time.Now()
	}
	if r.inflight != nil && !r.inflight.settled {
		r.violations = append(r.violations, "next called while invocation "+r.inflight.id+" was unanswered")
	}
	r.mu.Unlock()
	var inv *invocation
	select {
	case inv = <-r.pending:
	case <-req.Context().Done():
		return
	}
	r.mu.Lock()
	inv.handed = time.Now()
	r.inflight = inv
	r.mu.Unlock()
	deadline := inv.handed.Add(r.Timeout)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", r.ARN())
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(inv.handed.Unix(), 16)+"-"+strings.ReplaceAll(inv.id, "-", "")[:24]+";Parent="+strings.ReplaceAll(inv.id, "-", "")[16:]+";Sampled=0")
	w.WriteHeader(http.StatusOK)
	w.Write(inv.event)
}

func (r *Runtime) response(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxPayload+1))
	if err != nil {
		r.refuse(w, http.StatusBadRequest, "InvalidRequest", "the response could not be read: "+err.Error())
		return
	}
	if len(body) > MaxPayload {
		r.refuse(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "the response is larger than 6 MB")
		return
	}
	r.settle(w, req.PathValue("id"), Result{Payload: body})
}

func (r *Runtime) failure(w http.ResponseWriter, req *http.Request) {
	e, ok := r.readError(w, req)
	if ok {
		r.settle(w, req.PathValue("id"), Result{Error: e})
	}
}

// settle records the answer to invocation id, which must be the one in
// flight and not yet answered.
func (r *Runtime) settle(w http.ResponseWriter, id string, res Result) {
	r.mu.Lock()
	inv := r.inflight
	if inv == nil || inv.id != id || inv.settled {
		r.mu.Unlock()
		r.refuse(w, http.StatusBadRequest, "InvalidRequestID", "no invocation "+id+" awaits an answer")
		return
	}
	inv.settled = true
	res.Answered = time.Now()
	res.Took = res.Answered.Sub(inv.handed)
	if inv.result == nil {
		r.async = append(r.async, res)
	}
	r.mu.Unlock()
	if inv.result != nil {
		inv.result <- res
	}
	accepted(w)
}

func (r *Runtime) initError(w http.ResponseWriter, req *http.Request) {
	e, ok := r.readError(w, req)
	if !ok {
		return
	}
	r.mu.Lock()
	late := r.nexts > 0
	r.mu.Unlock()
	if late {
		r.refuse(w, http.StatusForbidden, "InvalidStateTransition", "an init error after the first next")
		return
	}
	select {
	case r.initErr <- e:
	default:
		r.refuse(w, http.StatusForbidden, "InvalidStateTransition", "a second init error")
		return
	}
	accepted(w)
}

// readError reads an error body {"errorMessage","errorType"}.
func (r *Runtime) readError(w http.ResponseWriter, req *http.Request) (*Error, bool) {
	var e Error
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxPayload+1))
	if err == nil {
		err = json.Unmarshal(body, &e)
	}
	if err != nil {
		r.refuse(w, http.StatusBadRequest, "InvalidRequest", "the error body is not {\"errorMessage\",\"errorType\"}: "+err.Error())
		return nil, false
	}
	e.Header = req.Header.Get("Lambda-Runtime-Function-Error-Type")
	return &e, true
}

// invokeAPI is Lambda's Invoke API for the function itself: an asynchronous
// invocation (X-Amz-Invocation-Type: Event) is queued as the process's
// next event and answered 202, as Lambda answers it.
func (r *Runtime) invokeAPI(w http.ResponseWriter, req *http.Request) {
	name := req.PathValue("name")
	r.calls.add(Call{"lambda:InvokeFunction", "function/" + name})
	if name != r.FunctionName && name != r.ARN() {
		r.refuse(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	if t := req.Header.Get("X-Amz-Invocation-Type"); t != "Event" {
		r.refuse(w, http.StatusBadRequest, "InvalidParameterValueException", "runtimetest serves asynchronous invocations only, not "+strconv.Quote(t))
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		r.refuse(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	select {
	case r.pending <- &invocation{id: newID(), event: body}:
	default:
		r.refuse(w, http.StatusTooManyRequests, "TooManyRequestsException", "too many queued invocations")
		return
	}
	w.Header().Set("X-Amzn-Requestid", newID())
	w.WriteHeader(http.StatusAccepted)
}

// secretsManager answers GetSecretValue (AWS JSON 1.1) from the secrets
// put.
func (r *Runtime) secretsManager(w http.ResponseWriter, req *http.Request) {
	fail := func(status int, errType, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Errortype", errType)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": errType, "message": msg})
	}
	if t := req.Header.Get("X-Amz-Target"); t != "secretsmanager.GetSecretValue" {
		fail(http.StatusBadRequest, "UnknownOperationException", "runtimetest serves secretsmanager.GetSecretValue only, not "+strconv.Quote(t))
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<16)).Decode(&in); err != nil {
		fail(http.StatusBadRequest, "InvalidRequestException", err.Error())
		return
	}
	r.handshake.wait(req)
	r.calls.add(Call{"secretsmanager:GetSecretValue", "secret/" + in.SecretId})
	r.mu.Lock()
	v, ok := r.secrets[in.SecretId]
	r.mu.Unlock()
	if !ok {
		fail(http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(map[string]any{
		"ARN": in.SecretId, "Name": in.SecretId, "SecretString": v, "VersionId": "v1",
		"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9,
	})
}

// refuse answers a call out of turn as Lambda does, and keeps it.
func (r *Runtime) refuse(w http.ResponseWriter, status int, errType, msg string) {
	r.mu.Lock()
	r.violations = append(r.violations, errType+": "+msg)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"errorMessage": msg, "errorType": errType})
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

// newID is a request id in Lambda's form (a UUID's 36 characters).
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return strings.Join([]string{h[:8], h[8:12], h[12:16], h[16:20], h[20:]}, "-")
}

// lockedWriter appends the process's output under the runtime's lock.
type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
