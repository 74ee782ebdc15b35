package settlement

import (
	"errors"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// readAll reads every record, as "field|field" or "ERR <line>".
func readAll(t testing.TB, in string, offset int64, line int) ([]string, []int) {
	rd := NewReader(strings.NewReader(in), offset, line)
	var out []string
	var lines []int
	for {
		fields, err := rd.Read()
		if err == io.EOF {
			return out, lines
		}
		var bad *RowError
		if errors.As(err, &bad) {
			out = append(out, "ERR")
			lines = append(lines, bad.Line)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = string(f)
		}
		out = append(out, strings.Join(parts, "|"))
		lines = append(lines, rd.Line)
	}
}

func TestReader(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		lines    []int
	}{
		{"plain LF", "a,b\n1,2\n", []string{"a|b", "1|2"}, []int{1, 2}},
		{"CRLF, no final newline", "a,b\r\n1,2", []string{"a|b", "1|2"}, []int{1, 2}},
		{"BOM", "\ufeffa,b\n", []string{"a|b"}, []int{1}},
		{"BOM, then quoted lines", "\ufeffa,b\n\"c\nx\",d\ne,f\n", []string{"a|b", "c\nx|d", "e|f"}, []int{1, 2, 4}},
		{"BOM before a quoted field", "\ufeff\"a\",b\nc,d\n", []string{"a|b", "c|d"}, []int{1, 2}},
		{"BOM, then a quoted record across a refill of the buffer",
			"\ufeffa,b\n" + strings.Repeat("x,y\n", (256<<10)/4-2) + "\"p\nq\",r\n",
			append(append([]string{"a|b"}, slices.Repeat([]string{"x|y"}, (256<<10)/4-2)...), "p\nq|r"), nil},
		{"a line longer than the buffer", strings.Repeat("y", 300<<10) + "\nok\n", []string{"ERR", "ok"}, []int{1, 2}},
		{"quoted comma and quote", "\"x,y\",\"say \"\"hi\"\"\"\n", []string{"x,y|say \"hi\""}, []int{1}},
		{"quoted line break counts lines", "\"two\nlines\",b\nc,d\n", []string{"two\nlines|b", "c|d"}, []int{1, 3}},
		{"quoted CRLF kept", "\"a\r\nb\"\r\n", []string{"a\r\nb"}, []int{1}},
		{"empty fields", ",,\n", []string{"||"}, []int{1}},
		{"blank lines skipped", "a\n\n\r\nb\n", []string{"a", "b"}, []int{1, 4}},
		{"bare quote, then goes on", "a\"b,c\nok\n", []string{"ERR", "ok"}, []int{1, 2}},
		{"text after a closing quote", "\"a\"b\nok\n", []string{"ERR", "ok"}, []int{1, 2}},
		{"quote never closed", "ok\n\"abc\nmore\n", []string{"ok", "ERR"}, []int{1, 2}},
		{"record too long", strings.Repeat("x", MaxRecordBytes+1) + "\nok\n", []string{"ERR", "ok"}, []int{1, 2}},
		{"CR alone is data", "h\na\rb\n", []string{"h", "a\rb"}, []int{1, 2}},
		{"CR alone on the first line", "h\rx\na\n", []string{"ERR", "a"}, []int{1, 2}},
		{"a line of spaces is blank", "a\n   \t\r\nb\n", []string{"a", "b"}, []int{1, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, lines := readAll(t, tc.in, 0, 1)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("records %q, want %q", got, tc.want)
			}
			if tc.lines == nil {
				return
			}
			if len(lines) != len(tc.lines) {
				t.Fatalf("lines %v, want %v", lines, tc.lines)
			}
			for i := range lines {
				if lines[i] != tc.lines[i] {
					t.Errorf("lines %v, want %v", lines, tc.lines)
				}
			}
		})
	}
}

