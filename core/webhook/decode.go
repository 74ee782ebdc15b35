package webhook

import (
	"crypto/sha256"
	"errors"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// ErrPayload reports a body that is not the route's notification: not one
// JSON object (text.CheckJSON), a field of the wrong type, a required field
// missing, or an identifier longer than storable.MaxID.
var ErrPayload = errors.New("webhook: malformed payload")

// Notice names a delivery: its type, its de-duplication key and whether the
// type is one this project processes.
type Notice struct {
	Type      string
	DedupeKey string
	Known     bool
}

// The types that are not named by a field of the body.
const TypeShippingUpdate = "shipping_update"

// Name reads what the receiver needs of a delivery on route: the required
// fields of the provider's payload, nothing else.
func Name(route Route, body []byte) (Notice, error) {
	root, err := object(body)
	if err != nil {
		return Notice{}, err
	}
	r := reader{root: root}
	var n Notice
	switch route {
	case PomeloShipping:
		id := r.id("shipment_id")
		n = Notice{Type: TypeShippingUpdate, DedupeKey: id + ":" + hexSum(body), Known: true}
	case PomeloActivities:
		n.Type, n.DedupeKey = r.required("type"), r.id("idempotency_key")
		n.Known = n.Type == "ACTIVITY_CREATED" || n.Type == "ACTIVITY_UPDATED"
	case PomeloIdentity:
		n.Type, n.DedupeKey = r.required("event_id"), r.id("idempotency_key")
		n.Known = n.Type == "identity-session-completed"
	case TDPush:
		seq, result := r.id("sequence_id"), r.required("result")
		n = Notice{Type: result, DedupeKey: seq + ":" + result, Known: result == "OK" || result == "ERROR"}
	case BelvoRoute:
		n.DedupeKey, n.Type = r.id("webhook_id"), r.required("webhook_type")
		code := r.required("webhook_code")
		n.Known = n.Type == "EMPLOYMENT_RECORDS" && code == "historical_update"
	case PalencaRoute:
		n.Type = r.required("webhook_action")
		n.Known = palencaActions[n.Type]
		n.DedupeKey = r.optionalID("data.webhook_id")
		if n.DedupeKey == "" {
			n.DedupeKey = r.optionalID("webhook_id")
		}
		if n.DedupeKey == "" {
			n.DedupeKey = "sha256:" + hexSum(body)
		}
	default:
		return Notice{}, text.Annotate(ErrPayload, "unknown route "+strconv.Quote(string(route)))
	}
	if r.err != nil {
		return Notice{}, r.err
	}
	return n, nil
}

// palencaActions are the webhook_action values processed; others are kept
// as UNHANDLED.
var palencaActions = map[string]bool{"login.success": true, "login.error": true, "employment.updated": true}

func object(body []byte) (gjson.Result, error) {
	if err := text.CheckJSON(body); err != nil {
		return gjson.Result{}, text.Wrap(ErrPayload, err)
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return gjson.Result{}, text.Annotate(ErrPayload, "body must be a JSON object")
	}
	return root, nil
}

func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return string(text.AppendHex(nil, sum[:]))
}

// reader reads string members of a JSON object by path, keeping the first
// failure.
type reader struct {
	root gjson.Result
	err  error
}

func (r *reader) fail(detail string) {
	if r.err == nil {
		r.err = text.Annotate(ErrPayload, detail)
	}
}

// str returns the string at path, "" when it is absent or null, and fails
// when it is another JSON type.
func (r *reader) str(path string) string {
	v := r.root.Get(path)
	switch v.Type {
	case gjson.String:
		return v.Str
	case gjson.Null:
		return ""
	}
	r.fail(path + " must be a string")
	return ""
}

func (r *reader) required(path string) string {
	s := r.str(path)
	if s == "" && r.err == nil {
		r.fail(path + " is required")
	}
	return s
}

// id is a required identifier, bounded because it becomes part of keys.
func (r *reader) id(path string) string {
	s := r.required(path)
	r.bound(path, s)
	return s
}

func (r *reader) optionalID(path string) string {
	s := r.str(path)
	r.bound(path, s)
	return s
}

func (r *reader) bound(path, s string) {
	if err := storable.CheckID(path, s); err != nil && r.err == nil {
		r.err = text.Wrap(ErrPayload, err)
	}
}
