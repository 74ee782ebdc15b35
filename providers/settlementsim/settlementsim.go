// Package settlementsim is Pomelo's side of settlement: it writes a day's
// transaction and presentation files, in the layouts of Pomelo's document,
// together with the ledger entries our side would hold for them, with a
// chosen share of each case of the reconciliation table, and says what a
// reconciliation of them must count. The benchmarks, the tests and
// `go run ./cmd/settlementsim` share it.
package settlementsim

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// Mix is the share of each case, in rows per thousand; what is left of a
// thousand is MATCHED (approved on both sides, same amount).
type Mix struct {
	AmountAdjusted int // approved on both sides, the file's amount 1% to 10% more or less
	Approved       int // approved by Pomelo, never seen here (ADJUSTED: a debit)
	Undone         int // rejected by Pomelo, approved here (ADJUSTED: ours undone)
	RejectedBoth   int // rejected on both sides (MATCHED)
	Held           int // held by Pomelo, approved here
	Refunds        int // refunds approved on both sides (MATCHED)
	Malformed      int // an unknown TRANSACTION_TYPE
	ClientOnly     int // our approved entries of the day that the file lacks (not rows)
}

// Realistic is a day as most are: nearly everything matches.
var Realistic = Mix{AmountAdjusted: 10, Approved: 3, Undone: 2, RejectedBoth: 20, Held: 3, Refunds: 10, Malformed: 1, ClientOnly: 1}

// Spec says what day to write.
type Spec struct {
	Day   time.Time // its first instant, in the reconciliation's zone
	Rows  int       // data rows of the transaction file, besides Fund's
	Users int       // distinct users (Rows/20, at least 1, when zero)
	Seed  uint64
	Mix   Mix
	// Fund starts the day with a credit to every user, an adjustment that
	// the file has as an approved PAYMENT, for a ledger whose purchases need
	// funds (the local stack's API).
	Fund bool
}

// Funding is what Fund credits each user.
const Funding = 1_000_000_00

// Expect is what a reconciliation of the day must find.
type Expect struct {
	Counts        settlement.Counts
	Postings      int // reconciliation postings it must make
	Presentations int // rows of the presentation file
	Entries       int // ledger entries written before the run
}

// TransactionHeader is the transaction file's 29 columns, in the
// document's order.
const TransactionHeader = "TRANSACTION_ID,LOCAL_TRANSACTION_DATE_TIME,TRANSACTION_TYPE,PRODUCT_TYPE,PROVIDER,AFFINITY_GROUP_ID,USER_ID,CARD_ID,BIN,LAST_FOUR,ORIGIN,MERCHANT_ID,MERCHANT_MCC,MERCHANT_NAME,LOCAL_AMOUNT,LOCAL_CURRENCY,TRANSACTION_AMOUNT,TRANSACTION_CURRENCY,SETTLEMENT_AMOUNT,SETTLEMENT_CURRENCY,ENTRY_MODE,STATUS,STATUS_DETAIL,SOURCE,ORIGINAL_TRANSACTION_ID,COUNTRY_CODE,POINT_TYPE,CLIENT_NAME,CLIENT_COUNTRY_CODE"

// PresentationHeader is the presentation file's columns, in the document's
// order.
const PresentationHeader = "PRESENTMENT_ID,TRANSACTION_ID,LOCAL_TRANSACTION_DATE_TIME,TRANSACTION_TYPE,PRODUCT_TYPE,PROVIDER,AFFINITY_GROUP_ID,USER_ID,CARD_ID,BIN,LAST_FOUR,ORIGIN,MERCHANT_ID,MERCHANT_MCC,MERCHANT_NAME,TRANSACTION_AMOUNT,TRANSACTION_CURRENCY,SETTLEMENT_AMOUNT,SETTLEMENT_CURRENCY,DEBT_AMOUNT,DEBT_CURRENCY,RECONCILIATION_DATE,INTERCHANGE_FEE,INTERCHANGE_RATE,TAX,FUNCTION_CODE,REVERSE_PRESENTMENT,REASON_CODE,ICA_ACQUIRER,TAX_ID"

// kind is a case of the table.
type kind int

const (
	matched kind = iota
	amountAdjusted
	approved
	undone
	rejectedBoth
	held
	refund
	malformed
)