// TestReaderStrayQuote: a quoted field that runs into a line that is a
// record of its own, past MaxRecordBytes or to the end makes a malformed
// record of the lines before; the rest are read again as their own.
func TestReaderStrayQuote(t *testing.T) {
	valid := strings.Repeat("c,2\n", 1000)
	filler := strings.Repeat("zz\n", (MaxRecordBytes/3)+10) // no line of two fields
	for _, tc := range []struct {
		name, in string
		records  int // records and errors, the header's included
		errs     []int
	}{
		{"a stray quote, then valid rows", "a,b\n\"x,1\n" + valid, 1002, []int{2}},
		{"a stray quote on the last line", "a,b\n" + valid + "\"x,1\n", 1002, []int{1002}},
		{"a quoted line break, then valid rows", "a,b\n\"x\ny\",1\n" + valid, 1002, nil},
		// The record keeps line 2 and the 21,843 filler lines that fit in
		// 64 KiB with it; the other 12 and the valid rows are read again.
		{"a quoted field past the bound", "a,b\n\"x,1\n" + filler + valid, 1 + 1 + 12 + 1000, []int{2}},
		{"open to the end", "a,b\n\"x,1\nzz\nyy\n", 2, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd := NewReader(strings.NewReader(tc.in), 0, 1)
			rd.Fields = 2
			var errs []int
			records, prev := 0, 0
			for {
				_, err := rd.Read()
				if err == io.EOF {
					break
				}
				var bad *RowError
				if errors.As(err, &bad) {
					errs = append(errs, bad.Line)
				} else if err != nil {
					t.Fatal(err)
				}
				if rd.Line <= prev {
					t.Fatalf("record at line %d after one at %d", rd.Line, prev)
				}
				records, prev = records+1, rd.Line
			}
			if records != tc.records || !slices.Equal(errs, tc.errs) {
				t.Errorf("%d records, errors at %v; want %d, %v", records, errs, tc.records, tc.errs)
			}
			if off, line := rd.Next(); off != int64(len(tc.in)) || line != strings.Count(tc.in, "\n")+1 {
				t.Errorf("ended at %d, line %d", off, line)
			}
		})
	}
}

// TestReaderResumes: going on from any record's Next gives the records
// after it, with their line numbers.
func TestReaderResumes(t *testing.T) {
	in := "\ufeffh1,h2\r\n\"a\nb\",1\r\n\r\nc,2\r\nd\"x,3\r\ne,4"
	all, allLines := readAll(t, in, 0, 1)
	rd := NewReader(strings.NewReader(in), 0, 1)
	for i := 0; i < len(all); i++ {
		if _, err := rd.Read(); err != nil && !errors.As(err, new(*RowError)) {
			t.Fatal(err)
		}
		off, line := rd.Next()
		rest, restLines := readAll(t, in[off:], off, line)
		if strings.Join(rest, "\n") != strings.Join(all[i+1:], "\n") {
			t.Errorf("after record %d: %q, want %q", i, rest, all[i+1:])
		}
		for j := range restLines {
			if restLines[j] != allLines[i+1+j] {
				t.Errorf("after record %d: lines %v, want %v", i, restLines, allLines[i+1:])
			}
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in, currency string
		negative     bool
		want         int64
		err          error
	}{
		{"1060.74", "ARS", false, 106074, nil},
		{"5", "ARS", false, 500, nil},
		{"0.5", "ARS", false, 50, nil},
		{"1200", "CLP", false, 1200, nil},
		{"1.234", "BHD", false, 1234, nil},
		{"-12.50", "ARS", true, -1250, nil},
		{"-12.50", "ARS", false, 0, ErrAmount},
		{"1.505", "ARS", false, 0, money.ErrPrecision},
		{"1.500", "ARS", false, 0, money.ErrPrecision},
		{"1.5", "CLP", false, 0, money.ErrPrecision},
		{"1,000.00", "ARS", false, 0, ErrAmount},
		{"1e3", "ARS", false, 0, ErrAmount},
		{"+1", "ARS", false, 0, ErrAmount},
		{"", "ARS", false, 0, ErrAmount},
		{".", "ARS", false, 0, ErrAmount},
		{"1.", "ARS", false, 0, ErrAmount},
		{".5", "ARS", false, 50, nil},
		{"1.2.3", "ARS", false, 0, ErrAmount},
		{"10000000000000.00", "ARS", false, 1_000_000_000_000_000, nil},
		{"10000000000000.01", "ARS", false, 0, money.ErrRange},
		{"99999999999999999999999", "ARS", false, 0, money.ErrRange},
		{"1", "XXX", false, 0, money.ErrUnknownCurrency},
	} {
		got, err := parseAmount([]byte(tc.in), tc.currency, tc.negative)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("parseAmount(%q, %s) = %d, %v; want %d, %v", tc.in, tc.currency, got, err, tc.want, tc.err)
		}
	}
}

