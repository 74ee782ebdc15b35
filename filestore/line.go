package filestore

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strconv"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// A journal line is "<crc> <commit>\n": the CRC-32C (Castagnoli) of the
// commit's JSON as eight lowercase hex digits, a space, and the JSON, which
// never holds a raw newline. Journals written before lines had checksums
// hold bare JSON lines; they are read as they are, but only before the
// first checksummed line, since a journal only ever grows.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// BeginLine starts a journal line at the end of b: the content goes after
// it, and SealLine finishes it.
func BeginLine(b []byte) ([]byte, int) {
	return append(b, "00000000 "...), len(b)
}

// SealLine writes the checksum of the content of the line begun at start
// and ends the line.
func SealLine(b []byte, start int) []byte {
	var sum, hex [8]byte
	binary.BigEndian.PutUint32(sum[:4], crc32.Checksum(b[start+9:], castagnoli))
	copy(b[start:], text.AppendHex(hex[:0], sum[:4]))
	return append(b, '\n')
}

// ErrDamaged reports a journal line that does not check out.
var ErrDamaged = errors.New("filestore: journal line damaged")

// DamagedError says which journal line is damaged and why. The store does
// not open over it: restore the journal from a copy, or set the damaged
// lines aside with Repair (make repair).
type DamagedError struct {
	Line   int   // 1-based
	Offset int64 // where the line starts
	Err    error
}

func (e *DamagedError) Error() string {
	return "journal line " + strconv.Itoa(e.Line) + " (byte " + strconv.FormatInt(e.Offset, 10) + ") is damaged: " +
		e.Err.Error() + "; restore the journal, or set its damaged lines aside with `make repair`"
}

func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// checkLine returns the content of one line without its newline.
// checksummed says whether a line with a checksum came before, after which
// every line must have one; sum reports whether this one has one.
func checkLine(line []byte, checksummed bool) (content []byte, sum bool, err error) {
	if len(line) > 0 && line[0] == '{' {
		if checksummed {
			return nil, false, errors.New("no checksum after checksummed lines")
		}
		return line, false, nil
	}
	if len(line) < 9 || line[8] != ' ' {
		return nil, false, errors.New("no checksum")
	}
	want, err := strconv.ParseUint(string(line[:8]), 16, 32)
	if err != nil {
		return nil, false, errors.New("malformed checksum")
	}
	content = line[9:]
	if crc32.Checksum(content, castagnoli) != uint32(want) {
		return nil, false, errors.New("checksum mismatch")
	}
	return content, true, nil
}
