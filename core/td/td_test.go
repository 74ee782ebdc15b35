package td_test

import (
	"errors"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/core/td"
)

// The known answer of shared/testvectors (also in core/signature/testdata).
const (
	partner    = "demo_partner"
	accessKey  = "ak_1234567890"
	secret     = "td-access-secret-demo"
	timestamp  = "1699272744735"
	signHex    = "83f8b722d28844a4050f75f7a2c3019ca92288eb"
	signBase64 = "g/i3ItKIRKQFD3X3osMBnKkiiOs="
)

var scheme = td.Scheme{PartnerCode: partner, Keys: []td.Key{{accessKey, secret}}}

func called(ts, key, sign string) string {
	return "/webhooks/td?partner_code=" + partner + "&timestamp=" + ts + "&access_key=" + key + "&sign=" + sign
}

var signedAt = time.UnixMilli(1699272744735)

func TestKnownAnswers(t *testing.T) {
	mac, _, _ := signature.DecodeTDSign(signHex)
	for _, tc := range []struct {
		name, sign, auth string
	}{
		{"lower hex", signHex, "td-hmac-sha1 hex-lower"},
		{"upper hex", strings.ToUpper(signHex), "td-hmac-sha1 hex-upper"},
		{"mixed case hex", strings.ToUpper(signHex[:20]) + signHex[20:], "td-hmac-sha1 hex-upper"},
		{"base64", url.QueryEscape(signBase64), "td-hmac-sha1 base64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := scheme.Authenticate(inbound.Delivery{Called: called(timestamp, accessKey, tc.sign)}, signedAt.Add(time.Minute))
			if err != nil || p.Auth != tc.auth || !p.Hint || string(p.Sign) != string(mac) {
				t.Errorf("Authenticate = %+v, %v; want %s, a hint, the decoded MAC", p, err, tc.auth)
			}
		})
	}
}

// TestSignPlusAsSpace: a base64 sign whose '+' TD sent unescaped arrives as
// a space and still verifies, as the same MAC.
func TestSignPlusAsSpace(t *testing.T) {
	for ms := int64(1699272744735); ; ms++ {
		ts := strconv.FormatInt(ms, 10)
		_, b64 := signature.TDSigns(partner, ts, accessKey, secret)
		if !strings.Contains(b64, "+") {
			continue
		}
		raw := strings.ReplaceAll(strings.ReplaceAll(b64, "/", "%2F"), "=", "%3D") // '+' left as sent
		p, err := scheme.Authenticate(inbound.Delivery{Called: called(ts, accessKey, raw)}, time.UnixMilli(ms))
		escaped, err2 := scheme.Authenticate(inbound.Delivery{Called: called(ts, accessKey, url.QueryEscape(b64))}, time.UnixMilli(ms))
		if err != nil || err2 != nil || string(p.Sign) != string(escaped.Sign) {
			t.Fatalf("sign %s: unescaped %v, escaped %v, MACs %x %x", b64, err, err2, p.Sign, escaped.Sign)
		}
		return
	}
}

// TestRotation: during the overlap window both the old and the new key (or
// secret) verify; before it only the old, after it only the new.
func TestRotation(t *testing.T) {
	sign := func(key, sec string) string {
		h, _ := signature.TDSigns(partner, timestamp, key, sec)
		return h
	}
	for _, tc := range []struct {
		name      string
		keys      []td.Key
		oldOK     bool
		newKeyOK  bool
		newSecret bool
	}{
		{"before", []td.Key{{accessKey, secret}}, true, false, false},
		{"overlap", []td.Key{{"ak_new", "new-secret"}, {accessKey, secret}, {accessKey, "rotated-secret"}}, true, true, true},
		{"after", []td.Key{{"ak_new", "new-secret"}}, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := td.Scheme{PartnerCode: partner, Keys: tc.keys}
			for _, c := range []struct {
				key, sign string
				want      bool
			}{
				{accessKey, sign(accessKey, secret), tc.oldOK},
				{"ak_new", sign("ak_new", "new-secret"), tc.newKeyOK},
				{accessKey, sign(accessKey, "rotated-secret"), tc.newSecret},
			} {
				_, err := s.Authenticate(inbound.Delivery{Called: called(timestamp, c.key, c.sign)}, signedAt)
				if (err == nil) != c.want {
					t.Errorf("key %s: err = %v, want accepted %v", c.key, err, c.want)
				}
			}
		})
	}
}

