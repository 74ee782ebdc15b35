package pomelo

import (
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// DecodeAuthorization parses an authorization or adjustment body. It fails
// with an error wrapping ErrPayload when the body is not one valid JSON
// object (text.CheckJSON: a key repeated at any depth is refused), a field
// has the wrong JSON type, transaction.id, transaction.type, user.id or
// amount.local is missing, the type is unknown, a reversal names no
// original, an amount is not an exact decimal of its currency, or an
// identifier is longer than storable.MaxID.
//
// It reads the body in one pass with gjson: this runs on every card swipe,
// and encoding/json's reflection was half of the whole decision's time.
func DecodeAuthorization(body []byte) (Authorization, error) {
	if err := text.CheckJSON(body); err != nil {
		return Authorization{}, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return Authorization{}, fmt.Errorf("%w: body must be a JSON object", ErrPayload)
	}
	var (
		a   Authorization
		err error
	)
	d := decoder{err: &err}
	t, m, c, in := &a.Transaction, &a.Merchant, &a.Card, &Installments{}
	var txType string
	root.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "transaction":
			d.strings("transaction", v, []field{
				{"id", &t.ID}, {"type", &txType}, {"point_type", &t.PointType}, {"entry_mode", &t.EntryMode},
				{"country_code", &t.CountryCode}, {"origin", &t.Origin},
				{"original_transaction_id", &t.OriginalTransactionID}, {"local_date_time", &t.LocalDateTime},
			})
		case "merchant":
			d.strings("merchant", v, []field{{"id", &m.ID}, {"mcc", &m.MCC}, {"address", &m.Address}, {"name", &m.Name}})
		case "card":
			d.strings("card", v, []field{{"id", &c.ID}, {"product_type", &c.ProductType}, {"provider", &c.Provider}, {"last_four", &c.LastFour}})
		case "installments":
			if v.Type != gjson.Null {
				a.Installments = in
				d.strings("installments", v, []field{{"quantity", &in.Quantity}, {"credit_type", &in.CreditType}, {"grace_period", &in.GracePeriod}})
			}
		case "user":
			d.strings("user", v, []field{{"id", &a.User.ID}})
		case "amount":
			d.amounts(v, &a.Amount)
		}
		return err == nil
	})
	t.Type = TransactionType(txType)
	if err != nil {
		return Authorization{}, err
	}
	if err := a.check(); err != nil {
		return Authorization{}, err
	}
	return a, nil
}

func (a *Authorization) check() error {
	switch {
	case a.Transaction.ID == "":
		return fmt.Errorf("%w: transaction.id is required", ErrPayload)
	case a.Transaction.Type == "":
		return fmt.Errorf("%w: transaction.type is required", ErrPayload)
	case !a.Transaction.Type.Known():
		return fmt.Errorf("%w: transaction.type %q is not a known type", ErrPayload, a.Transaction.Type)
	case a.User.ID == "":
		return fmt.Errorf("%w: user.id is required", ErrPayload)
	case a.Amount.Local == nil:
		return fmt.Errorf("%w: amount.local is required", ErrPayload)
	}
	if _, ok := a.Transaction.Type.Reverses(); ok && a.Transaction.OriginalTransactionID == "" {
		return fmt.Errorf("%w: %s needs transaction.original_transaction_id", ErrPayload, a.Transaction.Type)
	}
	// These become parts of store keys.
	for _, id := range [...]struct{ name, v string }{
		{"transaction.id", a.Transaction.ID},
		{"transaction.original_transaction_id", a.Transaction.OriginalTransactionID},
		{"user.id", a.User.ID},
	} {
		if err := storable.CheckID(id.name, id.v); err != nil {
			return fmt.Errorf("%w: %w", ErrPayload, err)
		}
	}
	return nil
}

// decoder records the first error of a decoding pass; later calls do nothing.
type decoder struct{ err *error }

func (d decoder) fail(format string, args ...any) {
	if *d.err == nil {
		*d.err = fmt.Errorf("%w: "+format, append([]any{ErrPayload}, args...)...)
	}
}

