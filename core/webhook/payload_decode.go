package webhook

import (
	"strconv"

	"github.com/tidwall/gjson"
)

// DecodeShipping reads a shipping update.
func DecodeShipping(body []byte) (ShippingUpdate, error) {
	r, err := readerOf(body)
	if err != nil {
		return ShippingUpdate{}, err
	}
	u := ShippingUpdate{ShipmentID: r.id("shipment_id"), ResourceURL: r.str("meta.resource_url")}
	return u, r.err
}

// DecodeActivity reads an activity notice.
func DecodeActivity(body []byte) (ActivityNotice, error) {
	r, err := readerOf(body)
	if err != nil {
		return ActivityNotice{}, err
	}
	n := ActivityNotice{
		Type: r.required("type"), Version: r.str("version"),
		IdempotencyKey: r.id("idempotency_key"), Datetime: r.str("datetime"),
	}
	a := &n.Activity
	if act := r.root.Get("activity"); act.Exists() && act.Type != gjson.Null {
		if !act.IsObject() {
			r.fail("activity must be an object")
			return n, r.err
		}
		a.Raw = []byte(act.Raw)
	}
	a.ID, a.OriginTxID = r.optionalID("activity.id"), r.optionalID("activity.origin_tx_id")
	if a.ID == "" {
		a.ID = a.OriginTxID
	}
	a.Type, a.EntryType, a.Result = r.str("activity.type"), r.str("activity.entry_type"), r.str("activity.result")
	a.TotalAmount = r.decimal("activity.total_amount")
	a.CreatedAt, a.UpdatedAt = r.str("activity.created_at"), r.str("activity.updated_at")
	return n, r.err
}

// DecodeIdentity reads an identity-session notice.
func DecodeIdentity(body []byte) (IdentityNotice, error) {
	r, err := readerOf(body)
	if err != nil {
		return IdentityNotice{}, err
	}
	n := IdentityNotice{
		EventID: r.required("event_id"), IdempotencyKey: r.id("idempotency_key"),
		SessionID: r.optionalID("session.id"), SessionStatus: r.str("session.status"),
	}
	return n, r.err
}

// DecodeTD reads TD's income push.
func DecodeTD(body []byte) (TDResult, error) {
	r, err := readerOf(body)
	if err != nil {
		return TDResult{}, err
	}
	res := TDResult{
		SequenceID: r.id("sequence_id"), Result: r.required("result"), Message: r.str("message"),
		Name:           r.str("social_security_info.name"),
		WorkingWeek:    r.str("social_security_info.working_time_detail.working_week"),
		ReinstatedWeek: r.str("social_security_info.working_time_detail.reinstated_week"),
		DiscountedWeek: r.str("social_security_info.working_time_detail.discounted_week"),
	}
	work := r.root.Get("social_security_info.work_detail")
	if work.Exists() && work.Type != gjson.Null && !work.IsArray() {
		r.fail("social_security_info.work_detail must be a list")
	}
	work.ForEach(func(_, v gjson.Result) bool {
		w := reader{root: v}
		if !v.IsObject() {
			r.fail("social_security_info.work_detail[] must be an object")
			return false
		}
		res.Work = append(res.Work, TDWork{
			StartDate: w.str("start_date"), EndDate: w.str("end_date"), DailySalary: w.str("daily_salary"),
			State:     w.either("state_workplace", "state_workpalce"),
			Workplace: w.either("name_workplace", "name_workpalce"),
			IMSSCode:  w.either("imss_code_workplace", "imss_code_workpalce"),
		})
		if w.err != nil {
			r.fail("social_security_info.work_detail[]: " + w.err.Error())
		}
		return r.err == nil
	})
	return res, r.err
}

// DecodeBelvo reads a Belvo webhook.
func DecodeBelvo(body []byte) (BelvoNotice, error) {
	r, err := readerOf(body)
	if err != nil {
		return BelvoNotice{}, err
	}
	n := BelvoNotice{
		WebhookID: r.id("webhook_id"), WebhookType: r.required("webhook_type"), WebhookCode: r.required("webhook_code"),
		ProcessType: r.str("process_type"), LinkID: r.optionalID("link_id"), RequestID: r.str("request_id"),
		ExternalID: r.optionalID("external_id"), Records: -1,
	}
	switch v := r.root.Get("data.total_employment_record_profiles"); v.Type {
	case gjson.Number:
		count, err := strconv.ParseInt(v.Raw, 10, 32)
		if err != nil || count < 0 {
			r.fail("data.total_employment_record_profiles must be a whole number")
		}
		n.Records = count
	case gjson.Null:
	default:
		r.fail("data.total_employment_record_profiles must be a number")
	}
	return n, r.err
}

// DecodePalenca reads a Palenca webhook.
func DecodePalenca(body []byte) (PalencaNotice, error) {
	r, err := readerOf(body)
	if err != nil {
		return PalencaNotice{}, err
	}
	n := PalencaNotice{
		Action: r.required("webhook_action"), WebhookID: r.optionalID("data.webhook_id"),
		UserID: r.optionalID("data.user_id"), AccountID: r.optionalID("data.account_id"),
	}
	if n.WebhookID == "" {
		n.WebhookID = r.optionalID("webhook_id")
	}
	return n, r.err
}

func readerOf(body []byte) (*reader, error) {
	root, err := object(body)
	if err != nil {
		return nil, err
	}
	return &reader{root: root}, nil
}

// either returns the string at the first path present.
func (r *reader) either(paths ...string) string {
	for _, p := range paths {
		if r.root.Get(p).Exists() {
			return r.str(p)
		}
	}
	return ""
}

// decimal returns a number or numeric string as its text, never a float.
func (r *reader) decimal(path string) string {
	v := r.root.Get(path)
	switch v.Type {
	case gjson.Number:
		return v.Raw
	case gjson.String:
		return v.Str
	case gjson.Null:
		return ""
	}
	r.fail(path + " must be a number or a numeric string")
	return ""
}