func TestKeys(t *testing.T) {
	keys, err := td.Keys([]string{"a"}, []string{"s1", "s2"})
	if err != nil || len(keys) != 2 || keys[1] != (td.Key{"a", "s2"}) {
		t.Errorf("one key, two secrets: %v, %v", keys, err)
	}
	keys, err = td.Keys([]string{"a", "b"}, []string{"s1", "s2"})
	if err != nil || keys[1] != (td.Key{"b", "s2"}) {
		t.Errorf("pairs: %v, %v", keys, err)
	}
	if _, err := td.Keys([]string{"a", "b"}, []string{"s1", "s2", "s3"}); err == nil {
		t.Error("two keys and three secrets accepted")
	}
}

// TestRefusals: every signed part changed, every clock out of tolerance and
// an unset credential is refused with its own error and code.
func TestRefusals(t *testing.T) {
	ok := called(timestamp, accessKey, signHex)
	for _, tc := range []struct {
		name   string
		scheme td.Scheme
		called string
		now    time.Time
		want   error
		code   outcome.Code
	}{
		{"partner code", scheme, strings.Replace(ok, partner, "other", 1), signedAt, td.ErrUnknownKey, outcome.UnknownCredential},
		{"access key", scheme, strings.Replace(ok, accessKey, "ak_other", 1), signedAt, td.ErrUnknownKey, outcome.UnknownCredential},
		{"sign", scheme, called(timestamp, accessKey, "00"+signHex[2:]), signedAt, td.ErrSignMismatch, "SIGNATURE_MISMATCH"},
		{"sign garbage", scheme, called(timestamp, accessKey, "!!"), signedAt, td.ErrSignEncoding, outcome.SignatureEncoding},
		{"sign of another length", scheme, called(timestamp, accessKey, "AAAA"), signedAt, td.ErrSignEncoding, outcome.SignatureEncoding},
		{"stale", scheme, ok, signedAt.Add(11 * time.Minute), signature.ErrTooOld, "TIMESTAMP_TOO_OLD"},
		{"future", scheme, ok, signedAt.Add(-11 * time.Minute), signature.ErrTooNew, "TIMESTAMP_TOO_NEW"},
		{"timestamp not millis", scheme, strings.Replace(ok, timestamp, "1e12", 1), signedAt, td.ErrTimestamp, outcome.TimestampMalformed},
		{"missing sign", scheme, strings.TrimSuffix(ok, "&sign="+signHex), signedAt, td.ErrMissingParameter, outcome.MissingParameter},
		{"repeated sign", scheme, ok + "&sign=" + signHex, signedAt, td.ErrMissingParameter, outcome.MissingParameter},
		{"unset", td.Scheme{}, ok, signedAt, inbound.ErrNotConfigured, outcome.CredentialNotSet},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.scheme.Authenticate(inbound.Delivery{Called: tc.called}, tc.now)
			if !errors.Is(err, tc.want) || inbound.CodeOf(err) != tc.code {
				t.Errorf("err = %v (code %s), want %v (code %s)", err, inbound.CodeOf(err), tc.want, tc.code)
			}
		})
	}
}

