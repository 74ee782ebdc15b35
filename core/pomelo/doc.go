// Package pomelo models the bodies Pomelo sends to the fintech's
// authorization and adjustment endpoints and the answers it expects back,
// decoding amounts exactly.
package pomelo
