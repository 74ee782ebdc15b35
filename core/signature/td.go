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

// VerifyTD checks a TD sign value in lower- or upper-case hex or in base64 and
// reports which encoding matched. It fails with ErrBadBase64 when sign is in
// none of them, and ErrNoMatch when it decodes but differs.
func VerifyTD(sign, partnerCode, timestamp, accessKey, accessSecret string) (Encoding, error) {
	want := TDSum(partnerCode, timestamp, accessKey, accessSecret)
	var (
		got []byte
		enc Encoding
	)
	if len(sign) == 2*sha1.Size {
		if b, ok := text.DecodeHex(sign); ok {
			got, enc = b, EncodingHexLower
			if strings.ToLower(sign) != sign {
				enc = EncodingHexUpper
			}
		}
	}
	if got == nil {
		b, err := base64.StdEncoding.Strict().DecodeString(sign)
		if err != nil || strings.ContainsAny(sign, "\r\n") {
			return "", ErrBadBase64
		}
		got, enc = b, EncodingBase64
	}
	if !hmac.Equal(got, want) {
		return "", ErrNoMatch
	}
	return enc, nil
}

// TDSigns returns the sign TD would send for these inputs, in lower-case hex
// and in base64.
func TDSigns(partnerCode, timestamp, accessKey, accessSecret string) (hexSign, base64Sign string) {
	mac := TDSum(partnerCode, timestamp, accessKey, accessSecret)
	return string(text.AppendHex(nil, mac)), base64.StdEncoding.EncodeToString(mac)
}
