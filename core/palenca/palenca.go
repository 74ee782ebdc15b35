// Package palenca reads Palenca's webhooks as they reach us: their payload,
// decoder and name, and how a webhook is authenticated (an optional
// HMAC-SHA256 of the body) and answered.
package palenca

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Provider is Palenca's name in events.
const Provider = "palenca"

// Replies answers {"received":true}.
var Replies = inbound.Received

// DefaultHeader is where Palenca's signature is looked for.
const DefaultHeader = "X-Palenca-Signature"

// Scheme checks the HMAC-SHA256 of the raw body, keyed with a secret's UTF-8
// bytes, given as bare hex (either case) in Header; several secrets are
// accepted at once, for rotation. Palenca's document only says
// notifications may be signed (sign_request). With no Secrets every
// delivery is refused (CREDENTIAL_NOT_SET), unless Unsigned accepts each
// as an unauthenticated hint.
type Scheme struct {
	Secrets  []string
	Header   string // DefaultHeader when empty
	Unsigned bool   // PALENCA_UNSIGNED_HINTS
}

// Errors of Scheme.Authenticate, each inside an *inbound.Refusal with its
// code.
var (
	ErrMissingSignature   = errors.New("palenca: no signature header")
	ErrMalformedSignature = errors.New("palenca: the signature is not 64 hex digits")
	ErrSignatureMismatch  = errors.New("palenca: the signature does not match the body")
)

// HeaderName is where s looks for the signature.
func (s Scheme) HeaderName() string {
	if s.Header == "" {
		return DefaultHeader
	}
	return s.Header
}

// Authenticate implements the webhook pipeline's scheme.
func (s Scheme) Authenticate(d inbound.Delivery, _ time.Time) (inbound.Proof, error) {
	if len(s.Secrets) == 0 {
		if !s.Unsigned {
			return inbound.Proof{}, inbound.Refuse(outcome.CredentialNotSet, inbound.ErrNotConfigured, "PALENCA_WEBHOOK_SECRET")
		}
		return inbound.Unsigned(Provider), nil
	}
	header := s.HeaderName()
	given := d.Header.Get(header)
	if given == "" {
		return inbound.Proof{}, inbound.Refuse(outcome.Code(signature.CodeMissingHeader), ErrMissingSignature, header)
	}
	mac, ok := text.DecodeHex(given)
	if !ok || len(mac) != sha256.Size {
		return inbound.Proof{}, inbound.Refuse(outcome.Code(signature.CodeMalformedHeader), ErrMalformedSignature, header)
	}
	matched := false
	for _, secret := range s.Secrets {
		// Every secret is tried, so that the time taken does not say which.
		if hmac.Equal(mac, signature.PalencaSum(secret, d.Body)) {
			matched = true
		}
	}
	if !matched {
		return inbound.Proof{}, inbound.Refuse(outcome.Code(signature.CodeNoMatch), ErrSignatureMismatch, header)
	}
	return inbound.Proof{Auth: "palenca-hmac-sha256", Headers: []string{header}}, nil
}

// Notice is a Palenca webhook. Its members sit at the top level in 000
// and inside data in Palenca's newer reference; both places are read, data
// first.
type Notice struct {
	Action        string // webhook_action
	WebhookID     string
	UserID        string
	AccountID     string
	ExternalID    string
	Platform      string
	StatusDetails string // why a login failed: not_registered, curp_not_in_platform, ...
}

// actions are the webhook_action values processed; others are kept
// UNHANDLED.
var actions = map[string]bool{"login.success": true, "login.error": true, "employment.updated": true}

// Name reads what a webhook is kept under: webhook_action as the type, and
// its webhook_id, else the body's SHA-256 ("sha256:<hex>") as the key.
func Name(body []byte) (inbound.Name, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return inbound.Name{}, err
	}
	action := member(f, "webhook_action", f.Str)
	if action == "" {
		f.Fail("webhook_action is required")
	}
	id, account := member(f, "webhook_id", f.OptionalID), member(f, "account_id", f.OptionalID)
	if err := f.Err(); err != nil {
		return inbound.Name{}, err
	}
	n := inbound.NameOf(action, actions[action], id)
	if id == "" {
		n = inbound.NameOf(action, actions[action], "sha256", inbound.BodySum(body))
	}
	if account != "" {
		n.Subjects = append(n.Subjects, inbound.Subject(Provider, account))
	}
	n.Subjects = append(n.Subjects, inbound.PersonSubjects(body)...)
	return n, nil
}

// member reads name inside data, else at the top level.
func member(f *inbound.Fields, name string, read func(string) string) string {
	if v := read("data." + name); v != "" {
		return v
	}
	return read(name)
}

// Decode reads a Palenca webhook. It fails with inbound.ErrPayload.
func Decode(body []byte) (Notice, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return Notice{}, err
	}
	n := Notice{
		Action: member(f, "webhook_action", f.Str), WebhookID: member(f, "webhook_id", f.OptionalID),
		UserID: member(f, "user_id", f.OptionalID), AccountID: member(f, "account_id", f.OptionalID),
		ExternalID: member(f, "external_id", f.OptionalID), Platform: member(f, "platform", f.Str),
		StatusDetails: member(f, "status_details", f.Str),
	}
	if n.Action == "" {
		f.Fail("webhook_action is required")
	}
	return n, f.Err()
}
