package belvo

import (
	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// messages are the messages of 003's table of errors when creating a link,
// folded (text.Fold).
var messages = map[string]outcome.Code{
	"el nss capturado no coincide con la curp":                                                     outcome.NSSCURPMismatch,
	"el nss no fue localizado en el imss":                                                          outcome.NSSNotFound,
	"el curp proporcionado no fue localizado en la entidad externa renapo":                         outcome.CURPNotFound,
	"curp es incorrecto":                                                                           outcome.CURPIncorrect,
	"por favor, ingresa un curp valido. debe contener 18 caracteres":                               outcome.CURPIncorrect,
	"la persona no cuenta con nss":                                                                 outcome.NoNSS,
	"es necesario que acudas a la subdelegacion mas cercana a tu domicilio a presentar tu tramite": outcome.IMSSVisitRequired,
	"el correo ya esta registrado con otro curp":                                                   outcome.EmailInUse,
	"has agotado el numero de solicitudes permitidas por dia":                                      outcome.IMSSDailyLimit,
}

// inconsistent begins 003's message for IMSS records that do not agree
// with the CURP, which goes on with advice that may be worded otherwise.
const inconsistent = "los datos registrados en el imss asociados a la curp, presentan alguna inconsistencia"

// codes are Belvo's error codes whose message does not decide: its
// institution and session errors.
var codes = map[string]outcome.Code{
	"forbidden_by_host":       outcome.IMSSDailyLimit, // 003: the CURP was used more than three times in 24 hours
	"institution_down":        outcome.ProviderDown,
	"institution_unavailable": outcome.ProviderDown,
	"institution_inactive":    outcome.ProviderDown,
	"too_many_sessions":       outcome.ProviderRateLimit,
	"session_expired":         outcome.ProviderError,
	"unexpected_error":        outcome.ProviderError,
	"service_unavailable":     outcome.ProviderDown,
}

// Classify reads an error Belvo answered with, by its message (every row
// of 003's table), else its code, else its HTTP status. An error Belvo has
// not documented is a PROVIDER_ERROR, so that another provider is tried
// rather than the person blamed. The problem keeps Belvo's message.
func Classify(status int, code, message string) employment.Problem {
	folded := text.Fold(message)
	c, ok := messages[folded]
	switch {
	case ok:
	case len(folded) >= len(inconsistent) && folded[:len(inconsistent)] == inconsistent:
		c = outcome.IMSSDataMismatch
	default:
		if c, ok = codes[code]; !ok {
			c = statusCode(status)
		}
	}
	return employment.ProblemOf(c, message)
}

func statusCode(status int) outcome.Code {
	switch {
	case status == 401 || status == 403:
		return outcome.ProviderAuth
	case status == 429:
		return outcome.ProviderRateLimit
	case status == 408 || status == 504:
		return outcome.ProviderTimeout
	case status >= 500:
		return outcome.ProviderDown
	case status == 400 || status == 404 || status == 405 || status == 422:
		return outcome.ProviderRejected
	}
	return outcome.ProviderError
}

// DecodeError reads Belvo's error body: a list of {"code","message",
// "request_id"}, of which the first is read, or one such object. A body of
// another shape gives empty strings.
func DecodeError(body []byte) (code, message string) {
	v := gjson.ParseBytes(body)
	if v.IsArray() {
		v = v.Get("0")
	}
	return v.Get("code").String(), v.Get("message").String()
}
