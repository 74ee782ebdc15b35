package outcome

import (
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Code names a failure in an error body {"error":{"code","message"}}. The
// list only grows: callers branch on codes.
type Code string

// The codes every API shares.
const (
	MalformedPayload Code = "MALFORMED_PAYLOAD" // the body is not what the route takes
	IdempotencyKey   Code = "IDEMPOTENCY_KEY"   // the idempotency key is missing or unusable
	KeyReused        Code = "IDEMPOTENCY_KEY_REUSED"
	BodyTooLarge     Code = "BODY_TOO_LARGE"
	BadEvent         Code = "BAD_EVENT" // an API Gateway event that is not an HTTP request
	NoRoute          Code = "NOT_FOUND"
	StoreUnavailable Code = "STORE_UNAVAILABLE" // retry: nothing was lost
	Internal         Code = "INTERNAL"
	InvalidInput     Code = "INVALID_INPUT"   // an input no store can take; do not retry it as sent
	UnreadableBody   Code = "BODY_UNREADABLE" // the body ended early or arrived too slowly
	RepeatedHeader   Code = "REPEATED_HEADER" // a header that must appear once came repeated
	MethodNotAllowed Code = "METHOD_NOT_ALLOWED"
	SourceNotAllowed Code = "SOURCE_NOT_ALLOWED" // a Pomelo route called from an address not in POMELO_SOURCE_IPS
)

// The codes of the authorize function's own routes.
const (
	UnknownAdjustmentType Code = "UNKNOWN_ADJUSTMENT_TYPE"
	BalanceLimit          Code = "BALANCE_LIMIT" // the adjustment would take the balance beyond its bound
	InvalidLimit          Code = "INVALID_LIMIT"
	InvalidCursor         Code = "INVALID_CURSOR"
)

// The codes of the webhooks function's own routes.
const (
	Unauthenticated  Code = "UNAUTHENTICATED"   // a delivery refused by a scheme that gave no reason (none does today)
	MissingParameter Code = "MISSING_PARAMETER" // a TD push without one of its query parameters
	SignReused       Code = "SIGN_REUSED"       // a TD sign already used with another body
	InvalidFilter    Code = "INVALID_FILTER"    // a provider or status the events API does not know
	EventNotFailed   Code = "EVENT_NOT_FAILED"  // a retry of an event that is not FAILED

	// Why a TD, Belvo or Palenca delivery was refused, beside the
	// signature codes they share with Pomelo's (SIGNATURE_HEADER_MISSING,
	// SIGNATURE_HEADER_MALFORMED, TIMESTAMP_TOO_OLD, TIMESTAMP_TOO_NEW,
	// SIGNATURE_MISMATCH).
	CredentialNotSet   Code = "CREDENTIAL_NOT_SET"  // the route's credential is not configured
	UnknownCredential  Code = "UNKNOWN_CREDENTIAL"  // a TD partner_code/access_key or a Belvo Authorization matching none of ours
	TimestampMalformed Code = "TIMESTAMP_MALFORMED" // a TD timestamp that is not epoch milliseconds
	SignatureEncoding  Code = "SIGNATURE_ENCODING"  // a TD sign that is neither hex nor base64 of a MAC
)

// The codes of the verify function's own routes.
const (
	InvalidCURP         Code = "INVALID_CURP"
	InvalidNSS          Code = "INVALID_NSS"
	InvalidProvider     Code = "INVALID_PROVIDER"
	InvalidExternalID   Code = "INVALID_EXTERNAL_ID"
	InvalidInstitution  Code = "INVALID_INSTITUTION"
	ExternalIDReused    Code = "EXTERNAL_ID_REUSED" // an external_id already used with another input
	DailyLimitExceeded  Code = "DAILY_LIMIT_EXCEEDED"
	UnknownVerification Code = "VERIFICATION_NOT_FOUND"
	NoProvider          Code = "NO_PROVIDER_CONFIGURED" // the deployment has no verification provider's credentials
	PersonNotFound      Code = "PERSON_NOT_FOUND"       // a CURP nothing is held about
	UnknownErasure      Code = "ERASURE_NOT_FOUND"
	ErasureNotSet       Code = "ERASURE_NOT_CONFIGURED" // ERASURE_KEY is unset: nothing can be erased
	PersonTooLarge      Code = "PERSON_TOO_LARGE"       // what is held about a person is more than one answer carries
	ErasureRunning      Code = "ERASURE_IN_PROGRESS"    // another erase of the same person began meanwhile, or their data kept changing
)

// The codes of the console's proxy (make console).
const (
	ReadOnly Code = "READ_ONLY" // an action through a console started without WRITE=1
)

// The codes of the reconcile function's own routes.
const (
	UnknownReconciliation Code = "RECONCILIATION_NOT_FOUND" // a date never reconciled
	ReportNotReady        Code = "REPORT_NOT_READY"         // the date's last run has not completed: it has no exceptions.csv
	ReportTooLarge        Code = "REPORT_TOO_LARGE"         // an exceptions.csv over what one API answer carries
)

// statuses is the one table from error code to HTTP status.
var statuses = map[Code]int{
	MalformedPayload:      400,
	InvalidInput:          400,
	UnreadableBody:        400,
	RepeatedHeader:        400,
	IdempotencyKey:        400,
	BadEvent:              400,
	InvalidLimit:          400,
	InvalidCursor:         400,
	KeyReused:             409,
	SignReused:            409,
	Unauthenticated:       401,
	CredentialNotSet:      401,
	UnknownCredential:     401,
	TimestampMalformed:    401,
	SignatureEncoding:     401,
	MissingParameter:      400,
	InvalidFilter:         400,
	EventNotFailed:        409,
	SourceNotAllowed:      403,
	NoRoute:               404,
	MethodNotAllowed:      405,
	UnknownAdjustmentType: 404,
	BodyTooLarge:          413,
	BalanceLimit:          422,
	InvalidCURP:           400,
	InvalidNSS:            400,
	InvalidProvider:       400,
	InvalidExternalID:     400,
	InvalidInstitution:    400,
	ExternalIDReused:      409,
	DailyLimitExceeded:    429,
	UnknownVerification:   404,
	NoProvider:            503,
	UnknownReconciliation: 404,
	PersonNotFound:        404,
	UnknownErasure:        404,
	PersonTooLarge:        409,
	ErasureNotSet:         503,
	ErasureRunning:        409,
	ReportNotReady:        409,
	ReadOnly:              403,
	ReportTooLarge:        409,
	Internal:              500,
	StoreUnavailable:      503,

	// Every signature failure is a 401, whatever the reason.
	signature.CodeMissingHeader:    401,
	signature.CodeMalformedHeader:  401,
	signature.CodeBadBase64:        401,
	signature.CodeUnknownKey:       401,
	signature.CodeTooOld:           401,
	signature.CodeTooNew:           401,
	signature.CodeEndpointMismatch: 401,
	signature.CodeNoMatch:          401,
	signature.CodeInvalid:          401,
}

// Status returns the HTTP status of an answer with code: 500 for a code
// missing from the table, which is our bug, not the caller's.
func Status(code Code) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return 500
}

// Codes returns every code with a status, for documentation and tests.
func Codes() map[Code]int {
	out := make(map[Code]int, len(statuses))
	for c, s := range statuses {
		out[c] = s
	}
	return out
}

// ErrorBody returns {"error":{"code":code,"message":message}}.
func ErrorBody(code Code, message string) []byte {
	b := make([]byte, 0, 40+len(code)+len(message))
	b = append(b, `{"error":{"code":`...)
	b = text.AppendJSONString(b, string(code))
	b = append(b, `,"message":`...)
	b = text.AppendJSONString(b, message)
	return append(b, `}}`...)
}
