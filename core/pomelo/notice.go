package pomelo

import (
	"time"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
)

// Provider is Pomelo's name in events, for all three of its webhook routes.
const Provider = "pomelo"

// Replies answers a kept notification 204, unsigned.
var Replies = inbound.NoContent

// SignedHeaders are the headers a signed Pomelo request carries, each once.
var SignedHeaders = []string{signature.HeaderAPIKey, signature.HeaderSignature, signature.HeaderTimestamp, signature.HeaderEndpoint}

// Scheme checks Pomelo's HMAC-SHA256 signature of a notification with the
// verifier the authorize function uses: the same keys (several, for
// rotation), tolerance and endpoint check.
type Scheme struct {
	Verifier signature.Verifier
}

// Authenticate implements the webhook pipeline's scheme. Its failures wrap
// the signature package's errors, with their codes.
func (s Scheme) Authenticate(d inbound.Delivery, now time.Time) (inbound.Proof, error) {
	signed := signature.Signed{
		APIKey:    d.Header.Get(signature.HeaderAPIKey),
		Signature: d.Header.Get(signature.HeaderSignature),
		Timestamp: d.Header.Get(signature.HeaderTimestamp),
		Endpoint:  d.Header.Get(signature.HeaderEndpoint),
		Body:      d.Body,
	}
	if err := s.Verifier.Verify(signed, d.Called, now); err != nil {
		return inbound.Proof{}, inbound.Refuse(outcome.Code(signature.Code(err)), err, "")
	}
	return inbound.Proof{Auth: "pomelo-hmac-sha256", Headers: SignedHeaders}, nil
}

// ShippingUpdate is Pomelo's shipment notification: a hint, processing
// fetches the shipment itself.
type ShippingUpdate struct {
	ShipmentID  string
	ResourceURL string
}

// ActivityNotice is Pomelo Core's ACTIVITY_CREATED / ACTIVITY_UPDATED.
type ActivityNotice struct {
	Type           string
	Version        string
	IdempotencyKey string
	Datetime       string
	Activity       Activity
}

// Activity is the account activity a notice describes. Raw is its JSON as
// sent, which is what gets stored.
type Activity struct {
	ID          string // activity.id, else activity.origin_tx_id
	OriginTxID  string
	Type        string
	EntryType   string
	TotalAmount string // the decimal text as sent: never a float
	Result      string
	CreatedAt   string
	UpdatedAt   string
	Raw         []byte
}

// IdentityNotice is Pomelo's identity-session-completed.
type IdentityNotice struct {
	EventID        string
	IdempotencyKey string
	SessionID      string
	SessionStatus  string
}

// The types of notification this project processes; others are kept
// UNHANDLED. A shipping update has no type of its own.
const (
	TypeShippingUpdate   = "shipping_update"
	TypeActivityCreated  = "ACTIVITY_CREATED"
	TypeActivityUpdated  = "ACTIVITY_UPDATED"
	TypeIdentityComplete = "identity-session-completed"
)

// NameShipping names a shipping update: its shipment and the SHA-256 of its
// body, since every update of one shipment carries the same id.
func NameShipping(body []byte) (inbound.Name, error) {
	u, err := DecodeShipping(body)
	if err != nil {
		return inbound.Name{}, err
	}
	return inbound.NameOf(TypeShippingUpdate, true, u.ShipmentID, inbound.BodySum(body)), nil
}

// NameActivity names an activity notice by its type and idempotency_key.
func NameActivity(body []byte) (inbound.Name, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return inbound.Name{}, err
	}
	typ, key := f.Required("type"), f.ID("idempotency_key")
	if err := f.Err(); err != nil {
		return inbound.Name{}, err
	}
	return inbound.NameOf(typ, typ == TypeActivityCreated || typ == TypeActivityUpdated, key), nil
}

// NameIdentity names an identity notice by its event_id and
// idempotency_key.
func NameIdentity(body []byte) (inbound.Name, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return inbound.Name{}, err
	}
	typ, key := f.Required("event_id"), f.ID("idempotency_key")
	if err := f.Err(); err != nil {
		return inbound.Name{}, err
	}
	return inbound.NameOf(typ, typ == TypeIdentityComplete, key), nil
}

// DecodeShipping reads a shipping update. It fails with inbound.ErrPayload.
func DecodeShipping(body []byte) (ShippingUpdate, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return ShippingUpdate{}, err
	}
	u := ShippingUpdate{ShipmentID: f.ID("shipment_id"), ResourceURL: f.Str("meta.resource_url")}
	return u, f.Err()
}

// DecodeActivity reads an activity notice. It fails with
// inbound.ErrPayload.
func DecodeActivity(body []byte) (ActivityNotice, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return ActivityNotice{}, err
	}
	n := ActivityNotice{
		Type: f.Required("type"), Version: f.Str("version"),
		IdempotencyKey: f.ID("idempotency_key"), Datetime: f.Str("datetime"),
	}
	a := &n.Activity
	if act := f.Root.Get("activity"); act.Exists() && act.Type != gjson.Null {
		if !act.IsObject() {
			f.Fail("activity must be an object")
			return n, f.Err()
		}
		a.Raw = []byte(act.Raw)
	}
	a.ID, a.OriginTxID = f.OptionalID("activity.id"), f.OptionalID("activity.origin_tx_id")
	if a.ID == "" {
		a.ID = a.OriginTxID
	}
	a.Type, a.EntryType, a.Result = f.Str("activity.type"), f.Str("activity.entry_type"), f.Str("activity.result")
	a.TotalAmount = f.Decimal("activity.total_amount")
	a.CreatedAt, a.UpdatedAt = f.Str("activity.created_at"), f.Str("activity.updated_at")
	return n, f.Err()
}

// DecodeIdentity reads an identity-session notice. It fails with
// inbound.ErrPayload.
func DecodeIdentity(body []byte) (IdentityNotice, error) {
	f, err := inbound.Object(body)
	if err != nil {
		return IdentityNotice{}, err
	}
	n := IdentityNotice{
		EventID: f.Required("event_id"), IdempotencyKey: f.ID("idempotency_key"),
		SessionID: f.OptionalID("session.id"), SessionStatus: f.Str("session.status"),
	}
	return n, f.Err()
}
