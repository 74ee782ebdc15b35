package inbound

import (
	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

// Answer is a status and body sent back to a provider.
type Answer struct {
	Status int
	Body   []byte
}

// Replies are the answers a provider expects: its acknowledgement, and the
// shape its refusals take.
type Replies interface {
	Acknowledged() Answer
	Refused(code outcome.Code, message string) Answer
}

// Acknowledge replies with Answer to every delivery kept, and refuses in
// our error shape {"error":{"code","message"}}: what Pomelo, Belvo and
// Palenca are answered.
type Acknowledge Answer

// Acknowledged implements Replies.
func (a Acknowledge) Acknowledged() Answer { return Answer(a) }

// Refused implements Replies.
func (Acknowledge) Refused(code outcome.Code, message string) Answer {
	return Answer{Status: outcome.Status(code), Body: outcome.ErrorBody(code, message)}
}

// The acknowledgements providers share.
var (
	NoContent = Acknowledge{Status: 204}
	Received  = Acknowledge{Status: 200, Body: []byte(`{"received":true}`)}
)
