package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// Encoding names how a TD sign parameter was written.
type Encoding string

// The encodings VerifyTD accepts, since TD's document does not say which it uses.
const (
	EncodingHexLower Encoding = "hex-lower"
	EncodingHexUpper Encoding = "hex-upper"
	EncodingBase64   Encoding = "base64"
)

// TDSum returns HmacSHA1(partnerCode + timestamp + accessKey) keyed with the
// access secret's UTF-8 bytes, as TD signs its income-verification pushes.
func TDSum(partnerCode, timestamp, accessKey, accessSecret string) []byte {
	m := hmac.New(sha1.New, []byte(accessSecret))
	m.Write([]byte(partnerCode))
	m.Write([]byte(timestamp))
	m.Write([]byte(accessKey))
	return m.Sum(nil)
}

// VerifyTD checks a TD sign value (see DecodeTDSign) and reports which
// encoding matched. It fails with ErrBadBase64 when sign is in none of them,
// and ErrNoMatch when it decodes but differs.
func VerifyTD(sign, partnerCode, timestamp, accessKey, accessSecret string) (Encoding, error) {
	got, enc, err := DecodeTDSign(sign)
	if err != nil {
		return "", err
	}
	if !hmac.Equal(got, TDSum(partnerCode, timestamp, accessKey, accessSecret)) {
		return "", ErrNoMatch
	}
	return enc, nil
}

// DecodeTDSign returns the MAC a TD sign value spells, in lower- or
// upper-case hex (mixed case reads as upper) or in base64, and which
// encoding it is. A space in a base64 sign is read as '+': TD's document
// does not say it escapes '+' in the query, where an unescaped '+' arrives
// as a space. It fails with ErrBadBase64 when sign spells no 20-byte MAC.
// Every spelling of one MAC decodes to the same bytes: bind those, not the
// text, to what the sign covers.
func DecodeTDSign(sign string) ([]byte, Encoding, error) {
	if len(sign) == 2*sha1.Size {
		if b, ok := text.DecodeHex(sign); ok {
			if strings.ToLower(sign) != sign {
				return b, EncodingHexUpper, nil
			}
			return b, EncodingHexLower, nil
		}
	}
	b, err := base64.StdEncoding.Strict().DecodeString(strings.ReplaceAll(sign, " ", "+"))
	if err != nil || len(b) != sha1.Size || strings.ContainsAny(sign, "\r\n") {
		return nil, "", ErrBadBase64
	}
	return b, EncodingBase64, nil
}

// TDSigns returns the sign TD would send for these inputs, in lower-case hex
// and in base64.
func TDSigns(partnerCode, timestamp, accessKey, accessSecret string) (hexSign, base64Sign string) {
	mac := TDSum(partnerCode, timestamp, accessKey, accessSecret)
	return string(text.AppendHex(nil, mac)), base64.StdEncoding.EncodeToString(mac)
}
