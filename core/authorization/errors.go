package authorization

import (
	"encoding/json"
	"errors"

	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// unsigned answers a request whose signature did not verify. It is not signed:
// signing answers to unauthenticated requests would hand out MACs over
// messages an attacker helps choose.
func unsigned(status int, code, message string) Response {
	return Response{Status: status, Body: errorBody(code, message), Outcome: Outcome{Result: "unauthorized", Error: code}}
}

func errorBody(code, message string) []byte {
	type detail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	b, _ := json.Marshal(struct {
		Error detail `json:"error"`
	}{detail{code, message}})
	return b
}

// signatureErrorCode names each verification failure in error bodies.
func signatureErrorCode(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{
		{signature.ErrMissingHeader, "SIGNATURE_HEADER_MISSING"},
		{signature.ErrUnknownKey, "UNKNOWN_API_KEY"},
		{signature.ErrMalformedHeader, "SIGNATURE_HEADER_MALFORMED"},
		{signature.ErrBadBase64, "SIGNATURE_NOT_BASE64"},
		{signature.ErrTooOld, "TIMESTAMP_TOO_OLD"},
		{signature.ErrTooNew, "TIMESTAMP_TOO_NEW"},
		{signature.ErrEndpointMismatch, "ENDPOINT_MISMATCH"},
		{signature.ErrNoMatch, "SIGNATURE_MISMATCH"},
	} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "SIGNATURE_INVALID"
}
