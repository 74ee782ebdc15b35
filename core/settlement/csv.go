package settlement

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxRecordBytes bounds one CSV record, quoted line breaks included: a longer
// one is reported malformed and skipped, so that one bad row cannot make a
// run hold a whole file in memory.
const MaxRecordBytes = 64 << 10

// RowError reports a CSV record that could not be read; reading goes on
// with the next one.
type RowError struct {
	Line int
	Err  error
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// The ways a CSV record can be malformed.
var (
	ErrBareQuote    = errors.New(`a '"' inside an unquoted field`)
	ErrQuote        = errors.New(`a quoted field not followed by ',' or the end of the line`)
	ErrOpenQuote    = errors.New("a quoted field that never ends")
	ErrStrayQuote   = errors.New("a quoted field that runs into a line that is a record of its own")
	ErrLoneCR       = errors.New("the first line holds a CR not followed by LF: lines must end in LF or CRLF, not a lone CR")
	ErrRecordLength = fmt.Errorf("a record longer than %d bytes", MaxRecordBytes)
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Reader reads RFC 4180 records (comma-separated, double-quoted fields with
// "" for a quote, LF or CRLF line ends) one at a time, knowing each record's
// line number and the byte offset just past it, so that a run can stop after
// any record and go on from there later. Blank lines (nothing but spaces)
// are skipped. Fields are views into the reader's buffer, valid until the
// next Read.
//
// A quoted field may hold line breaks, so one stray '"' could take every
// line after it into one record. It cannot: a quoted field that runs into a
// line that is by itself a record of Fields fields, past MaxRecordBytes, or
// to the end of the input makes a malformed record of the lines before,
// and reading goes on at the line it ran into, which is read again.
type Reader struct {
	// Fields is how many fields a record has (the header's), 0 while
	// unknown.
	Fields int
	in     *bufio.Reader
	back   []byte // input given back to be read again before in
	line   int    // line number of the next line to read
	offset int64  // byte offset of the next line to read
	raw    []byte // the record's lines
	field  []byte // its fields' contents, unquoted, back to back
	ends   []int  // where each field ends in field
	out    [][]byte
	// Line and Offset describe the record Read returned last: the line it
	// starts on, and the offset just past it.
	Line   int
	Offset int64
}

// NewReader returns a reader of in, whose first byte is at offset of the
// file and on line number line (0 and 1 for a whole file). A UTF-8 byte
// order mark at offset 0 is skipped.
func NewReader(in io.Reader, offset int64, line int) *Reader {
	return &Reader{in: bufio.NewReaderSize(in, 256<<10), line: line, offset: offset}
}

// Read returns the next record's fields, io.EOF after the last, or a
// *RowError for a record that is malformed (the next Read goes on after it).
// Any other error is the input's.
func (r *Reader) Read() ([][]byte, error) {
	for {
		fields, err := r.read()
		if err == errBlank {
			continue
		}
		return fields, err
	}
}

var errBlank = errors.New("blank line")

func (r *Reader) read() ([][]byte, error) {
	r.Line = r.line
	r.raw = r.raw[:0]
	// A whole line without quotes in the buffer is split where it lies;
	// any other is copied into r.raw first.
	line, err := r.slice()
	if err == nil && len(line) <= MaxRecordBytes && bytes.IndexByte(line, '"') < 0 {
		r.offset += int64(len(line))
		r.line++
	} else {
		if err := r.appendLine(line, err); err != nil {
			r.Offset = r.offset
			return nil, err
		}
		line = r.raw
	}
	if r.offset == int64(len(line)) && bytes.HasPrefix(line, bom) {
		line = line[len(bom):]
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, errBlank
	}
	if r.Line == 1 && bytes.Contains(trimCR(bytes.TrimSuffix(line, []byte{'\n'})), []byte{'\r'}) {
		// A file whose lines end in CR alone reads as one line: say so,
		// rather than what its header then looks like.
		r.Offset = r.offset
		return nil, &RowError{Line: 1, Err: ErrLoneCR}
	}
	r.out = r.out[:0]
	if bytes.IndexByte(line, '"') < 0 {
		// No quotes: the fields are the line's own bytes between commas.
		line = trimCR(bytes.TrimSuffix(line, []byte{'\n'}))
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				r.out = append(r.out, line[:len(line):len(line)])
				break
			}
			r.out = append(r.out, line[:i:i])
			line = line[i+1:]
		}
		r.Offset = r.offset
		return r.out, nil
	}
	// Quoted fields are read from r.raw, which line is the end of (the BOM
	// left out).
	r.field, r.ends = r.field[:0], r.ends[:0]
	pos := len(r.raw) - len(line)
	for {
		next, err := r.parseField(pos)
		if err != nil {
			r.Offset = r.offset
			var row *RowError
			if errors.As(err, &row) || !isSyntax(err) {
				return nil, err
			}
			if r.line-r.Line > 1 {
				err = fmt.Errorf("%w (lines %d to %d)", err, r.Line, r.line-1)
			}
			return nil, &RowError{Line: r.Line, Err: err}
		}
		r.ends = append(r.ends, len(r.field))
		if next < 0 {
			break
		}
		pos = next
	}
	start := 0
	for _, end := range r.ends {
		r.out = append(r.out, r.field[start:end:end])
		start = end
	}
	r.Offset = r.offset
	return r.out, nil
}

// parseField appends the field starting at raw[pos] to r.field and returns
// where the next field starts, or -1 when this one ended the record.
func (r *Reader) parseField(pos int) (int, error) {
	if pos < len(r.raw) && r.raw[pos] == '"' {
		return r.parseQuoted(pos + 1)
	}
	for i := pos; ; i++ {
		if i == len(r.raw) {
			r.field = append(r.field, r.raw[pos:i]...)
			return -1, nil
		}
		switch c := r.raw[i]; c {
		case ',':
			r.field = append(r.field, r.raw[pos:i]...)
			return i + 1, nil
		case '\n':
			r.field = append(r.field, trimCR(r.raw[pos:i])...)
			return -1, nil
		case '"':
			return 0, ErrBareQuote
		}
	}
}

func (r *Reader) parseQuoted(pos int) (int, error) {
	for {
		i := bytes.IndexByte(r.raw[pos:], '"')
		if i < 0 {
			// The field goes on past this line, unless the next line is a
			// record of its own.
			r.field = append(r.field, r.raw[pos:]...)
			pos = len(r.raw)
			if err := r.readLine(); err != nil {
				if err == io.EOF {
					return 0, ErrOpenQuote
				}
				return 0, err
			}
			if r.Fields > 0 && standalone(r.raw[pos:], r.Fields) {
				r.giveBack(pos, nil)
				return 0, ErrStrayQuote
			}
			continue
		}
		r.field = append(r.field, r.raw[pos:pos+i]...)
		pos += i + 1
		switch {
		case pos < len(r.raw) && r.raw[pos] == '"':
			r.field = append(r.field, '"')
			pos++
		case pos == len(r.raw):
			return -1, nil
		case r.raw[pos] == ',':
			return pos + 1, nil
		case r.raw[pos] == '\n' || (r.raw[pos] == '\r' && pos+1 < len(r.raw) && r.raw[pos+1] == '\n'):
			return -1, nil
		default:
			return 0, ErrQuote
		}
	}
}

// readLine appends the next line, its '\n' included, to r.raw. A record
// grown beyond MaxRecordBytes is refused once its line is consumed.
func (r *Reader) readLine() error {
	chunk, err := r.in.ReadSlice('\n')
	return r.appendLine(chunk, err)
}

// appendLine is readLine given the line's first chunk as ReadSlice returned
// it.
func (r *Reader) appendLine(chunk []byte, err error) error {
	start := len(r.raw)
	for first := true; ; first = false {
		if !first {
			chunk, err = r.slice()
		}
		r.offset += int64(len(chunk))
		if len(r.raw)+len(chunk) > MaxRecordBytes {
			if start > 0 {
				// A quoted field ran past the bound: the record is its
				// lines before this one, which is read again.
				r.giveBack(start, chunk)
				return &RowError{Line: r.Line, Err: fmt.Errorf("%w within %d bytes (lines %d to %d)", ErrOpenQuote, MaxRecordBytes, r.Line, r.line-1)}
			}
			for err == bufio.ErrBufferFull {
				chunk, err = r.slice()
				r.offset += int64(len(chunk))
			}
			if err != nil && err != io.EOF {
				return err
			}
			r.line++
			return &RowError{Line: r.Line, Err: ErrRecordLength}
		}
		r.raw = append(r.raw, chunk...)
		switch err {
		case nil:
			r.line++
			return nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(r.raw) > start {
				r.line++
				return nil
			}
			return io.EOF
		default:
			return err
		}
	}
}

// slice returns the input up to and including the next '\n', as
// bufio.Reader.ReadSlice does: what was given back first, then the input.
func (r *Reader) slice() ([]byte, error) {
	if len(r.back) == 0 {
		return r.in.ReadSlice('\n')
	}
	if i := bytes.IndexByte(r.back, '\n'); i >= 0 {
		line := r.back[:i+1]
		r.back = r.back[i+1:]
		return line, nil
	}
	line := r.back
	r.back = nil
	return line, bufio.ErrBufferFull // the line goes on in the input
}

// giveBack ends the record at keep bytes of r.raw, a line's end: what it
// read past them, and pending (a piece read since, not in r.raw), is read
// again by the next Read.
func (r *Reader) giveBack(keep int, pending []byte) {
	back := make([]byte, 0, len(r.raw)-keep+len(pending)+len(r.back))
	back = append(append(append(back, r.raw[keep:]...), pending...), r.back...)
	r.back = back
	r.offset -= int64(len(r.raw) - keep + len(pending))
	r.line = r.Line + bytes.Count(r.raw[:keep], []byte{'\n'})
	r.raw = r.raw[:keep]
}

// standalone reports whether line, one line of input, is by itself a
// record of want fields: its quotes closed where RFC 4180 has them.
func standalone(line []byte, want int) bool {
	line = trimCR(bytes.TrimSuffix(line, []byte{'\n'}))
	n := 1
	for i := 0; i < len(line); {
		if line[i] != '"' {
			j := bytes.IndexAny(line[i:], ",\"")
			if j < 0 {
				break
			}
			if line[i+j] == '"' {
				return false
			}
			i, n = i+j+1, n+1
			continue
		}
		for i++; ; i++ { // a quoted field, "" a quote
			j := bytes.IndexByte(line[i:], '"')
			if j < 0 {
				return false
			}
			i += j + 1
			if i == len(line) || line[i] != '"' {
				break
			}
		}
		switch {
		case i == len(line):
		case line[i] != ',':
			return false
		default:
			i, n = i+1, n+1
		}
	}
	return n == want
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

func isSyntax(err error) bool {
	return err == ErrBareQuote || err == ErrQuote || err == ErrOpenQuote || err == ErrStrayQuote
}

// Next is where the record after the last one read starts: its byte offset
// and its line number, to pass to NewReader to go on from there.
func (r *Reader) Next() (offset int64, line int) { return r.offset, r.line }
