package authorization

import "encoding/json"

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
