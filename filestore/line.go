package filestore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"strconv"

	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/text"
)

// A journal line is "<crc> <commit>\n": the CRC-32C (Castagnoli) of the
// commit's JSON as eight lowercase hex digits, a space, and the JSON, which
// never holds a raw newline. Journals written before lines had checksums
// hold bare JSON lines; they are read as they are, but only before the
// first checksummed line, since a journal only ever grows.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendLine appends the journal line of a commit, newline included.
func appendLine(b []byte, rec idempotency.Record, p *ledger.Posting) []byte {
	start := len(b)
	b = append(b, "00000000 "...)
	b = appendCommit(b, rec, p)
	var sum, hex [8]byte
	binary.BigEndian.PutUint32(sum[:4], crc32.Checksum(b[start+9:], castagnoli))
	copy(b[start:], text.AppendHex(hex[:0], sum[:4]))
	return append(b, '\n')
}

// ErrDamaged reports a journal line that does not check out.
var ErrDamaged = errors.New("filestore: journal line damaged")

// DamagedError says which journal line is damaged and why. The store does
// not open over it: restore the journal from a copy, or, to drop the line
// and everything after it, cut the file at Offset.
type DamagedError struct {
	Line   int   // 1-based
	Offset int64 // where the line starts
	Err    error
}

func (e *DamagedError) Error() string {
	return "journal line " + strconv.Itoa(e.Line) + " (byte " + strconv.FormatInt(e.Offset, 10) + ") is damaged: " +
		e.Err.Error() + "; restore the journal, or cut it at byte " + strconv.FormatInt(e.Offset, 10) + " to drop that line and the ones after it"
}

func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// parseLine reads one line without its newline. checksummed says whether a
// line with a checksum came before, after which every line must have one;
// sum reports whether this one has one.
func parseLine(line []byte, checksummed bool) (rec idempotency.Record, p *ledger.Posting, sum bool, err error) {
	content := line
	if len(line) > 0 && line[0] != '{' {
		if len(line) < 9 || line[8] != ' ' {
			return rec, nil, false, errors.New("no checksum")
		}
		want, err := strconv.ParseUint(string(line[:8]), 16, 32)
		if err != nil {
			return rec, nil, false, errors.New("malformed checksum")
		}
		content = line[9:]
		if crc32.Checksum(content, castagnoli) != uint32(want) {
			return rec, nil, false, errors.New("checksum mismatch")
		}
		sum = true
	} else if checksummed {
		return rec, nil, false, errors.New("no checksum after checksummed lines")
	}
	var c commit
	if err := json.Unmarshal(content, &c); err != nil {
		return rec, nil, sum, err
	}
	rec, p, err = c.decode()
	return rec, p, sum, err
}
