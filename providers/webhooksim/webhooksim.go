// Package webhooksim is the providers' side of the webhooks: it sends
// notifications signed as Pomelo, TD, Belvo and Palenca sign them, and on
// request broken ones, for `make simulate` and the tests.
package webhooksim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/pomelo"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/td"
)

// Kind is a kind of notification, as `make simulate PROVIDER=` names it.
type Kind string

// The kinds.
const (
	TD             Kind = "td"
	PomeloActivity Kind = "pomelo-activity"
	PomeloShipping Kind = "pomelo-shipping"
	PomeloIdentity Kind = "pomelo-identity"
	Belvo          Kind = "belvo"
	Palenca        Kind = "palenca"
)

// Kinds lists every kind.
var Kinds = []Kind{TD, PomeloActivity, PomeloShipping, PomeloIdentity, Belvo, Palenca}

// Path is where the kind is sent.
func (k Kind) Path() string {
	switch k {
	case TD:
		return "/webhooks/td"
	case PomeloActivity:
		return "/webhooks/pomelo/activities"
	case PomeloShipping:
		return "/webhooks/pomelo/shipping/updates"
	case PomeloIdentity:
		return "/webhooks/pomelo/identity"
	case Belvo:
		return "/webhooks/belvo"
	}
	return "/webhooks/palenca"
}

// Provider is who sends the kind, as events name it.
func (k Kind) Provider() string {
	switch k {
	case TD:
		return td.Provider
	case Belvo:
		return belvo.Provider
	case Palenca:
		return palenca.Provider
	}
	return pomelo.Provider
}

// Route is the name of the route the kind is sent to, as events keep it.
func (k Kind) Route() string { return strings.TrimPrefix(k.Path(), "/webhooks/") }

// Mode is what to send.
type Mode string

// The modes.
const (
	Valid        Mode = "valid"         // one correctly signed notification
	BadSignature Mode = "bad-signature" // signed with another secret
	Stale        Mode = "stale"         // signed an hour ago
	Duplicate    Mode = "duplicate"     // the same notification twice
	OutOfOrder   Mode = "out-of-order"  // a later update of a thing, then an earlier one
)

// Modes lists every mode.
var Modes = []Mode{Valid, BadSignature, Stale, Duplicate, OutOfOrder}

// Sender sends notifications to BaseURL with the providers' credentials.
type Sender struct {
	BaseURL string
	HTTP    *http.Client
	Now     func() time.Time

	PomeloAPIKey string
	PomeloSecret []byte // decoded

	TDPartnerCode, TDAccessKey, TDAccessSecret string

	BelvoAuthorization string

	PalencaSecret string // unsigned when empty
	PalencaHeader string // palenca.DefaultHeader when empty

	// RetryDelay is the wait between the sends of Deliver (DefaultRetryDelay
	// when zero).
	RetryDelay time.Duration
}

// Retries is how many times Deliver sends a notification again while it is
// not acknowledged: TD's 001 says 3; Belvo's and Palenca's documents say
// they retry without saying how often, and get the same.
const Retries = 3

// DefaultRetryDelay is the wait between Deliver's sends.
const DefaultRetryDelay = time.Second

