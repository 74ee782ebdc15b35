//go:build js && wasm

package main

import (
	"encoding/base64"
	"syscall/js"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/capture"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/signature/diagnosis"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// str reads a string property, "" when absent.
func str(v js.Value, name string) string {
	p := v.Get(name)
	if p.Type() != js.TypeString {
		return ""
	}
	return p.String()
}

func num(v js.Value, name string) float64 {
	p := v.Get(name)
	if p.Type() != js.TypeNumber {
		return 0
	}
	return p.Float()
}

// diagnose takes {pairs: [{apiKey, secret}], apiKey, signature, timestamp,
// endpoint, called, basePath, body, now (unix seconds), tolerance (seconds)}
// and returns {valid, code, error, message, visible, expected, given,
// causes: [{code, explanation}], reproduced}.
func diagnose(in js.Value) any {
	if in.Type() != js.TypeObject {
		return map[string]any{"error": "diagnose needs an object"}
	}
	var pairs []diagnosis.Pair
	if p := in.Get("pairs"); p.Type() == js.TypeObject {
		for i := range p.Length() {
			pairs = append(pairs, diagnosis.Pair{APIKey: str(p.Index(i), "apiKey"), Secret: str(p.Index(i), "secret")})
		}
	}
	now := time.Now()
	if n := num(in, "now"); n > 0 {
		now = time.Unix(int64(n), 0)
	}
	d := diagnosis.Diagnose(diagnosis.Attempt{
		Pairs:     pairs,
		APIKey:    str(in, "apiKey"),
		Signature: str(in, "signature"),
		Timestamp: str(in, "timestamp"),
		Endpoint:  str(in, "endpoint"),
		Body:      []byte(str(in, "body")),
		Called:    str(in, "called"),
		BasePath:  str(in, "basePath"),
		Now:       now,
		Tolerance: time.Duration(num(in, "tolerance") * float64(time.Second)),
	})
	causes := make([]any, len(d.Causes))
	for i, c := range d.Causes {
		causes[i] = map[string]any{"code": string(c), "explanation": c.Explain()}
	}
	out := map[string]any{
		"valid":      d.Err == nil,
		"code":       signature.Code(d.Err),
		"error":      "",
		"message":    string(d.Message),
		"visible":    diagnosis.Visible(d.Message),
		"expected":   d.Expected,
		"given":      str(in, "signature"),
		"causes":     causes,
		"reproduced": d.Reproduced,
	}
	if d.Err != nil {
		out["error"] = d.Err.Error()
	}
	return out
}

// sign takes {secret, apiKey, timestamp, endpoint, body, baseURL,
// idempotencyKey, method} and returns {signature, message, visible, curl}
// or {error}.
func sign(in js.Value) any {
	secret, err := base64.StdEncoding.DecodeString(str(in, "secret"))
	if err != nil || len(secret) == 0 {
		return map[string]any{"error": "the api-secret is not base64"}
	}
	ts, endpoint, body := str(in, "timestamp"), str(in, "endpoint"), str(in, "body")
	sig := signature.Sign(secret, ts, endpoint, []byte(body))
	method := str(in, "method")
	if method == "" {
		method = "POST"
	}
	h := map[string]string{
		"content-type": "application/json",
		"x-api-key":    str(in, "apiKey"),
		"x-signature":  sig,
		"x-timestamp":  ts,
		"x-endpoint":   endpoint,
	}
	if k := str(in, "idempotencyKey"); k != "" {
		h["x-idempotency-key"] = k
	}
	msg := []byte(ts + endpoint + body)
	return map[string]any{
		"signature": sig,
		"message":   string(msg),
		"visible":   diagnosis.Visible(msg),
		"curl":      capture.Curl(str(in, "baseURL"), capture.Request{Method: method, Path: endpoint, Header: h, Body: []byte(body)}),
	}
}

// parse takes the pasted text and returns {method, path, headers, body} or
// {error}.
func parse(in js.Value) any {
	if in.Type() != js.TypeString {
		return map[string]any{"error": "parse needs a string"}
	}
	r, err := capture.Parse(in.String())
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	headers := make(map[string]any, len(r.Header))
	for k, v := range r.Header {
		headers[k] = v
	}
	return map[string]any{"method": r.Method, "path": r.Path, "headers": headers, "body": string(r.Body)}
}

// verifyTD takes {partnerCode, timestamp, accessKey, accessSecret, sign} and
// returns {valid, encoding, error, message, expectedHex, expectedBase64}.
func verifyTD(in js.Value) any {
	pc, ts, ak, as := str(in, "partnerCode"), str(in, "timestamp"), str(in, "accessKey"), str(in, "accessSecret")
	hexSign, b64Sign := signature.TDSigns(pc, ts, ak, as)
	enc, err := signature.VerifyTD(str(in, "sign"), pc, ts, ak, as)
	out := map[string]any{
		"valid":          err == nil,
		"encoding":       string(enc),
		"error":          "",
		"message":        pc + ts + ak,
		"visible":        diagnosis.Visible([]byte(pc + ts + ak)),
		"expectedHex":    hexSign,
		"expectedBase64": b64Sign,
	}
	if err != nil {
		out["error"] = err.Error()
	}
	return out
}

// verifyPalenca takes {secret, signature, body} and returns {valid, code,
// error, expected, visible}.
func verifyPalenca(in js.Value) any {
	secret, body := str(in, "secret"), []byte(str(in, "body"))
	err := signature.VerifyPalenca(str(in, "signature"), secret, body)
	out := map[string]any{
		"valid":    err == nil,
		"code":     signature.Code(err),
		"error":    "",
		"expected": string(text.AppendHex(nil, signature.PalencaSum(secret, body))),
		"visible":  diagnosis.Visible(body),
	}
	if err != nil {
		out["error"] = err.Error()
	}
	return out
}

// verifyBelvo takes {registered, given} and returns {valid}: whether the
// Authorization value Belvo sent is the one registered with its webhook.
func verifyBelvo(in js.Value) any {
	return map[string]any{"valid": signature.SecretEqual(str(in, "given"), str(in, "registered"))}
}
