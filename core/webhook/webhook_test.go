package webhook_test

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/text"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
)

// The known answers: Pomelo's and TD's come from shared/testvectors (also in
// core/signature/testdata); Palenca's was computed with
// `openssl dgst -sha256 -hmac palenca-secret`.
const (
	pomeloKey    = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	pomeloSecret = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
	shippingBody = `{"shipment_id":"shi-20VphpUWbbGm0Nwo8DMqsFBJgYv","meta":{"resource_url":"http://localhost:8080/v1/shi-20VphpUWbbGm0Nwo8DMqsFBJgYv"}}`
	shippingSig  = "hmac-sha256 xCf4yKVHnZJtt02eOLU6KR9/JCGwUGzBiAGlDrK2OQY="
	tdTimestamp  = "1699272744735"
	tdSignHex    = "83f8b722d28844a4050f75f7a2c3019ca92288eb"
	tdSignBase64 = "g/i3ItKIRKQFD3X3osMBnKkiiOs="
	palencaBody  = `{"webhook_action":"login.success","data":{"webhook_id":"wh-1"}}`
	palencaSig   = "659e8af35b0977de26fc776502d1d6efe08457e9179c29a2421225129b286769"
)

func pomeloScheme(t testing.TB) webhook.PomeloScheme {
	keys, err := signature.ParseCredentials(pomeloKey + ":" + pomeloSecret)
	if err != nil {
		t.Fatal(err)
	}
	return webhook.PomeloScheme{Verifier: signature.Verifier{Keys: keys}}
}

var tdScheme = webhook.TDScheme{PartnerCode: "demo_partner", AccessKey: "ak_1234567890", AccessSecret: "td-access-secret-demo"}

func tdCalled(sign string) string {
	return "/webhooks/td?partner_code=demo_partner&timestamp=" + tdTimestamp + "&access_key=ak_1234567890&sign=" + sign
}

