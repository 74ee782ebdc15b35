package pomelo

import "encoding/json"

// Status is the answer's status.
type Status string

// The two statuses of an authorization answer.
const (
	Approved Status = "APPROVED"
	Rejected Status = "REJECTED"
)

// StatusDetail says why, from the enumeration Pomelo accepts.
type StatusDetail string

// The status details an authorization answer may carry.
const (
	DetailApproved          StatusDetail = "APPROVED"
	DetailInsufficientFunds StatusDetail = "INSUFFICIENT_FUNDS"
	DetailInvalidMerchant   StatusDetail = "INVALID_MERCHANT"
	DetailInvalidAmount     StatusDetail = "INVALID_AMOUNT"
	DetailSystemError       StatusDetail = "SYSTEM_ERROR"
	DetailOther             StatusDetail = "OTHER"
)

// Answer is the body of an authorization response.
type Answer struct {
	Status       Status       `json:"status"`
	Message      string       `json:"message"`
	StatusDetail StatusDetail `json:"status_detail"`
}

// Encode renders the answer as compact JSON.
func (a Answer) Encode() []byte {
	b, _ := json.Marshal(a) // three strings: cannot fail
	return b
}
