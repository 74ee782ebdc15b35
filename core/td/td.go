// Package td reads TD's Mexico Income Verification as it reaches us: the
// income push (its payload, decoder and name) and how a push is
// authenticated (HmacSHA1 over its query) and answered.
package td

import (
	"strconv"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Provider is TD's name in events.
const Provider = "td"

// Replies answers TD as its document asks: {"code":200,"message":""} for a
// push kept, and its own shape with the status in code for a refusal.
type Replies struct{}

var acknowledged = []byte(`{"code":200,"message":""}`)

// Acknowledged implements inbound.Replies.
func (Replies) Acknowledged() inbound.Answer {
	return inbound.Answer{Status: 200, Body: acknowledged}
}

// Refused implements inbound.Replies.
func (Replies) Refused(code outcome.Code, message string) inbound.Answer {
	status := outcome.Status(code)
	b := append([]byte(`{"code":`), strconv.Itoa(status)...)
	b = append(b, `,"message":`...)
	b = text.AppendJSONString(b, message)
	return inbound.Answer{Status: status, Body: append(b, '}')}
}

// The result types this project processes; others are kept UNHANDLED.
const (
	ResultOK    = "OK"
	ResultError = "ERROR"
)

// Name reads what a push is kept under: its result as the type, and
// sequence_id and result as the key, since TD sends one push per result of
// a request.
func Name(body []byte) (inbound.Name, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return inbound.Name{}, err
	}
	seq, result := f.ID("sequence_id"), f.Required("result")
	if err := f.Err(); err != nil {
		return inbound.Name{}, err
	}
	n := inbound.NameOf(result, result == ResultOK || result == ResultError, seq, result)
	n.Subjects = append([]string{inbound.Subject(Provider, seq)}, inbound.PersonSubjects(body)...)
	return n, nil
}