// TestDecide: the reconciliation table, one row per case.
func TestDecide(t *testing.T) {
	purchase := func(status string, amount int64) Transaction {
		return Transaction{Type: "PURCHASE", Status: status, Amount: amount, Currency: "ARS"}
	}
	typed := func(typ string, amount int64) Transaction {
		return Transaction{Type: typ, Status: Approved, Amount: amount, Currency: "ARS"}
	}
	for _, tc := range []struct {
		name     string
		t        Transaction
		moved    int64
		approved bool
		rule     Rule
		post     int64
	}{
		{"approved both, same amount", purchase(Approved, 100), -100, true, Matched, 0},
		{"approved both, clearing more", purchase(Approved, 120), -100, true, AmountAdjusted, -20},
		{"approved both, partial clearing", purchase(Approved, 30), -50, true, AmountAdjusted, 20},
		{"approved there, declined here", purchase(Approved, 490), 0, false, Adjusted, -490},
		{"approved there, never seen here", purchase(Approved, 490), 0, false, Adjusted, -490},
		{"rejected there, approved here", purchase(Rejected, 40), -40, true, Adjusted, 40},
		{"rejected both", purchase(Rejected, 70), 0, false, Matched, 0},
		{"rejected there, approved zero here", purchase(Rejected, 0), 0, true, Matched, 0},
		{"held", purchase(Held, 55), -55, true, HeldRow, 0},
		{"held, never seen", purchase(Held, 55), 0, false, HeldRow, 0},
		{"refund credits", typed("REFUND", 15), 0, false, Adjusted, 15},
		{"payment credits", typed("PAYMENT", 15), 0, false, Adjusted, 15},
		{"withdrawal debits", typed("WITHDRAWAL", 15), 0, false, Adjusted, -15},
		{"extracash debits", typed("EXTRACASH", 15), 0, false, Adjusted, -15},
		{"reversal of a purchase credits", typed("REVERSAL_PURCHASE", 80), 0, false, Adjusted, 80},
		{"reversal of a refund debits", typed("REVERSAL_REFUND", 80), 0, false, Adjusted, -80},
		{"reversal of a payment debits", typed("REVERSAL_PAYMENT", 80), 0, false, Adjusted, -80},
		{"reversal already applied", typed("REVERSAL_WITHDRAWAL", 80), 80, true, Matched, 0},
		{"Pomelo's adjustment counts", purchase(Approved, 105), -105, true, Matched, 0},
		{"zero-amount check", purchase(Approved, 0), 0, true, Matched, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.t, tc.moved, tc.approved)
			if d.Rule != tc.rule || d.Post != tc.post {
				t.Errorf("got %s %d, want %s %d", d.Rule, d.Post, tc.rule, tc.post)
			}
		})
	}
}

