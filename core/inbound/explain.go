package inbound

import "time"

// Explanation is what a scheme says of a delivery it refuses: the part of
// the delivery a usual mistake is about, and the mistake.
type Explanation struct {
	Part, Message string
}

// Explainer is a scheme that can explain its refusals beyond their code:
// the signature debugger's diagnosis, run where the delivery is kept.
type Explainer interface {
	Explain(d Delivery, now time.Time) []Explanation
}
