package webhook

// The payloads, as far as this project reads them. Unknown fields are
// ignored; what the processors and the verify function need is named.

// ShippingUpdate is Pomelo's shipment notification: a hint, processing
// fetches the shipment itself.
type ShippingUpdate struct {
	ShipmentID  string
	ResourceURL string
}

// ActivityNotice is Pomelo Core's ACTIVITY_CREATED / ACTIVITY_UPDATED.
type ActivityNotice struct {
	Type           string
	Version        string
	IdempotencyKey string
	Datetime       string
	Activity       Activity
}

// Activity is the account activity a notice describes. Raw is its JSON as
// sent, which is what gets stored.
type Activity struct {
	ID          string // activity.id, else activity.origin_tx_id
	OriginTxID  string
	Type        string
	EntryType   string
	TotalAmount string // the decimal text as sent: never a float
	Result      string
	CreatedAt   string
	UpdatedAt   string
	Raw         []byte
}

// IdentityNotice is Pomelo's identity-session-completed.
type IdentityNotice struct {
	EventID        string
	IdempotencyKey string
	SessionID      string
	SessionStatus  string
}

// TDResult is TD's income push (and its query interface's data).
type TDResult struct {
	SequenceID     string
	Result         string // OK or ERROR
	Message        string
	Name           string
	WorkingWeek    string
	ReinstatedWeek string
	DiscountedWeek string
	Work           []TDWork
}

// TDWork is one job of work_detail. TD's push example spells the workplace
// fields "workpalce"; both spellings are read.
type TDWork struct {
	StartDate   string
	EndDate     string // "Vigente" for the current job
	DailySalary string // "$334.26" as sent
	State       string
	Workplace   string
	IMSSCode    string
}

// BelvoNotice is a Belvo webhook, historical_update of EMPLOYMENT_RECORDS
// among others.
type BelvoNotice struct {
	WebhookID   string
	WebhookType string
	WebhookCode string
	ProcessType string
	LinkID      string
	RequestID   string
	ExternalID  string
	// Records is data.total_employment_record_profiles, -1 when absent.
	Records int64
}

// PalencaNotice is a Palenca webhook.
type PalencaNotice struct {
	Action    string // webhook_action
	WebhookID string // data.webhook_id, else webhook_id
	UserID    string
	AccountID string
}