func TestParseTransaction(t *testing.T) {
	header := "TRANSACTION_ID,TRANSACTION_TYPE,USER_ID,LOCAL_AMOUNT,LOCAL_CURRENCY,STATUS,EXTRA"
	cols, err := ReadHeader("f.csv", fields(header), TransactionColumns)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		row, err string
	}{
		{"t1,PURCHASE,u1,1.00,ARS,APPROVED,x", ""},
		{"t1,PURCHASE,u1,1.00,ARS,APPROVED", ""}, // short of an optional column
		{",PURCHASE,u1,1.00,ARS,APPROVED,x", "TRANSACTION_ID is empty"},
		{"t1,TELEPORT,u1,1.00,ARS,APPROVED,x", "unknown TRANSACTION_TYPE"},
		{"t1,PURCHASE,u1,1.00,ARS,MAYBE,x", "unknown STATUS"},
		{"t1,PURCHASE,u1,1.00,XXX,APPROVED,x", "unknown currency"},
		{"t1,PURCHASE,u1,-1.00,ARS,APPROVED,x", "not a plain decimal"},
		{"t1,PURCHASE," + strings.Repeat("u", 481) + ",1.00,ARS,APPROVED,x", "USER_ID is 481 bytes"},
		{"t1,PURCHASE,u\xff,1.00,ARS,APPROVED,x", "not UTF-8"},
	} {
		_, err := ParseTransaction(&cols, fields(tc.row), 2)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %v, want %q", tc.row, err, tc.err)
		}
	}
	if _, err := ReadHeader("f.csv", fields("TRANSACTION_ID,TRANSACTION_ID"), nil); err == nil {
		t.Error("a repeated column was taken")
	}
	var missing *MissingColumnError
	if _, err := ReadHeader("f.csv", fields("USER_ID"), TransactionColumns); !errors.As(err, &missing) || missing.Column != "TRANSACTION_ID" {
		t.Errorf("missing column: %v", err)
	}
}

func fields(line string) [][]byte {
	var out [][]byte
	for _, f := range strings.Split(line, ",") {
		out = append(out, []byte(f))
	}
	return out
}

// FuzzReader: any input reads to its end without panicking, every record
// within bounds, offsets never going back, and going on from any record's
// Next reads what a whole read reads after it.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\ufeff\"x\ny\",\"\"\"\"\r\n", "a\"b\n", "\"open\n", "\n\n,\n"} {
		f.Add(s)
	}
	f.Add("a,b,c\n\"x,1,2\nc,2,3\n")
	f.Fuzz(func(t *testing.T, in string) {
		lineCount(t, in)
		rd := NewReader(strings.NewReader(in), 0, 1)
		var last int64
		for n := 0; ; n++ {
			if n > len(in)+1 {
				t.Fatal("more records than bytes")
			}
			fields, err := rd.Read()
			if err == io.EOF {
				break
			}
			if err != nil && !errors.As(err, new(*RowError)) {
				t.Fatal(err)
			}
			size := 0
			for _, f := range fields {
				size += len(f)
			}
			if size > MaxRecordBytes {
				t.Fatalf("record of %d bytes", size)
			}
			off, _ := rd.Next()
			if off < last || off > int64(len(in)) {
				t.Fatalf("offset %d after %d (input %d bytes)", off, last, len(in))
			}
			last = off
		}
	})
}

// FuzzParseTransaction: any record gives a row or an error, never a panic,
// and a row's identifiers and amount are within the stores' bounds.
func FuzzParseTransaction(f *testing.F) {
	f.Add("t1,PURCHASE,u1,1.00,ARS,APPROVED,CLEARING,,1.00,ARS")
	f.Add("r1,REVERSAL_REFUND,u1,99999999999999.99,USD,HELD,PURGE,t0,0,CLP")
	cols, err := ReadHeader("f.csv", fields("TRANSACTION_ID,TRANSACTION_TYPE,USER_ID,LOCAL_AMOUNT,LOCAL_CURRENCY,STATUS,SOURCE,ORIGINAL_TRANSACTION_ID,TRANSACTION_AMOUNT,TRANSACTION_CURRENCY"), TransactionColumns)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		rd := NewReader(strings.NewReader(line), 0, 1)
		rec, err := rd.Read()
		if err != nil {
			return
		}
		tx, err := ParseTransaction(&cols, rec, 2)
		if err != nil {
			return
		}
		if tx.ID == "" || len(tx.ID) > 480 || len(tx.UserID) > 480 || tx.Amount < 0 || tx.Amount > money.MaxMinor {
			t.Fatalf("out of bounds: %+v", tx)
		}
		if e := tx.Expected(); e > money.MaxMinor || e < -money.MaxMinor {
			t.Fatalf("expected %d", e)
		}
	})
}