// field names a string member of an object and where it goes.
type field struct {
	name string
	dst  *string
}

// strings reads the string members of object name that fields list,
// ignoring others.
func (d decoder) strings(name string, v gjson.Result, fields []field) {
	d.object(name, v, func(k string, v gjson.Result) {
		for _, f := range fields {
			if f.name == k {
				d.member(name, k, v, f.dst)
				return
			}
		}
	})
}

func (d decoder) object(name string, v gjson.Result, field func(k string, v gjson.Result)) {
	if v.Type == gjson.Null {
		return
	}
	if !v.IsObject() {
		d.fail("%s must be an object", name)
		return
	}
	v.ForEach(func(k, v gjson.Result) bool {
		field(k.Str, v)
		return *d.err == nil
	})
}

// member is str for member k of object name, naming it only on failure.
func (d decoder) member(name, k string, v gjson.Result, dst *string) {
	if v.Type == gjson.String || v.Type == gjson.Null {
		d.str("", v, dst)
		return
	}
	d.fail("%s.%s must be a string", name, k)
}

func (d decoder) str(name string, v gjson.Result, dst *string) {
	switch v.Type {
	case gjson.String:
		*dst = v.Str
	case gjson.Null:
	default:
		d.fail("%s must be a string", name)
	}
}

// decimal returns the text of member key of object obj, a JSON number or a
// numeric string.
func (d decoder) decimal(obj, key string, v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.Number:
		return v.Raw, true
	case gjson.String:
		return v.Str, true
	}
	d.fail("%s.%s must be a number or a numeric string", obj, key)
	return "", false
}

func (d decoder) money(obj, key string, v gjson.Result, currency string) money.Amount {
	text, ok := d.decimal(obj, key, v)
	if !ok {
		return money.Amount{}
	}
	a, err := money.Parse(text, currency)
	if err != nil {
		d.fail("%s.%s: %v", obj, key, err)
	}
	return a
}

func (d decoder) amounts(v gjson.Result, dst *Amounts) {
	d.object("amount", v, func(k string, v gjson.Result) {
		switch k {
		case "local":
			dst.Local = d.total("amount.local", v)
		case "transaction":
			dst.Transaction = d.total("amount.transaction", v)
		case "settlement":
			dst.Settlement = d.total("amount.settlement", v)
		case "details":
			if v.Type == gjson.Null {
				return
			}
			if !v.IsArray() {
				d.fail("amount.details must be a list")
				return
			}
			dst.Details = []Detail{}
			v.ForEach(func(_, v gjson.Result) bool {
				dst.Details = append(dst.Details, d.detail(v))
				return *d.err == nil
			})
		}
	})
}

func (d decoder) total(name string, v gjson.Result) *Total {
	if v.Type == gjson.Null {
		return nil
	}
	if !v.IsObject() {
		d.fail("%s must be an object", name)
		return nil
	}
	// Direct lookups rather than a member callback: this runs three times a
	// request, and the callback's captured state would be heap-allocated.
	var cur string
	d.member(name, "currency", v.Get("currency"), &cur)
	total := v.Get("total")
	if *d.err != nil {
		return nil
	}
	if !total.Exists() {
		d.fail("%s.total is required", name)
		return nil
	}
	return &Total{d.money(name, "total", total, cur)}
}

func (d decoder) detail(v gjson.Result) Detail {
	var det Detail
	var amount, currency gjson.Result
	d.object("amount.details[]", v, func(k string, v gjson.Result) {
		switch k {
		case "type":
			d.str("amount.details[].type", v, &det.Type)
		case "name":
			d.str("amount.details[].name", v, &det.Name)
		case "amount":
			amount = v
		case "currency":
			currency = v
		}
	})
	var cur string
	d.str("amount.details[].currency", currency, &cur)
	if *d.err != nil {
		return det
	}
	if !amount.Exists() {
		d.fail("amount.details[].amount is required")
		return det
	}
	det.Amount = d.money("amount.details[]", "amount", amount, cur)
	return det
}
