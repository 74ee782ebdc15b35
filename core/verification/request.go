package verification

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// Request is POST /verifications' body, as given.
type Request struct {
	CURP        string
	NSS         string
	Provider    string
	ExternalID  string
	Institution string // "imss" when empty
}

// FieldError says which part of a request is wrong: a 400 naming the
// field.
type FieldError struct {
	Field   string // the request's key: curp, nss, provider, external_id
	Code    outcome.Code
	Message string
}

func (e *FieldError) Error() string { return "verification: " + e.Field + ": " + e.Message }

// Errors of Service.Start, beside a *FieldError.
var (
	ErrDailyLimit       = errors.New("verification: the CURP had its verifications for the last 24 hours")
	ErrExternalIDReused = errors.New("verification: external_id already used with another input")
	// ErrNoProvider refuses every start of a service with no provider
	// configured: nothing is kept.
	ErrNoProvider = errors.New("verification: no provider is configured")
)

// check returns the input of r, and its external id, or a *FieldError. It
// calls no one.
func (s *Service) check(r Request) (Input, string, error) {
	if len(s.Order) == 0 {
		return Input{}, "", ErrNoProvider
	}
	curp, err := identity.CURP(r.CURP)
	if err != nil {
		var ce *identity.CURPError
		msg := "curp is not a valid CURP"
		if errors.As(err, &ce) {
			msg = "curp: the " + string(ce.Part) + " is wrong: " + ce.Detail
		}
		if strings.TrimSpace(r.CURP) == "" {
			msg = "curp is required"
		}
		return Input{}, "", &FieldError{"curp", outcome.InvalidCURP, msg}
	}
	in := Input{CURP: curp}
	if strings.TrimSpace(r.NSS) != "" {
		nss, err := identity.NSS(r.NSS)
		switch {
		case errors.Is(err, identity.ErrNSSCheckDigit):
			return Input{}, "", &FieldError{"nss", outcome.InvalidNSS, "nss: the check digit does not match the other 10 digits"}
		case err != nil:
			return Input{}, "", &FieldError{"nss", outcome.InvalidNSS, "nss must be 11 digits"}
		}
		in.NSS = nss
	}
	switch in.Institution = Institution(r.Institution); in.Institution {
	case "":
		in.Institution = IMSS
	case IMSS, ISSSTE:
	default:
		return Input{}, "", &FieldError{"institution", outcome.InvalidInstitution, "institution must be imss or issste"}
	}
	if r.Provider != "" {
		p, ok := s.Providers[r.Provider]
		if !ok {
			return Input{}, "", &FieldError{"provider", outcome.InvalidProvider, "provider must be one of " + strings.Join(s.Order, ", ")}
		}
		if !p.Serves(in.Institution) {
			return Input{}, "", &FieldError{"provider", outcome.InvalidProvider, r.Provider + " does not read " + string(in.Institution) + "'s records"}
		}
		in.Provider = r.Provider
	}
	ext := r.ExternalID
	if ext != "" {
		if err := storable.CheckID("external_id", ext); err != nil {
			return Input{}, "", &FieldError{"external_id", outcome.InvalidExternalID, "external_id is longer than " + strconv.Itoa(storable.MaxID) + " bytes"}
		}
		if !printable(ext) {
			return Input{}, "", &FieldError{"external_id", outcome.InvalidExternalID, "external_id must be printable UTF-8 text without surrounding spaces"}
		}
	}
	return in, ext, nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
