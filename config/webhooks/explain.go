package webhooks

import (
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/signature/diagnosis"
)

// explained is Pomelo's scheme with the signature debugger's diagnosis of
// what it refuses (inbound.Explainer), for POST /webhooks/events/{id}/check:
// the usual mistakes that reproduce a delivery's signature, a configured key
// other than x-api-key's among them. Only this function links the
// diagnosis: the authorize function verifies with pomelo.Scheme's verifier
// alone.
type explained struct {
	pomelo.Scheme
	pairs []diagnosis.Pair
}

func (s explained) Explain(d inbound.Delivery, now time.Time) []inbound.Explanation {
	dg := diagnosis.Diagnose(diagnosis.Attempt{
		Pairs: s.pairs, APIKey: d.Header.Get(signature.HeaderAPIKey), Signature: d.Header.Get(signature.HeaderSignature),
		Timestamp: d.Header.Get(signature.HeaderTimestamp), Endpoint: d.Header.Get(signature.HeaderEndpoint), Body: d.Body,
		Called: d.Called, BasePath: s.Verifier.BasePath, Now: now, Tolerance: s.Verifier.Tolerance,
	})
	var out []inbound.Explanation
	for _, f := range dg.Findings() {
		out = append(out, inbound.Explanation{Part: f.Part, Message: f.Message})
	}
	return out
}