func (m Mix) pick(r *rand.Rand) kind {
	n := r.IntN(1000)
	for k, share := range []int{m.AmountAdjusted, m.Approved, m.Undone, m.RejectedBoth, m.Held, m.Refunds, m.Malformed} {
		if n < share {
			return kind(k + 1)
		}
		n -= share
	}
	return matched
}

// Write writes the day's transaction file to tx, its presentation file to
// pr, and gives entry each ledger entry our side holds before the run (the
// authorizations of the day, in the order they were made), and returns what
// the run must find. The same spec always writes the same day.
func Write(s Spec, tx, pr io.Writer, entry func(ledger.Entry) error) (Expect, error) {
	if s.Users <= 0 {
		s.Users = max(1, s.Rows/20)
	}
	r := rand.New(rand.NewPCG(s.Seed, uint64(s.Rows)))
	tw, pw := bufio.NewWriterSize(tx, 1<<20), bufio.NewWriterSize(pr, 1<<20)
	tw.WriteString(TransactionHeader + "\n")
	pw.WriteString(PresentationHeader + "\n")
	var e Expect
	var line []byte
	date := s.Day.Format("2006-01-02")
	for u := 0; s.Fund && u < s.Users; u++ {
		user, id := "user-"+strconv.Itoa(u), "fund-"+s.Day.Format("20060102")+"-"+strconv.Itoa(u)
		if err := entry(ledger.Entry{UserID: user, Currency: "ARS", TransactionID: id, Class: ledger.ClassAdjustmentCredit,
			Kind: "ADJUSTMENT_CREDIT", Amount: Funding, Status: ledger.Posted, CreatedAt: s.Day}); err != nil {
			return e, err
		}
		e.Entries++
		tw.Write(appendTransaction(line[:0], id, s.Day, "PAYMENT", user, Funding, settlement.Approved, "APPROVED", "CLEARING", u))
		e.Counts.Rows++
		e.Counts.Matched++
	}
	for i := range s.Rows {
		k := s.Mix.pick(r)
		at := s.Day.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))
		id := "txn-" + s.Day.Format("20060102") + "-" + strconv.Itoa(i)
		user := "user-" + strconv.Itoa(r.IntN(s.Users))
		amount := int64(100 + r.IntN(500_000)) // 1.00 to 5 000.00 ARS
		typ, status, detail, source := "PURCHASE", settlement.Approved, "APPROVED", "CLEARING"
		ours := amount // what we approved, in minor units; 0 for nothing
		fileAmount := amount
		switch k {
		case matched:
			e.Counts.Matched++
		case amountAdjusted:
			delta := max(1, amount*int64(1+r.IntN(10))/100)
			if r.IntN(2) == 0 {
				delta = -delta
			}
			fileAmount = amount + delta
			e.Counts.AmountAdjusted++
			e.Postings++
		case approved:
			ours = 0
			source = "ONLINE"
			e.Counts.Adjusted++
			e.Postings++
		case undone:
			status, detail, source = settlement.Rejected, "SYSTEM_ERROR", "ONLINE"
			e.Counts.Adjusted++
			e.Postings++
		case rejectedBoth:
			ours = 0
			status, detail, source = settlement.Rejected, "INSUFFICIENT_FUNDS", "ONLINE"
			e.Counts.Matched++
		case held:
			status, detail, source = settlement.Held, "OTHER", "ONLINE"
			e.Counts.Held++
		case refund:
			typ = "REFUND"
			e.Counts.Matched++
		case malformed:
			typ = "TELEPORT"
			ours = 0
			e.Counts.Malformed++
		}
		e.Counts.Rows++
		if ours != 0 {
			sign := int64(-1)
			if typ == "REFUND" {
				sign = 1
			}
			if err := entry(authorization(user, id, typ, sign*ours, at)); err != nil {
				return e, err
			}
			e.Entries++
		}
		line = appendTransaction(line[:0], id, at, typ, user, fileAmount, status, detail, source, i)
		tw.Write(line)
		if status == settlement.Approved && k != malformed {
			line = appendPresentment(line[:0], id, at, typ, user, fileAmount, date, i)
			pw.Write(line)
			e.Presentations++
		}
	}
	clientOnly := s.Rows * s.Mix.ClientOnly / 1000
	for i := range clientOnly {
		at := s.Day.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))
		id := "ours-" + s.Day.Format("20060102") + "-" + strconv.Itoa(i)
		if err := entry(authorization("user-"+strconv.Itoa(r.IntN(s.Users)), id, "PURCHASE", -int64(100+r.IntN(10_000)), at)); err != nil {
			return e, err
		}
		e.Entries++
		e.Counts.ClientOnly++
	}
	if err := tw.Flush(); err != nil {
		return e, err
	}
	return e, pw.Flush()
}