// TestSeedExamples decodes and names TD's push examples (001), verbatim.
func TestSeedExamples(t *testing.T) {
	ok := read(t, "push-ok.json")
	r, err := td.DecodeReport(ok)
	if err != nil || r.SequenceID != "1699272744735016I303341798930550" || r.Name != "David HE" || r.Contributed != "200" || len(r.Work) != 2 ||
		r.Work[0].State != "MÉXICO" || r.Work[0].Workplace != "CAPITAL ARRECIFE" || r.Work[1].IMSSCode != "Y64****210" || r.Work[0].DailySalary != "$334.26" {
		t.Errorf("DecodeReport(push-ok) = %+v, %v", r, err)
	}
	n, err := td.Name(ok)
	if err != nil || n.Type != "OK" || n.Key != "1699272744735016I303341798930550:OK" || !n.Known ||
		len(n.Subjects) == 0 || n.Subjects[0] != "td:1699272744735016I303341798930550" {
		t.Errorf("Name(push-ok) = %+v, %v", n, err)
	}
	r, err = td.DecodeReport(read(t, "push-error.json"))
	if err != nil || r.Result != "ERROR" || r.Message != "Invalid Social Security Number status" || len(r.Work) != 0 {
		t.Errorf("DecodeReport(push-error) = %+v, %v", r, err)
	}
	// The query interface spells the workplace fields correctly.
	r, err = td.DecodeReport([]byte(`{"sequence_id":"1","result":"OK","social_security_info":{"work_detail":[{"name_workplace":"X","state_workplace":"Y"}]}}`))
	if err != nil || r.Work[0].Workplace != "X" || r.Work[0].State != "Y" {
		t.Errorf("DecodeReport(workplace) = %+v, %v", r, err)
	}
}

func TestNameRefuses(t *testing.T) {
	for _, body := range []string{`{"result":"OK"}`, `{"sequence_id":"1","result":7}`, `{"sequence_id":"1","result":"OK","result":"ERROR"}`,
		`{"sequence_id":"` + strings.Repeat("9", 481) + `","result":"OK"}`, `{"sequence_id":"\ud800","result":"OK"}`, `[]`} {
		if _, err := td.Name([]byte(body)); !errors.Is(err, inbound.ErrPayload) {
			t.Errorf("Name(%.40s) err = %v, want ErrPayload", body, err)
		}
	}
}

func TestReplies(t *testing.T) {
	if a := (td.Replies{}).Acknowledged(); a.Status != 200 || string(a.Body) != `{"code":200,"message":""}` {
		t.Errorf("Acknowledged = %d %s", a.Status, a.Body)
	}
	if a := (td.Replies{}).Refused(outcome.UnknownCredential, `no "key"`); a.Status != 401 || string(a.Body) != `{"code":401,"message":"no \"key\""}` {
		t.Errorf("Refused = %d %s", a.Status, a.Body)
	}
}

// FuzzQuery: the query parser never panics, and what it accepts has each
// of the four parameters once, non-empty.
func FuzzQuery(f *testing.F) {
	f.Add(called(timestamp, accessKey, signHex))
	f.Add("/webhooks/td?partner_code=a&partner_code=b&timestamp=1&access_key=k&sign=s")
	f.Add("/webhooks/td?%zz")
	f.Fuzz(func(t *testing.T, c string) {
		q, err := td.Query(c)
		// The scheme runs the parser first: it must not panic either.
		scheme.Authenticate(inbound.Delivery{Called: c}, signedAt)
		if err != nil {
			if !errors.Is(err, td.ErrMissingParameter) {
				t.Fatalf("err = %v, not ErrMissingParameter", err)
			}
			return
		}
		for _, name := range td.Parameters {
			if q[name] == "" {
				t.Fatalf("accepted %q without %s", c, name)
			}
		}
	})
}

// FuzzName: naming and decoding any body never panics, fails only with
// ErrPayload, and a named push has a type and a key.
func FuzzName(f *testing.F) {
	f.Add(read(f, "push-ok.json"))
	f.Add(read(f, "push-error.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := td.Name(body)
		if err != nil {
			if !errors.Is(err, inbound.ErrPayload) {
				t.Fatalf("Name err = %v, not ErrPayload", err)
			}
			return
		}
		if n.Type == "" || n.Key == "" {
			t.Fatalf("Name(%q) = %+v", body, n)
		}
		if _, err := td.DecodeReport(body); err != nil && !errors.Is(err, inbound.ErrPayload) {
			t.Fatalf("DecodeReport err = %v", err)
		}
	})
}

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
