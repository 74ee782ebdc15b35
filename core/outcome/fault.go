package outcome

// About says whose the fault behind a verification's error is: the
// person's (their CURP, their NSS, their records: final, no other provider
// will do better) or the provider's (down, slow, out of quota: the next
// provider may).
type About string

// The two.
const (
	Person   About = "person"
	Provider About = "provider"
)

// Fault is what the one error taxonomy of verifications says of a code:
// whose fault it is, whether the same request may succeed later, and the
// message every provider's wording of it becomes.
type Fault struct {
	About     About
	Retryable bool
	Message   string
}

// The codes of verifications' errors, whichever provider reported them (see
// the README for each provider's wording).
const (
	CURPNotFound       Code = "CURP_NOT_FOUND"
	CURPIncorrect      Code = "CURP_INCORRECT"
	RENAPOMismatch     Code = "RENAPO_MISMATCH"
	NSSNotFound        Code = "NSS_NOT_FOUND"
	NSSInvalid         Code = "NSS_INVALID"
	NSSCURPMismatch    Code = "NSS_CURP_MISMATCH"
	NoNSS              Code = "NO_NSS"
	IMSSVisitRequired  Code = "IMSS_VISIT_REQUIRED"
	IMSSDataMismatch   Code = "IMSS_DATA_INCONSISTENT"
	EmailInUse         Code = "EMAIL_IN_USE"
	IMSSDailyLimit     Code = "IMSS_DAILY_LIMIT"
	ProviderDown       Code = "PROVIDER_UNAVAILABLE"
	ProviderTimeout    Code = "PROVIDER_TIMEOUT"
	ProviderRateLimit  Code = "PROVIDER_RATE_LIMITED"
	ProviderBalance    Code = "PROVIDER_BALANCE"
	ProviderInactive   Code = "PROVIDER_SERVICE_INACTIVE"
	ProviderRejected   Code = "PROVIDER_REQUEST_REJECTED"
	ProviderAuth       Code = "PROVIDER_AUTH_FAILED"
	ProviderError      Code = "PROVIDER_ERROR"
	ProviderBadData    Code = "PROVIDER_BAD_DATA"
	VerificationExpiry Code = "VERIFICATION_EXPIRED"
)

// faults is the one table of the verification taxonomy.
var faults = map[Code]Fault{
	CURPNotFound:       {Person, false, "RENAPO has no such CURP"},
	CURPIncorrect:      {Person, false, "the provider found the CURP incorrect"},
	RENAPOMismatch:     {Person, false, "the data given does not match RENAPO's"},
	NSSNotFound:        {Person, false, "IMSS has no such NSS"},
	NSSInvalid:         {Person, false, "IMSS reports the NSS's status as invalid"},
	NSSCURPMismatch:    {Person, false, "the NSS does not belong to the CURP"},
	NoNSS:              {Person, false, "the person has no NSS"},
	IMSSVisitRequired:  {Person, false, "the person must go to an IMSS office before a report can be issued"},
	IMSSDataMismatch:   {Person, false, "IMSS's records for the CURP are inconsistent; the person must visit an IMSS office"},
	EmailInUse:         {Person, false, "the e-mail address is registered with another CURP"},
	IMSSDailyLimit:     {Person, true, "the CURP was queried at IMSS more than three times in 24 hours; retry tomorrow"},
	ProviderDown:       {Provider, true, "the provider is unavailable"},
	ProviderTimeout:    {Provider, true, "the provider did not answer in time"},
	ProviderRateLimit:  {Provider, true, "the provider refused the request for its rate limit"},
	ProviderBalance:    {Provider, false, "the account with the provider has no balance left"},
	ProviderInactive:   {Provider, false, "the service is not purchased, suspended or expired with the provider"},
	ProviderRejected:   {Provider, false, "the provider refused the request as malformed"},
	ProviderAuth:       {Provider, false, "the provider refused our credentials"},
	ProviderError:      {Provider, true, "the provider failed"},
	ProviderBadData:    {Provider, true, "the provider's answer could not be read as a report"},
	VerificationExpiry: {Provider, true, "no result arrived within the provider's window"},
}

// FaultOf returns the taxonomy's entry for code.
func FaultOf(code Code) (Fault, bool) {
	f, ok := faults[code]
	return f, ok
}

// Faults returns the whole taxonomy, for documentation and tests.
func Faults() map[Code]Fault {
	out := make(map[Code]Fault, len(faults))
	for c, f := range faults {
		out[c] = f
	}
	return out
}
