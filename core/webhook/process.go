package webhook

import (
	"context"
	"errors"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// The kinds of records processing keeps.
const (
	KindActivity        = "pomelo_activity"
	KindIdentitySession = "pomelo_identity_session"
	KindShipment        = "pomelo_shipment"
)

// Shipments reads a shipment from Pomelo's API (GET /shipping/v1/{id}) and
// returns its JSON.
type Shipments interface {
	Shipment(ctx context.Context, id string) ([]byte, error)
}

// Handoff takes the events whose bodies the verify function confirms with
// the provider's own API before believing them: TD, Belvo and Palenca.
type Handoff interface {
	Take(ctx context.Context, e Event) error
}

// Processor settles events: each attempt is recorded with Store.Settle, so
// that an event is processed once however often it is offered.
type Processor struct {
	Store     Store
	Shipments Shipments // reads the shipment a shipping update hints at
	Handoff   Handoff   // nil: TD, Belvo and Palenca events stay RECEIVED for it
	Now       func() time.Time
}

// ErrAttempt wraps the error of a failed processing attempt, which was
// recorded as FAILED: the caller retries the event later.
var ErrAttempt = errors.New("webhook: processing attempt failed")

// Process makes one attempt at e. It returns nil when e is settled or has
// nothing to do now (UNHANDLED, already PROCESSED, waiting for the verify
// function), and an error wrapping ErrAttempt when the attempt failed and
// was recorded, or the store's error when it could not be.
func (p *Processor) Process(ctx context.Context, e Event) error {
	if e.Status == Processed || e.Status == Unhandled {
		return nil
	}
	var (
		rec *Record
		err error
	)
	switch e.Route {
	case PomeloActivities:
		rec, err = activityRecord(e)
	case PomeloIdentity:
		rec, err = identityRecord(e)
	case PomeloShipping:
		rec, err = p.shipmentRecord(ctx, e)
	case TDPush, BelvoRoute, PalencaRoute:
		if p.Handoff == nil {
			return nil
		}
		err = p.Handoff.Take(ctx, e)
	default:
		err = text.Annotate(ErrPayload, "unknown route "+string(e.Route))
	}
	if err != nil {
		if serr := p.Store.Settle(ctx, e.ID, Settlement{Status: Failed, Error: err.Error()}); serr != nil && !errors.Is(serr, ErrSettled) {
			return serr
		}
		return text.Wrap(ErrAttempt, err)
	}
	err = p.Store.Settle(ctx, e.ID, Settlement{Status: Processed, Record: rec})
	if errors.Is(err, ErrSettled) {
		return nil // another attempt settled it first
	}
	return err
}

func activityRecord(e Event) (*Record, error) {
	n, err := DecodeActivity(e.Body)
	if err != nil {
		return nil, err
	}
	id := n.Activity.ID
	if id == "" {
		id = n.IdempotencyKey
	}
	data := n.Activity.Raw
	if data == nil {
		data = []byte("{}")
	}
	return &Record{Kind: KindActivity, ID: id, Version: firstTime(e.ReceivedAt, n.Activity.UpdatedAt, n.Activity.CreatedAt, n.Datetime), EventID: e.ID, Data: data}, nil
}

func identityRecord(e Event) (*Record, error) {
	n, err := DecodeIdentity(e.Body)
	if err != nil {
		return nil, err
	}
	if n.SessionID == "" {
		return nil, text.Annotate(ErrPayload, "session.id is required to keep the session")
	}
	b := append([]byte(`{"session_id":`), text.AppendJSONString(nil, n.SessionID)...)
	b = append(b, `,"status":`...)
	b = text.AppendJSONString(b, n.SessionStatus)
	b = append(b, `,"event_id":`...)
	b = text.AppendJSONString(b, n.EventID)
	b = append(b, '}')
	return &Record{Kind: KindIdentitySession, ID: n.SessionID, Version: e.ReceivedAt, EventID: e.ID, Data: b}, nil
}

func (p *Processor) shipmentRecord(ctx context.Context, e Event) (*Record, error) {
	u, err := DecodeShipping(e.Body)
	if err != nil {
		return nil, err
	}
	if p.Shipments == nil {
		return nil, errors.New("webhook: no Pomelo API client to fetch the shipment")
	}
	data, err := p.Shipments.Shipment(ctx, u.ShipmentID)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	return &Record{Kind: KindShipment, ID: u.ShipmentID, Version: now(), EventID: e.ID, Data: data}, nil
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

// Drain offers every event that has processing left to p: RECEIVED ones, and
// FAILED ones with fewer than maxAttempts attempts. It is the local stack's
// processor loop body; in AWS the table's stream offers each event instead.
// It returns the number of events offered.
func Drain(ctx context.Context, s Store, p *Processor, maxAttempts int) (int, error) {
	offered := 0
	// Failed events first: one that fails in this pass is retried in the next.
	for _, status := range []Status{Failed, Received} {
		cursor := ""
		for {
			page, next, err := s.Events(ctx, Filter{Status: status}, cursor, 100)
			if err != nil {
				return offered, err
			}
			for _, e := range page {
				if e.Status == Failed && e.Attempts >= maxAttempts {
					continue
				}
				offered++
				if err := p.Process(ctx, e); err != nil && !errors.Is(err, ErrAttempt) {
					return offered, err
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return offered, nil
}
