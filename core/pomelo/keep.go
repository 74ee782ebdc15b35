package pomelo

import (
	"context"
	"errors"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// The kinds of records processing Pomelo's notifications keeps.
const (
	KindActivity        = "pomelo_activity"
	KindIdentitySession = "pomelo_identity_session"
	KindShipment        = "pomelo_shipment"
)

// KeepActivity returns the record an activity notice keeps: the activity
// as sent, one per activity.id (else origin_tx_id, else the notice's
// idempotency key), versioned by its updated_at, created_at or datetime, so
// that the latest wins whatever order the notices come in.
func KeepActivity(_ context.Context, body []byte, receivedAt time.Time) (inbound.Record, error) {
	n, err := DecodeActivity(body)
	if err != nil {
		return inbound.Record{}, err
	}
	id := n.Activity.ID
	if id == "" {
		id = n.IdempotencyKey
	}
	data := n.Activity.Raw
	if data == nil {
		data = []byte("{}")
	}
	version := firstTime(receivedAt, n.Activity.UpdatedAt, n.Activity.CreatedAt, n.Datetime)
	return inbound.Record{Kind: KindActivity, ID: id, Version: version, Data: data}, nil
}

// KeepIdentity returns the record an identity notice keeps: the session's
// status, the latest received winning (the notice has no time of its own).
func KeepIdentity(_ context.Context, body []byte, receivedAt time.Time) (inbound.Record, error) {
	n, err := DecodeIdentity(body)
	if err != nil {
		return inbound.Record{}, err
	}
	if n.SessionID == "" {
		return inbound.Record{}, text.Annotate(inbound.ErrPayload, "session.id is required to keep the session")
	}
	b := append([]byte(`{"session_id":`), text.AppendJSONString(nil, n.SessionID)...)
	b = append(b, `,"status":`...)
	b = text.AppendJSONString(b, n.SessionStatus)
	b = append(b, `,"event_id":`...)
	b = text.AppendJSONString(b, n.EventID)
	b = append(b, '}')
	return inbound.Record{Kind: KindIdentitySession, ID: n.SessionID, Version: receivedAt, Data: b}, nil
}

// Shipments reads a shipment from Pomelo's API (GET /shipping/v1/{id}) and
// returns its JSON.
type Shipments interface {
	Shipment(ctx context.Context, id string) ([]byte, error)
}

// ShipmentKeeper keeps the shipment a shipping update hints at, as Pomelo's
// API returns it when it is fetched; Now versions it.
type ShipmentKeeper struct {
	API Shipments
	Now func() time.Time
}

// Keep fetches and returns the shipment a shipping update names.
func (k ShipmentKeeper) Keep(ctx context.Context, body []byte, _ time.Time) (inbound.Record, error) {
	u, err := DecodeShipping(body)
	if err != nil {
		return inbound.Record{}, err
	}
	if k.API == nil {
		return inbound.Record{}, errors.New("pomelo: no API client to fetch the shipment")
	}
	data, err := k.API.Shipment(ctx, u.ShipmentID)
	if err != nil {
		return inbound.Record{}, err
	}
	return inbound.Record{Kind: KindShipment, ID: u.ShipmentID, Version: k.Now(), Data: data}, nil
}

// firstTime returns the first of texts that is an RFC 3339 time, else
// fallback.
func firstTime(fallback time.Time, texts ...string) time.Time {
	for _, s := range texts {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	return fallback
}
