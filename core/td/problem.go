package td

import (
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// workInProgress is the one message of 002's enumeration that is not an
// error: the report is still being made.
const workInProgress = "work in progress"

// messages are the messages of an ERROR result, folded (text.Fold): every
// one of 002's enumeration, in Spanish as TD sends them and in the English
// of its table, and 001's example.
var messages = map[string]outcome.Code{
	// 002 gives this one the meaning "More than 3 executions of the service
	// with the same CURP": IMSS's daily limit.
	"por el momento no es posible entregarle su constancia por favor intente mas tarde o solicitela directamente en la subdelegacion mas cercana a su domicilio en dias y horas habiles": outcome.IMSSDailyLimit,
	"more than 3 executions of the service with the same curp":                                                                                   outcome.IMSSDailyLimit,
	"para poder generar su reporte de semanas cotizadas, es necesario acuda a la subdelegacion mas cercana a su domicilio a recibir orientacion": outcome.IMSSVisitRequired,
	"in order to generate your report, it is necessary to go to the subdelegation closest to your home to receive guidance":                      outcome.IMSSVisitRequired,
	"los datos de entrada no coinciden con los datos de la entidad externa renapo":                                                               outcome.RENAPOMismatch,
	"the data does not match the data of the external entity renapo":                                                                             outcome.RENAPOMismatch,
	"es necesario que acudas a la subdelegacion mas cercana a tu domicilio a presentar tu tramite":                                               outcome.IMSSVisitRequired,
	"you need to assist to an imss branch physically":                                                                                            outcome.IMSSVisitRequired,
	"la curp proporcionada no fue localizada en la entidad externa renapo":                                                                       outcome.CURPNotFound,
	"curp not found": outcome.CURPNotFound,
	"service unavailable, please retry later": outcome.ProviderDown,
	"the curp is incorrect":                   outcome.CURPIncorrect,
	"curp error":                              outcome.CURPIncorrect,
	"the nss does not exist":                  outcome.NSSNotFound,
	"nss not exist":                           outcome.NSSNotFound,
	"invalid social security number status":   outcome.NSSInvalid, // 001's ERROR example
}

// Classify reads the message of an ERROR result: pending when it is "Work
// in progress" (keep waiting), else its problem in the taxonomy. A message
// TD has not documented is a PROVIDER_ERROR, so that another provider is
// tried rather than the person blamed.
func Classify(message string) (p employment.Problem, pending bool) {
	folded := text.Fold(message)
	if folded == workInProgress {
		return employment.Problem{}, true
	}
	code, ok := messages[folded]
	if !ok {
		code = outcome.ProviderError
	}
	return employment.ProblemOf(code, message), false
}

// The status codes of TD's request and query interfaces.
const (
	CodeOK       = 200
	CodeNoResult = 9080 // the query has no result: not yet, or past the window
)

// RequestProblem reads a status code of TD's request or query interface
// other than CodeOK and CodeNoResult. 9061 ("{parameter} error") is TD
// refusing our request, not a verdict on the person, whose CURP and NSS we
// check before calling: another provider is tried.
func RequestProblem(code int, message string) employment.Problem {
	var c outcome.Code
	switch code {
	case 300, 301, 302, 304:
		c = outcome.ProviderInactive
	case 303:
		c = outcome.ProviderBalance
	case 9500:
		c = outcome.ProviderDown
	case 9060, 9061:
		c = outcome.ProviderRejected
	default:
		c = outcome.ProviderError
	}
	return employment.ProblemOf(c, strings.TrimSpace(message))
}