// TestKnownAnswers: each scheme accepts its provider's known answer and
// says how it matched.
func TestKnownAnswers(t *testing.T) {
	tdNow := time.UnixMilli(1699272744735).Add(time.Minute)
	for _, tc := range []struct {
		name   string
		scheme webhook.Scheme
		in     webhook.Inbound
		now    time.Time
		want   webhook.Proof
	}{
		{"pomelo shipping", pomeloScheme(t), webhook.Inbound{Called: "/shipping/updates", Body: []byte(shippingBody), Header: http.Header{
			"X-Api-Key": {pomeloKey}, "X-Signature": {shippingSig}, "X-Timestamp": {"1637117179"}, "X-Endpoint": {"/shipping/updates"},
		}}, time.Unix(1637117179, 0), webhook.Proof{Auth: "pomelo-hmac-sha256", Headers: []string{"x-api-key", "x-timestamp", "x-endpoint", "x-signature"}}},
		{"td lower hex", tdScheme, webhook.Inbound{Called: tdCalled(tdSignHex)}, tdNow,
			webhook.Proof{Auth: "td-hmac-sha1 hex-lower", Hint: true, Sign: tdSignHex}},
		{"td upper hex", tdScheme, webhook.Inbound{Called: tdCalled(strings.ToUpper(tdSignHex))}, tdNow,
			webhook.Proof{Auth: "td-hmac-sha1 hex-upper", Hint: true, Sign: strings.ToUpper(tdSignHex)}},
		{"td base64", tdScheme, webhook.Inbound{Called: tdCalled(strings.ReplaceAll(strings.ReplaceAll(tdSignBase64, "/", "%2F"), "=", "%3D"))}, tdNow,
			webhook.Proof{Auth: "td-hmac-sha1 base64", Hint: true, Sign: tdSignBase64}},
		{"belvo", webhook.BelvoScheme{Authorization: "Bearer xyz"}, webhook.Inbound{Header: http.Header{"Authorization": {"Bearer xyz"}}}, time.Time{},
			webhook.Proof{Auth: "belvo-authorization"}},
		{"palenca", webhook.PalencaScheme{Secret: "palenca-secret"}, webhook.Inbound{Body: []byte(palencaBody), Header: http.Header{
			"X-Palenca-Signature": {palencaSig},
		}}, time.Time{}, webhook.Proof{Auth: "palenca-hmac-sha256", Headers: []string{"X-Palenca-Signature"}}},
		{"palenca upper hex, own header", webhook.PalencaScheme{Secret: "palenca-secret", Header: "X-Sig"}, webhook.Inbound{Body: []byte(palencaBody), Header: http.Header{
			"X-Sig": {strings.ToUpper(palencaSig)},
		}}, time.Time{}, webhook.Proof{Auth: "palenca-hmac-sha256", Headers: []string{"X-Sig"}}},
		{"palenca unsigned", webhook.PalencaScheme{}, webhook.Inbound{Body: []byte(palencaBody), Header: http.Header{}}, time.Time{},
			webhook.Proof{Auth: "palenca-unsigned", Hint: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.scheme.Authenticate(tc.in, tc.now)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Authenticate = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestRefusals: every signed part changed, every clock out of tolerance and
// every credential unset is refused, with the error the receiver branches on.
func TestRefusals(t *testing.T) {
	pomelo := func(edit func(h http.Header)) webhook.Inbound {
		h := http.Header{"X-Api-Key": {pomeloKey}, "X-Signature": {shippingSig}, "X-Timestamp": {"1637117179"}, "X-Endpoint": {"/shipping/updates"}}
		if edit != nil {
			edit(h)
		}
		return webhook.Inbound{Called: "/shipping/updates", Body: []byte(shippingBody), Header: h}
	}
	tdNow := time.UnixMilli(1699272744735)
	for _, tc := range []struct {
		name   string
		scheme webhook.Scheme
		in     webhook.Inbound
		now    time.Time
		want   error
	}{
		{"pomelo body", pomeloScheme(t), webhook.Inbound{Called: "/shipping/updates", Body: []byte(shippingBody + " "), Header: pomelo(nil).Header},
			time.Unix(1637117179, 0), signature.ErrNoMatch},
		{"pomelo endpoint", pomeloScheme(t), pomelo(func(h http.Header) { h.Set("X-Endpoint", "/other") }), time.Unix(1637117179, 0), signature.ErrEndpointMismatch},
		{"pomelo stale", pomeloScheme(t), pomelo(nil), time.Unix(1637117179+61, 0), signature.ErrTooOld},
		{"pomelo future", pomeloScheme(t), pomelo(nil), time.Unix(1637117179-61, 0), signature.ErrTooNew},
		{"pomelo unknown key", pomeloScheme(t), pomelo(func(h http.Header) { h.Set("X-Api-Key", "k") }), time.Unix(1637117179, 0), signature.ErrUnknownKey},
		{"td partner code", tdScheme, webhook.Inbound{Called: strings.Replace(tdCalled(tdSignHex), "demo_partner", "other", 1)}, tdNow, webhook.ErrUnauthenticated},
		{"td access key", tdScheme, webhook.Inbound{Called: strings.Replace(tdCalled(tdSignHex), "ak_1234567890", "ak_other", 1)}, tdNow, webhook.ErrUnauthenticated},
		{"td sign", tdScheme, webhook.Inbound{Called: tdCalled("00" + tdSignHex[2:])}, tdNow, webhook.ErrUnauthenticated},
		{"td sign garbage", tdScheme, webhook.Inbound{Called: tdCalled("!!")}, tdNow, webhook.ErrUnauthenticated},
		{"td stale", tdScheme, webhook.Inbound{Called: tdCalled(tdSignHex)}, tdNow.Add(11 * time.Minute), signature.ErrTooOld},
		{"td future", tdScheme, webhook.Inbound{Called: tdCalled(tdSignHex)}, tdNow.Add(-11 * time.Minute), signature.ErrTooNew},
		{"td timestamp not millis", tdScheme, webhook.Inbound{Called: strings.Replace(tdCalled(tdSignHex), tdTimestamp, "1e12", 1)}, tdNow, webhook.ErrUnauthenticated},
		{"td missing sign", tdScheme, webhook.Inbound{Called: strings.TrimSuffix(tdCalled(tdSignHex), "&sign="+tdSignHex)}, tdNow, webhook.ErrMissingParameter},
		{"td repeated sign", tdScheme, webhook.Inbound{Called: tdCalled(tdSignHex) + "&sign=" + tdSignHex}, tdNow, webhook.ErrMissingParameter},
		{"td unset", webhook.TDScheme{}, webhook.Inbound{Called: tdCalled(tdSignHex)}, tdNow, webhook.ErrNotConfigured},
		{"belvo wrong", webhook.BelvoScheme{Authorization: "Bearer xyz"}, webhook.Inbound{Header: http.Header{"Authorization": {"Bearer xy"}}}, time.Time{}, webhook.ErrUnauthenticated},
		{"belvo missing", webhook.BelvoScheme{Authorization: "Bearer xyz"}, webhook.Inbound{Header: http.Header{}}, time.Time{}, webhook.ErrUnauthenticated},
		{"belvo unset", webhook.BelvoScheme{}, webhook.Inbound{Header: http.Header{"Authorization": {""}}}, time.Time{}, webhook.ErrNotConfigured},
		{"palenca body", webhook.PalencaScheme{Secret: "palenca-secret"}, webhook.Inbound{Body: []byte(palencaBody + " "), Header: http.Header{
			"X-Palenca-Signature": {palencaSig}}}, time.Time{}, webhook.ErrUnauthenticated},
		{"palenca missing", webhook.PalencaScheme{Secret: "palenca-secret"}, webhook.Inbound{Body: []byte(palencaBody), Header: http.Header{}}, time.Time{}, webhook.ErrUnauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.scheme.Authenticate(tc.in, tc.now)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if tc.want != webhook.ErrMissingParameter && !errors.Is(err, webhook.ErrUnauthenticated) {
				t.Errorf("err = %v, does not wrap ErrUnauthenticated", err)
			}
		})
	}
}

func TestName(t *testing.T) {
	for _, tc := range []struct {
		route webhook.Route
		body  string
		want  webhook.Notice
	}{
		{webhook.PomeloActivities, `{"type":"ACTIVITY_CREATED","idempotency_key":"act-1"}`, webhook.Notice{Type: "ACTIVITY_CREATED", DedupeKey: "act-1", Known: true}},
		{webhook.PomeloActivities, `{"type":"ACTIVITY_DELETED","idempotency_key":"act-2"}`, webhook.Notice{Type: "ACTIVITY_DELETED", DedupeKey: "act-2"}},
		{webhook.PomeloIdentity, `{"event_id":"identity-session-completed","idempotency_key":"27Ky"}`, webhook.Notice{Type: "identity-session-completed", DedupeKey: "27Ky", Known: true}},
		{webhook.PomeloShipping, shippingBody, webhook.Notice{Type: "shipping_update",
			DedupeKey: "shi-20VphpUWbbGm0Nwo8DMqsFBJgYv:" + sha256Hex(shippingBody), Known: true}},
		{webhook.TDPush, `{"sequence_id":"1699","result":"OK"}`, webhook.Notice{Type: "OK", DedupeKey: "1699:OK", Known: true}},
		{webhook.TDPush, `{"sequence_id":"1699","result":"ERROR","message":"Invalid"}`, webhook.Notice{Type: "ERROR", DedupeKey: "1699:ERROR", Known: true}},
		{webhook.BelvoRoute, `{"webhook_id":"03d1","webhook_type":"EMPLOYMENT_RECORDS","webhook_code":"historical_update"}`,
			webhook.Notice{Type: "EMPLOYMENT_RECORDS", DedupeKey: "03d1", Known: true}},
		{webhook.BelvoRoute, `{"webhook_id":"03d2","webhook_type":"EMPLOYMENT_RECORDS","webhook_code":"new_records"}`,
			webhook.Notice{Type: "EMPLOYMENT_RECORDS", DedupeKey: "03d2"}},
		{webhook.PalencaRoute, palencaBody, webhook.Notice{Type: "login.success", DedupeKey: "wh-1", Known: true}},
		{webhook.PalencaRoute, `{"webhook_action":"employment.updated","webhook_id":"top"}`, webhook.Notice{Type: "employment.updated", DedupeKey: "top", Known: true}},
		{webhook.PalencaRoute, `{"webhook_action":"login.error"}`, webhook.Notice{Type: "login.error",
			DedupeKey: "sha256:" + sha256Hex(`{"webhook_action":"login.error"}`), Known: true}},
	} {
		got, err := webhook.Name(tc.route, []byte(tc.body))
		if err != nil || got != tc.want {
			t.Errorf("Name(%s, %s) = %+v, %v; want %+v", tc.route, tc.body, got, err, tc.want)
		}
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return string(text.AppendHex(nil, sum[:]))
}

func TestNameRefuses(t *testing.T) {
	for _, tc := range []struct {
		route webhook.Route
		body  string
		want  error
	}{
		{webhook.PomeloActivities, `{"type":"ACTIVITY_CREATED"}`, webhook.ErrPayload},
		{webhook.PomeloActivities, `{"type":7,"idempotency_key":"k"}`, webhook.ErrPayload},
		{webhook.PomeloActivities, `{"type":"A","idempotency_key":"k","type":"B"}`, text.ErrDuplicateKey},
		{webhook.TDPush, `{"sequence_id":"` + strings.Repeat("9", storable.MaxID+1) + `","result":"OK"}`, storable.ErrInvalid},
		{webhook.PalencaRoute, `{"webhook_action":"x","data":{"webhook_id":7}}`, webhook.ErrPayload},
		{webhook.BelvoRoute, `"just a string"`, webhook.ErrPayload},
	} {
		_, err := webhook.Name(tc.route, []byte(tc.body))
		if !errors.Is(err, tc.want) || !errors.Is(err, webhook.ErrPayload) {
			t.Errorf("Name(%s, %s) err = %v, want %v and ErrPayload", tc.route, tc.body, err, tc.want)
		}
	}
}

// TestDecodeTD reads TD's push example, which spells the workplace fields
// "workpalce", and its query interface's spelling alike.
func TestDecodeTD(t *testing.T) {
	for _, spelling := range []string{"workpalce", "workplace"} {
		body := `{"sequence_id":"1699272744735016I303341798930550","result":"OK","social_security_info":{"name":"David HE",` +
			`"working_time_detail":{"working_week":"200","reinstated_week":"0","discounted_week":"0"},"work_detail":[` +
			`{"start_date":"21/12/2022","end_date":"27/12/2022","daily_salary":"$334.26","state_` + spelling + `":"MÉXICO",` +
			`"name_` + spelling + `":"CAPITAL ARRECIFE","imss_code_` + spelling + `":"C417***210"}]}}`
		r, err := webhook.DecodeTD([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		w := r.Work
		if r.SequenceID != "1699272744735016I303341798930550" || r.Name != "David HE" || r.WorkingWeek != "200" || len(w) != 1 ||
			w[0].State != "MÉXICO" || w[0].Workplace != "CAPITAL ARRECIFE" || w[0].IMSSCode != "C417***210" || w[0].DailySalary != "$334.26" {
			t.Errorf("%s: %+v", spelling, r)
		}
	}
}

func TestDecodeBelvoAndPalenca(t *testing.T) {
	b, err := webhook.DecodeBelvo([]byte(`{"webhook_id":"03d1ca0d62db4f769488265d141047b7","webhook_type":"EMPLOYMENT_RECORDS",` +
		`"process_type":"historical_update","webhook_code":"historical_update","link_id":"2f5d361d-dad6-45d4-a0bf-26d479766067",` +
		`"request_id":"4363b08b","external_id":"your_external_id","data":{"total_employment_record_profiles":1}}`))
	if err != nil || b.LinkID != "2f5d361d-dad6-45d4-a0bf-26d479766067" || b.Records != 1 || b.ExternalID != "your_external_id" {
		t.Errorf("DecodeBelvo = %+v, %v", b, err)
	}
	if _, err := webhook.DecodeBelvo([]byte(`{"webhook_id":"w","webhook_type":"T","webhook_code":"c","data":{"total_employment_record_profiles":1.5}}`)); err == nil {
		t.Error("DecodeBelvo accepted a fractional count")
	}
	p, err := webhook.DecodePalenca([]byte(`{"webhook_action":"login.success","data":{"user_id":"u-1","account_id":"a-1"},"webhook_id":"w-9"}`))
	if err != nil || p.WebhookID != "w-9" || p.UserID != "u-1" || p.AccountID != "a-1" {
		t.Errorf("DecodePalenca = %+v, %v", p, err)
	}
}

func TestIDOf(t *testing.T) {
	a, b := webhook.IDOf(webhook.TD, "1:OK"), webhook.IDOf(webhook.Belvo, "1:OK")
	if a == b || a != webhook.IDOf(webhook.TD, "1:OK") || len(a) != 28 || !strings.HasPrefix(a, "evt_") {
		t.Errorf("IDOf = %s, %s", a, b)
	}
}