func authorization(user, id, typ string, amount int64, at time.Time) ledger.Entry {
	reversible := amount
	if reversible < 0 {
		reversible = -reversible
	}
	return ledger.Entry{UserID: user, Currency: "ARS", TransactionID: id, Class: ledger.ClassAuthorization,
		Kind: typ, Amount: amount, Status: ledger.Posted, Reversible: reversible, CreatedAt: at}
}

var merchants = []string{"KIOSCO EL SOL", "SUPERMERCADO DIA 312", "\"SHELL, ESTACION 9\"", "MERCADOLIBRE*VENTA", "FARMACITY 0041"}

func appendTransaction(b []byte, id string, at time.Time, typ, user string, amount int64, status, detail, source string, i int) []byte {
	b = append(b, id...)
	b = append(b, ',')
	b = at.AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, ',')
	b = append(b, typ...)
	b = append(b, ",PREPAID,MASTERCARD,afg-2aG3NcQxa1sCBMGmWBe2sr0jqYh,"...)
	b = append(b, user...)
	b = fmt.Appendf(b, ",crd-%08d,52179800,%04d,DOMESTIC,mer-%06d,5411,%s,", i, i%10000, i%50000, merchants[i%len(merchants)])
	b = append(b, money.FormatMinor(amount, 2)...)
	b = append(b, ",ARS,"...)
	b = append(b, money.FormatMinor(amount, 2)...)
	b = append(b, ",ARS,"...)
	b = append(b, money.FormatMinor(amount/1000+1, 2)...)
	b = append(b, ",USD,CONTACTLESS,"...)
	b = append(b, status...)
	b = append(b, ',')
	b = append(b, detail...)
	b = append(b, ',')
	b = append(b, source...)
	return append(b, ",,AR,POS,Fintech Demo SA,AR\n"...)
}

func appendPresentment(b []byte, id string, at time.Time, typ, user string, amount int64, date string, i int) []byte {
	b = fmt.Appendf(b, "prs-%d,%s,", i, id)
	b = at.AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, ',')
	b = append(b, typ...)
	b = append(b, ",PREPAID,MASTERCARD,afg-2aG3NcQxa1sCBMGmWBe2sr0jqYh,"...)
	b = append(b, user...)
	b = fmt.Appendf(b, ",crd-%08d,52179800,%04d,DOMESTIC,mer-%06d,5411,%s,", i, i%10000, i%50000, merchants[i%len(merchants)])
	b = append(b, money.FormatMinor(amount, 2)...)
	b = append(b, ",ARS,"...)
	b = append(b, money.FormatMinor(amount, 2)...)
	b = append(b, ",ARS,"...)
	debt := amount
	if typ == "REFUND" {
		debt = -amount
	}
	b = append(b, money.FormatMinor(debt, 2)...)
	b = append(b, ",ARS,"...)
	b = append(b, date...)
	b = append(b, ',')
	b = append(b, money.FormatMinor(amount/100, 2)...)
	b = append(b, ",1.0000,"...)
	b = append(b, money.FormatMinor(amount/500, 2)...)
	return append(b, ",FIRST_PRESENTMENT,FALSE,,002345,30-71234567-9\n"...)
}

// Rejected is a minimal transaction file of rows purchases of 10.00 ARS
// that Pomelo rejected, over users users: with no ledger entry each row is
// MATCHED and nothing is posted, so that a run is long enough to be cut
// into checkpoints without a ledger to fill first.
func Rejected(rows, users int) []byte {
	b := []byte("TRANSACTION_ID,TRANSACTION_TYPE,USER_ID,LOCAL_AMOUNT,LOCAL_CURRENCY,STATUS\n")
	for i := range rows {
		b = fmt.Appendf(b, "txn-%d,PURCHASE,user-%d,10.00,ARS,REJECTED\n", i, i%users)
	}
	return b
}
