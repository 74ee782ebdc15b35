package inbound

import (
	"crypto/sha256"
	"errors"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// ErrPayload reports a body that is not the route's notification: not one
// JSON object (text.CheckJSON), a field of the wrong type, a required field
// missing, or an identifier longer than storable.MaxID.
var ErrPayload = errors.New("inbound: malformed payload")

// Fields reads the members of a notification's JSON object by path,
// keeping the first failure, which wraps ErrPayload.
type Fields struct {
	Root gjson.Result
	err  error
}

// Object checks body with text.CheckJSON and returns the Fields of the
// object it must be.
func Object(body []byte) (*Fields, error) {
	if err := text.CheckJSON(body); err != nil {
		return nil, text.Wrap(ErrPayload, err)
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return nil, text.Annotate(ErrPayload, "body must be a JSON object")
	}
	return &Fields{Root: root}, nil
}

// Within returns the Fields of v, a member already read.
func Within(v gjson.Result) *Fields { return &Fields{Root: v} }

// Err returns the first failure.
func (f *Fields) Err() error { return f.err }

// Fail records a failure, unless one is recorded already.
func (f *Fields) Fail(detail string) {
	if f.err == nil {
		f.err = text.Annotate(ErrPayload, detail)
	}
}

// Str returns the string at path, "" when it is absent or null, and fails
// when it is another JSON type.
func (f *Fields) Str(path string) string {
	v := f.Root.Get(path)
	switch v.Type {
	case gjson.String:
		return v.Str
	case gjson.Null:
		return ""
	}
	f.Fail(path + " must be a string")
	return ""
}

// Required is Str that fails when the string is absent or empty.
func (f *Fields) Required(path string) string {
	s := f.Str(path)
	if s == "" {
		f.Fail(path + " is required")
	}
	return s
}

// ID is a required identifier, bounded because it becomes part of keys.
func (f *Fields) ID(path string) string {
	s := f.Required(path)
	f.bound(path, s)
	return s
}

// OptionalID is an identifier that may be absent.
func (f *Fields) OptionalID(path string) string {
	s := f.Str(path)
	f.bound(path, s)
	return s
}

func (f *Fields) bound(path, s string) {
	if err := storable.CheckID(path, s); err != nil && f.err == nil {
		f.err = text.Wrap(ErrPayload, err)
	}
}

// Either returns the string at the first of paths present.
func (f *Fields) Either(paths ...string) string {
	for _, p := range paths {
		if f.Root.Get(p).Exists() {
			return f.Str(p)
		}
	}
	return ""
}

// Decimal returns a number or numeric string as its text, never a float.
func (f *Fields) Decimal(path string) string {
	v := f.Root.Get(path)
	switch v.Type {
	case gjson.Number:
		return v.Raw
	case gjson.String:
		return v.Str
	case gjson.Null:
		return ""
	}
	f.Fail(path + " must be a number or a numeric string")
	return ""
}

// BodySum is the lower-hex SHA-256 of body: the identifier of a
// notification that carries none of its own.
func BodySum(body []byte) string {
	sum := sha256.Sum256(body)
	return string(text.AppendHex(nil, sum[:]))
}

// Each calls read with the Fields of every object of the list at path,
// none when it is absent or null, and fails when it is not a list of
// objects or read fails.
func (f *Fields) Each(path string, read func(*Fields)) {
	v := f.Root.Get(path)
	if v.Exists() && v.Type != gjson.Null && !v.IsArray() {
		f.Fail(path + " must be a list")
		return
	}
	v.ForEach(func(_, item gjson.Result) bool {
		if !item.IsObject() {
			f.Fail(path + "[] must be an object")
			return false
		}
		w := Within(item)
		read(w)
		if w.err != nil {
			f.Fail(path + "[]: " + w.err.Error())
		}
		return f.err == nil
	})
}