// Deliver sends body as kind, signed correctly, as the provider does with a
// result: again, up to Retries times, while the answer is not a success
// (TD: not 200). It returns every exchange.
func (s *Sender) Deliver(ctx context.Context, kind Kind, body []byte) ([]Exchange, error) {
	delay := s.RetryDelay
	if delay <= 0 {
		delay = DefaultRetryDelay
	}
	var out []Exchange
	for attempt := 0; ; attempt++ {
		req, err := s.Request(ctx, kind, body, Valid)
		if err != nil {
			return out, err
		}
		x, err := s.do(req, body)
		if err == nil {
			out = append(out, x)
			if x.Status == http.StatusOK || kind != TD && x.Status/100 == 2 {
				return out, nil
			}
		}
		if attempt == Retries {
			if err == nil {
				err = fmt.Errorf("webhooksim: %s answered %d %d times", kind.Path(), x.Status, attempt+1)
			}
			return out, err
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// Exchange is one request sent and what came back.
type Exchange struct {
	URL    string
	Header http.Header
	Body   []byte
	Status int
	Answer []byte
}

// Send sends kind in mode and returns every exchange, in order.
func (s *Sender) Send(ctx context.Context, kind Kind, mode Mode) ([]Exchange, error) {
	id := newID()
	var bodies [][]byte
	switch mode {
	case Duplicate:
		b := Body(kind, id, 1)
		bodies = [][]byte{b, b}
	case OutOfOrder:
		bodies = [][]byte{Body(kind, id, 2), Body(kind, id, 1)}
	default:
		bodies = [][]byte{Body(kind, id, 1)}
	}
	var out []Exchange
	for _, body := range bodies {
		req, err := s.Request(ctx, kind, body, mode)
		if err != nil {
			return out, err
		}
		x, err := s.do(req, body)
		if err != nil {
			return out, err
		}
		out = append(out, x)
	}
	return out, nil
}

func (s *Sender) do(req *http.Request, body []byte) (Exchange, error) {
	hc := s.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return Exchange{}, fmt.Errorf("webhooksim: send to %s: %w", req.URL, err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return Exchange{}, fmt.Errorf("webhooksim: read the answer of %s: %w", req.URL, err)
	}
	return Exchange{URL: req.URL.String(), Header: req.Header, Body: body, Status: res.StatusCode, Answer: answer}, nil
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Request builds the request of kind carrying body, signed as mode says
// (Valid, Duplicate and OutOfOrder are signed correctly).
func (s *Sender) Request(ctx context.Context, kind Kind, body []byte, mode Mode) (*http.Request, error) {
	now := s.now()
	if mode == Stale {
		now = now.Add(-time.Hour)
	}
	path := kind.Path()
	url := s.BaseURL + path
	header := http.Header{"Content-Type": {"application/json"}}
	switch kind {
	case TD:
		secret := s.TDAccessSecret
		if mode == BadSignature {
			secret += "-wrong"
		}
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		sign, _ := signature.TDSigns(s.TDPartnerCode, ts, s.TDAccessKey, secret)
		url += "?partner_code=" + s.TDPartnerCode + "&timestamp=" + ts + "&access_key=" + s.TDAccessKey + "&sign=" + sign
	case Belvo:
		auth := s.BelvoAuthorization
		if mode == BadSignature {
			auth += "-wrong"
		}
		header.Set("Authorization", auth)
	case Palenca:
		if s.PalencaSecret != "" || mode == BadSignature {
			h := s.PalencaHeader
			if h == "" {
				h = palenca.DefaultHeader
			}
			secret := s.PalencaSecret
			if mode == BadSignature {
				secret += "-wrong"
			}
			header.Set(h, hex.EncodeToString(signature.PalencaSum(secret, body)))
		}
	default:
		secret := s.PomeloSecret
		if mode == BadSignature {
			secret = append([]byte("wrong-"), secret...)
		}
		ts := signature.Timestamp(now)
		header.Set(signature.HeaderAPIKey, s.PomeloAPIKey)
		header.Set(signature.HeaderTimestamp, ts)
		header.Set(signature.HeaderEndpoint, path)
		header.Set(signature.HeaderSignature, signature.Sign(secret, ts, path, body))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("webhooksim: %w", err)
	}
	req.Header = header
	return req, nil
}

// Body is an example notification of kind about thing id; version 2 is a
// later update of what version 1 says.
func Body(kind Kind, id string, version int) []byte {
	at := time.Date(2026, 11, 25, 10, version, 0, 0, time.UTC).Format(time.RFC3339)
	var b string
	switch kind {
	case TD:
		result := "OK"
		if version > 1 {
			result = "ERROR"
		}
		b = `{"sequence_id":"17000000` + id + `","result":"` + result + `","social_security_info":{"name":"David HE",` +
			`"working_time_detail":{"working_week":"200","reinstated_week":"0","discounted_week":"0"},` +
			`"work_detail":[{"start_date":"21/12/2022","end_date":"Vigente","daily_salary":"$334.26","state_workpalce":"MÉXICO",` +
			`"name_workpalce":"CAPITAL ARRECIFE","imss_code_workpalce":"C417***210"}]}}`
	case PomeloActivity:
		typ, status := "ACTIVITY_CREATED", "PENDING"
		if version > 1 {
			typ, status = "ACTIVITY_UPDATED", "APPROVED"
		}
		b = `{"type":"` + typ + `","version":"1.0.0","idempotency_key":"act-` + id + `-` + strconv.Itoa(version) + `","datetime":"` + at + `",` +
			`"activity":{"id":"act-` + id + `","origin_tx_id":"atx-` + id + `","type":"TRANSFER","total_amount":"1200.15",` +
			`"entry_type":"DEBIT","result":"` + status + `","created_at":"2026-11-25T10:00:00Z","updated_at":"` + at + `"}}`
	case PomeloShipping:
		b = `{"shipment_id":"shi-` + id + `","meta":{"resource_url":"http://localhost:8080/v1/shi-` + id + `"},"version":` + strconv.Itoa(version) + `}`
	case PomeloIdentity:
		status := "IN_PROGRESS"
		if version > 1 {
			status = "APPROVED"
		}
		b = `{"event_id":"identity-session-completed","idempotency_key":"idn-` + id + `-` + strconv.Itoa(version) + `",` +
			`"session":{"id":"iss-` + id + `","status":"` + status + `"}}`
	case Belvo:
		b = `{"webhook_id":"` + id + strconv.Itoa(version) + `","webhook_type":"EMPLOYMENT_RECORDS","process_type":"historical_update",` +
			`"webhook_code":"historical_update","link_id":"link-` + id + `","request_id":"req-` + id + `",` +
			`"external_id":"ext-` + id + `","data":{"total_employment_record_profiles":` + strconv.Itoa(version) + `}}`
	default:
		b = `{"webhook_action":"login.success","data":{"webhook_id":"` + id + strconv.Itoa(version) + `","user_id":"usr-` + id + `",` +
			`"account_id":"acc-` + id + `"}}`
	}
	return []byte(b)
}

func newID() string {
	raw := make([]byte, 8)
	rand.Read(raw)
	return base64.RawURLEncoding.EncodeToString(raw)
}
