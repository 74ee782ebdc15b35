package palenca

import (
	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
)

// details are Palenca's reasons for a failed IMSS or ISSSTE login: the
// status_details of a login.error webhook and the error codes of its API
// (its Errors and Warnings reference), which share one namespace.
var details = map[string]outcome.Code{
	"not_registered":           outcome.NoNSS, // the CURP has no IMSS registration
	"curp_not_in_platform":     outcome.CURPNotFound,
	"invalid_curp":             outcome.CURPIncorrect,
	"curp_has_inconsistencies": outcome.IMSSDataMismatch,
	"invalid_credentials":      outcome.CURPIncorrect,  // for IMSS and ISSSTE the credential is the CURP
	"too_many_requests":        outcome.IMSSDailyLimit, // Palenca: mostly IMSS's daily limit; retry the next day
	"platform_unavailable":     outcome.ProviderDown,
	"service_unavailable":      outcome.ProviderDown,
	"lambda_error":             outcome.ProviderDown,
	"request_timeout":          outcome.ProviderTimeout,
	"platform_error":           outcome.ProviderError,
	"bad_request":              outcome.ProviderRejected,
	"missing_api_key":          outcome.ProviderAuth,
	"invalid_api_key":          outcome.ProviderAuth,
}

// Classify reads why Palenca failed, by its status_details or error code,
// else the HTTP status of its answer (0 for a webhook). A reason Palenca
// has not documented is a PROVIDER_ERROR, so that another provider is
// tried rather than the person blamed. The problem keeps Palenca's words:
// the code, and its message when there is one.
func Classify(status int, code, message string) employment.Problem {
	c, ok := details[code]
	if !ok {
		switch {
		case status == 401 || status == 403:
			c = outcome.ProviderAuth
		case status == 429:
			c = outcome.ProviderRateLimit
		case status == 504:
			c = outcome.ProviderTimeout
		case status >= 500:
			c = outcome.ProviderDown
		case status == 400 || status == 404 || status == 422:
			c = outcome.ProviderRejected
		default:
			c = outcome.ProviderError
		}
	}
	kept := code
	if message != "" {
		kept = code + ": " + message
		if code == "" {
			kept = message
		}
	}
	return employment.ProblemOf(c, kept)
}

// DecodeError reads the error of an answer {"success":false,"error":...}:
// an object with code and message, or a bare string taken as the code.
func DecodeError(body []byte) (code, message string) {
	v := gjson.GetBytes(body, "error")
	if v.Type == gjson.String {
		return v.Str, ""
	}
	return v.Get("code").String(), v.Get("message").String()
}
