package employment

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

// Problem is a verification's error in the one taxonomy: the canonical
// code, its message, whether it may pass, whose fault it is, and the
// provider's own words.
type Problem struct {
	Code            outcome.Code
	Message         string
	Retryable       bool
	About           outcome.About
	ProviderMessage string
}

// maxProviderMessage bounds the provider's words kept with a problem.
const maxProviderMessage = 500

// ProblemOf returns the problem of a taxonomy code (outcome.Faults), with
// the provider's words cut to a bounded length. A code outside the
// taxonomy is our bug: it becomes a retryable PROVIDER_ERROR.
func ProblemOf(code outcome.Code, providerMessage string) Problem {
	f, ok := outcome.FaultOf(code)
	if !ok {
		code = outcome.ProviderError
		f, _ = outcome.FaultOf(code)
	}
	return Problem{Code: code, Message: f.Message, Retryable: f.Retryable, About: f.About, ProviderMessage: cut(providerMessage)}
}

func cut(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxProviderMessage {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	s = s[:maxProviderMessage]
	for !utf8.ValidString(s) && len(s) > maxProviderMessage-utf8.UTFMax {
		s = s[:len(s)-1]
	}
	return strings.ToValidUTF8(s, "\uFFFD") + "…"
}

// Error implements error, so that a provider client can return a problem.
func (p Problem) Error() string {
	if p.ProviderMessage == "" {
		return string(p.Code) + ": " + p.Message
	}
	return string(p.Code) + ": " + p.Message + " (" + p.ProviderMessage + ")"
}

// MarshalJSON writes {"code","message","retryable","about","provider_message"}.
func (p Problem) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code            outcome.Code  `json:"code"`
		Message         string        `json:"message"`
		Retryable       bool          `json:"retryable"`
		About           outcome.About `json:"about"`
		ProviderMessage *string       `json:"provider_message"`
	}{p.Code, p.Message, p.Retryable, p.About, orNull(p.ProviderMessage)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *Problem) UnmarshalJSON(b []byte) error {
	var in struct {
		Code            outcome.Code  `json:"code"`
		Message         string        `json:"message"`
		Retryable       bool          `json:"retryable"`
		About           outcome.About `json:"about"`
		ProviderMessage *string       `json:"provider_message"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*p = Problem{Code: in.Code, Message: in.Message, Retryable: in.Retryable, About: in.About}
	if in.ProviderMessage != nil {
		p.ProviderMessage = *in.ProviderMessage
	}
	return nil
}
