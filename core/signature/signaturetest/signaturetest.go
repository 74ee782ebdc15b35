// Package signaturetest loads the signature known-answer vectors kept in
// core/signature/testdata, so that the native tests and the WebAssembly
// tests check the same answers.
package signaturetest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
)

// Vector is one known answer. Pomelo vectors ("pomelo-hmac-sha256") use the
// first group of fields, TD vectors ("td-hmac-sha1") the second.
type Vector struct {
	Scheme string `json:"scheme"`

	APIKey          string `json:"api_key"`
	APISecretBase64 string `json:"api_secret_base64"`
	Timestamp       string `json:"timestamp"`
	Endpoint        string `json:"endpoint"`
	Body            string `json:"body"`
	XSignature      string `json:"x_signature"`

	PartnerCode  string `json:"partner_code"`
	AccessKey    string `json:"access_key"`
	AccessSecret string `json:"access_secret"`
	SignHex      string `json:"sign_hex"`
	SignBase64   string `json:"sign_base64"`
}

// Load reads every *.json vector file in dir.
func Load(dir string) ([]Vector, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("signaturetest: no vector files in " + dir)
	}
	var all []Vector
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var vs []Vector
		if err := json.Unmarshal(b, &vs); err != nil {
			return nil, errors.New("signaturetest: " + f + ": " + err.Error())
		}
		all = append(all, vs...)
	}
	return all, nil
}
