// Package belvo reads Belvo's webhooks as they reach us: their payload,
// decoder and name, and how a webhook is authenticated (the Authorization
// value registered with it) and answered.
package belvo

import (
	"errors"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// Provider is Belvo's name in events.
const Provider = "belvo"

// Replies answers {"received":true}.
var Replies = inbound.Received

// HeaderAuthorization carries the value registered with the webhook.
const HeaderAuthorization = "Authorization"

// Scheme checks the Authorization header against the values registered with
// Belvo for the webhook; several are accepted at once, for rotation.
// Belvo's document says nothing about authenticating webhooks: this is the
// header value a client may register with its webhook URL.
type Scheme struct {
	Authorizations []string
}

// Errors of Scheme.Authenticate, each inside an *inbound.Refusal with its
// code.
var (
	ErrMissingAuthorization = errors.New("belvo: no Authorization header")
	ErrUnknownAuthorization = errors.New("belvo: Authorization matches none registered")
)

// Authenticate implements the webhook pipeline's scheme.
func (s Scheme) Authenticate(d inbound.Delivery, _ time.Time) (inbound.Proof, error) {
	if len(s.Authorizations) == 0 {
		return inbound.Proof{}, inbound.Refuse(outcome.CredentialNotSet, inbound.ErrNotConfigured, "BELVO_WEBHOOK_AUTHORIZATION")
	}
	given := d.Header.Get(HeaderAuthorization)
	if given == "" {
		return inbound.Proof{}, inbound.Refuse(outcome.Code(signature.CodeMissingHeader), ErrMissingAuthorization, "")
	}
	matched := false
	for _, want := range s.Authorizations {
		// Every value is compared, so that the time taken does not say which.
		if signature.SecretEqual(given, want) {
			matched = true
		}
	}
	if !matched {
		return inbound.Proof{}, inbound.Refuse(outcome.UnknownCredential, ErrUnknownAuthorization, "")
	}
	return inbound.Proof{Auth: "belvo-authorization"}, nil
}

// Notice is a Belvo webhook, historical_update of EMPLOYMENT_RECORDS among
// others.
type Notice struct {
	WebhookID   string
	WebhookType string
	WebhookCode string
	ProcessType string
	LinkID      string
	RequestID   string
	ExternalID  string
	// Records is data.total_employment_record_profiles, -1 when absent.
	Records int64
}

// The webhook this project processes; others are kept UNHANDLED.
const (
	TypeEmploymentRecords = "EMPLOYMENT_RECORDS"
	CodeHistoricalUpdate  = "historical_update"
)

// Name reads what a webhook is kept under: webhook_type as the type,
// webhook_id as the key.
func Name(body []byte) (inbound.Name, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return inbound.Name{}, err
	}
	id, typ, code, link := f.ID("webhook_id"), f.Required("webhook_type"), f.Required("webhook_code"), f.OptionalID("link_id")
	if err := f.Err(); err != nil {
		return inbound.Name{}, err
	}
	n := inbound.NameOf(typ, typ == TypeEmploymentRecords && code == CodeHistoricalUpdate, id)
	if link != "" {
		n.Subjects = append(n.Subjects, inbound.Subject(Provider, link))
	}
	n.Subjects = append(n.Subjects, inbound.PersonSubjects(body)...)
	return n, nil
}

// Decode reads a Belvo webhook. It fails with inbound.ErrPayload.
func Decode(body []byte) (Notice, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return Notice{}, err
	}
	n := Notice{
		WebhookID: f.ID("webhook_id"), WebhookType: f.Required("webhook_type"), WebhookCode: f.Required("webhook_code"),
		ProcessType: f.Str("process_type"), LinkID: f.OptionalID("link_id"), RequestID: f.Str("request_id"),
		ExternalID: f.OptionalID("external_id"), Records: -1,
	}
	switch v := f.Root.Get("data.total_employment_record_profiles"); v.Type {
	case gjson.Number:
		count, err := strconv.ParseInt(v.Raw, 10, 32)
		if err != nil || count < 0 {
			f.Fail("data.total_employment_record_profiles must be a whole number")
		}
		n.Records = count
	case gjson.Null:
	default:
		f.Fail("data.total_employment_record_profiles must be a number")
	}
	return n, f.Err()
}