// TestRunningSumsCarry adds more of the largest amount than an int64 holds:
// the totals stay exact.
func TestRunningSumsCarry(t *testing.T) {
	p := Presentations{Debt: Totals{}, InterchangeFees: Totals{}, Taxes: Totals{}}
	s := make(runningSums)
	const n = 20_000 // n * money.MaxMinor is past math.MaxInt64
	for range n {
		s.add(&p, Presentment{DebtCurrency: "ARS", Debt: money.MaxMinor, InterchangeFee: -money.MaxMinor, Tax: 1})
	}
	s.carry(&p)
	want := new(big.Int).Mul(big.NewInt(n), big.NewInt(money.MaxMinor))
	if got := p.Debt["ARS"]; got.Cmp(want) != 0 {
		t.Errorf("debt = %v, want %v", got, want)
	}
	if got := p.InterchangeFees["ARS"]; got.Cmp(new(big.Int).Neg(want)) != 0 {
		t.Errorf("fees = %v, want -%v", got, want)
	}
	if got := p.Taxes["ARS"]; got.Int64() != n {
		t.Errorf("taxes = %v, want %d", got, n)
	}
}

// FuzzParsePresentment: a presentation row either parses within bounds or
// is refused.
func FuzzParsePresentment(f *testing.F) {
	f.Add("t1,u1,-12.50,ARS,FIRST_PRESENTMENT,FALSE,12.50,ARS,0.12,0.03")
	f.Add(`t2,,0,CLP,"SECOND_PRESENTMENT_PARTIAL",TRUE,,,-1,1`)
	cols, err := ReadHeader("p.csv", fields("TRANSACTION_ID,USER_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE,REVERSE_PRESENTMENT,TRANSACTION_AMOUNT,TRANSACTION_CURRENCY,INTERCHANGE_FEE,TAX"), PresentationColumns)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		rd := NewReader(strings.NewReader(line), 0, 1)
		rec, err := rd.Read()
		if err != nil {
			return
		}
		p, err := ParsePresentment(&cols, rec, 2)
		if err != nil {
			return
		}
		for _, v := range []int64{p.Debt, p.InterchangeFee, p.Tax, p.TransactionAmount} {
			if v > money.MaxMinor || v < -money.MaxMinor {
				t.Fatalf("out of bounds: %+v", p)
			}
		}
		if p.TransactionID == "" || len(p.TransactionID) > 480 || p.FunctionCode == "" || len(p.FunctionCode) > 64 || p.TransactionAmount < 0 {
			t.Fatalf("out of bounds: %+v", p)
		}
	})
}

// lineCount checks, against the input's own lines, that reading with the
// field count known loses no line: every line that is by itself a record
// starts one, records start on increasing lines, and reading ends past the
// last line.
func lineCount(t *testing.T, in string) {
	const fields = 3
	rd := NewReader(strings.NewReader(in), 0, 1)
	rd.Fields = fields
	starts := map[int]bool{}
	prev := 0
	for n := 0; ; n++ {
		if n > len(in)+1 {
			t.Fatal("more records than bytes")
		}
		_, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil && !errors.As(err, new(*RowError)) {
			t.Fatal(err)
		}
		if rd.Line <= prev {
			t.Fatalf("a record at line %d after one at %d", rd.Line, prev)
		}
		starts[rd.Line], prev = true, rd.Line
	}
	lines := strings.SplitAfter(in, "\n")
	for i, line := range lines {
		if i > 0 && len(line) <= MaxRecordBytes && strings.TrimSpace(line) != "" && standalone([]byte(line), fields) && !starts[i+1] {
			t.Fatalf("line %d, a record of its own, was taken into another: %q", i+1, line)
		}
	}
	if off, _ := rd.Next(); off != int64(len(in)) {
		t.Fatalf("ended at %d of %d bytes", off, len(in))
	}
}
