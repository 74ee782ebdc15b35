package settlement

import (
	"encoding/json"
	"math/big"
	"sort"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// Status is where a run stands.
type Status string

// Run statuses.
const (
	Running   Status = "RUNNING"
	Completed Status = "COMPLETED"
	Failed    Status = "FAILED"
)

// Summary is a run's report, the contract finance reads
// (reports/{yyyy}/{mm}/{dd}/summary.json and the API's answer).
type Summary struct {
	Date          string        `json:"date"`
	Status        Status        `json:"status"`
	Reason        string        `json:"reason,omitempty"`
	Inputs        []Input       `json:"inputs"`
	Replaces      []Input       `json:"replaces,omitempty"` // the inputs of the finished run whose ETags changed since
	Transactions  Counts        `json:"transactions"`
	Debts         []Debt        `json:"debts"`
	Presentations Presentations `json:"presentations"`
	// Anomalies are the first MaxAnomalies; AnomaliesTotal counts them
	// all, and exceptions.csv lists them all.
	Anomalies      []Anomaly   `json:"anomalies"`
	AnomaliesTotal int         `json:"anomalies_total"`
	Checkpoint     *Checkpoint `json:"checkpoint,omitempty"` // while RUNNING
}

// Input is one object a run read.
type Input struct {
	Key  string `json:"key"`
	ETag string `json:"etag"`
	Rows int    `json:"rows"`
}

// Counts are the transaction file's rows by rule, and our entries absent
// from it.
type Counts struct {
	Rows           int `json:"rows"`
	Matched        int `json:"matched"`
	AmountAdjusted int `json:"amount_adjusted"`
	Adjusted       int `json:"adjusted"`
	Held           int `json:"held"`
	ClientOnly     int `json:"client_only"`
	Malformed      int `json:"malformed"`
	// Refused counts the rows whose posting the ledger refused (a balance
	// past its bound): nothing moved for them.
	Refused int `json:"refused"`
	// Mismatch counts the rows that name another user or currency than
	// what the ledger holds for their transaction: nothing moved for them.
	Mismatch int `json:"mismatch"`
	// HeldCarried counts the transactions held on an earlier day that this
	// day's file does not have yet: they are no rows of it.
	HeldCarried int `json:"held_carried,omitempty"`
}

// count adds a row that came out by rule r.
func (c *Counts) count(r Rule) {
	c.Rows++
	switch r {
	case Matched:
		c.Matched++
	case AmountAdjusted:
		c.AmountAdjusted++
	case Adjusted:
		c.Adjusted++
	case HeldRow:
		c.Held++
	case Malformed:
		c.Malformed++
	case Refused:
		c.Refused++
	case Mismatch:
		c.Mismatch++
	}
}

// recount moves a row counted under from to to.
func (c *Counts) recount(from, to Rule) {
	c.count(to)
	c.Rows--
	switch from {
	case AmountAdjusted:
		c.AmountAdjusted--
	case Adjusted:
		c.Adjusted--
	}
}

// Debt is an account the run touched whose balance is below zero.
type Debt struct {
	UserID   string `json:"user_id"`
	Currency string `json:"currency"`
	Balance  string `json:"balance"`
}

// Presentations sums up the presentation file.
type Presentations struct {
	Rows                int            `json:"rows"`
	Debt                Totals         `json:"debt"`
	ByFunctionCode      map[string]int `json:"by_function_code"`
	Flagged             int            `json:"flagged"`
	ReversePresentments int            `json:"reverse_presentments"`
	InterchangeFees     Totals         `json:"interchange_fees"`
	Taxes               Totals         `json:"taxes"`
	Malformed           int            `json:"malformed"`
}

// Anomaly is something finance must look at.
type Anomaly struct {
	TransactionID string `json:"transaction_id"`
	Rule          Rule   `json:"rule"`
	Detail        string `json:"detail"`
	Line          int    `json:"line,omitempty"` // of a MALFORMED row
}

// Checkpoint is how far a run that has not finished got.
type Checkpoint struct {
	Rows   int   `json:"rows"`   // data rows of the transaction file done
	Offset int64 `json:"offset"` // the byte just past the last of them
	Line   int   `json:"line"`   // the line number at Offset
	Parts  int   `json:"parts"`  // report parts written
	Done   bool  `json:"done"`   // the whole transaction file is applied
}

// Totals are exact sums per currency. Any number of amounts adds up without
// overflow: the sums are arbitrary-precision integers of minor units.
type Totals map[string]*big.Int

// add adds minor units of currency.
func (t Totals) add(currency string, minor int64) {
	s, ok := t[currency]
	if !ok {
		s = new(big.Int)
		t[currency] = s
	}
	var v big.Int
	s.Add(s, v.SetInt64(minor))
}

// MarshalJSON writes each total as a decimal string in its currency's
// decimals ({"ARS":"-12.50"}).
func (t Totals) MarshalJSON() ([]byte, error) {
	out := make(map[string]string, len(t))
	for cur, v := range t {
		exp, _ := money.Exponent(cur)
		out[cur] = formatBig(v, exp)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (t *Totals) UnmarshalJSON(b []byte) error {
	var in map[string]string
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*t = make(Totals, len(in))
	for cur, s := range in {
		v, ok := new(big.Int).SetString(strings.Replace(s, ".", "", 1), 10)
		if !ok {
			return &json.UnsupportedValueError{Str: s}
		}
		(*t)[cur] = v
	}
	return nil
}

func formatBig(v *big.Int, exp int) string {
	digits := new(big.Int).Abs(v).String()
	sign := ""
	if v.Sign() < 0 {
		sign = "-"
	}
	if exp == 0 {
		return sign + digits
	}
	for len(digits) <= exp {
		digits = "0" + digits
	}
	return sign + digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
}

// sortDebts orders debts by user, then currency, so that the same run gives
// the same summary.
func sortDebts(d []Debt) {
	sort.Slice(d, func(i, j int) bool {
		if d[i].UserID != d[j].UserID {
			return d[i].UserID < d[j].UserID
		}
		return d[i].Currency < d[j].Currency
	})
}
