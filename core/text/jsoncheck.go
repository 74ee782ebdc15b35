package text

import (
	"errors"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxJSONDepth bounds how deeply arrays and objects may nest in CheckJSON:
// far beyond any provider's payload, and a bound on the checker's stack.
const MaxJSONDepth = 64

// Errors of CheckJSON, annotated with where the text went wrong.
var (
	ErrJSONSyntax   = errors.New("not valid JSON")
	ErrDuplicateKey = errors.New("JSON object repeats a key")
	ErrJSONDepth    = errors.New("JSON nests too deeply")
	// ErrSurrogate reports a \u escape of half a UTF-16 surrogate pair
	// without its other half. encoding/json reads it as U+FFFD, so two
	// different texts would read as one.
	ErrSurrogate = errors.New("JSON string holds an unpaired surrogate escape")
)

// CheckJSON reports whether b is exactly one JSON value (RFC 8259) in UTF-8,
// with no object that repeats a key at any depth and nesting at most
// MaxJSONDepth deep. Keys are compared as the strings they decode to, so
// "a" and "\u0061" are the same key, and a \u escape of half a UTF-16
// surrogate pair without its other half is refused (ErrSurrogate), since
// readers decode every lone half alike.
//
// It is the validity pass every decoder of outside JSON runs first. JSON
// readers disagree about a repeated key (the first wins in one, the last in
// another), and two readers of one signed body must never see two different
// requests.
func CheckJSON(b []byte) error {
	c := jsonChecker{b: b}
	c.space()
	if err := c.value(0); err != nil {
		return err
	}
	c.space()
	if c.i != len(b) {
		return c.syntax("text after the value")
	}
	return nil
}

type jsonChecker struct {
	b []byte
	i int
}

func (c *jsonChecker) syntax(what string) error {
	return Annotate(ErrJSONSyntax, what+" at byte "+strconv.Itoa(c.i))
}

func (c *jsonChecker) space() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *jsonChecker) value(depth int) error {
	if c.i == len(c.b) {
		return c.syntax("unexpected end")
	}
	switch ch := c.b[c.i]; {
	case ch == '{':
		return c.object(depth + 1)
	case ch == '[':
		return c.array(depth + 1)
	case ch == '"':
		_, err := c.str()
		return err
	case ch == '-' || '0' <= ch && ch <= '9':
		return c.number()
	case ch == 't':
		return c.literal("true")
	case ch == 'f':
		return c.literal("false")
	case ch == 'n':
		return c.literal("null")
	}
	return c.syntax("unexpected character")
}

func (c *jsonChecker) literal(word string) error {
	if len(c.b)-c.i < len(word) || string(c.b[c.i:c.i+len(word)]) != word {
		return c.syntax("unexpected character")
	}
	c.i += len(word)
	return nil
}

func (c *jsonChecker) object(depth int) error {
	if empty, err := c.enter(depth, '}'); empty || err != nil {
		return err
	}
	// An object's keys stay in its own frame, so that a typical payload is
	// checked without an allocation; past linearKeys they go in a map.
	var local [linearKeys][]byte
	keys := local[:0]
	var seen map[string]struct{}
	for {
		if c.i == len(c.b) || c.b[c.i] != '"' {
			return c.syntax("expected a key")
		}
		at := c.i
		key, err := c.str()
		if err != nil {
			return err
		}
		dup := false
		switch {
		case seen != nil:
			_, dup = seen[string(key)]
			seen[string(key)] = struct{}{}
		case len(keys) < linearKeys:
			dup = slices.ContainsFunc(keys, func(k []byte) bool { return string(k) == string(key) })
			keys = append(keys, key)
		default:
			seen = make(map[string]struct{}, 2*linearKeys)
			for _, k := range keys {
				seen[string(k)] = struct{}{}
			}
			_, dup = seen[string(key)]
			seen[string(key)] = struct{}{}
		}
		if dup {
			c.i = at
			return Annotate(ErrDuplicateKey, "key "+quoteKey(key)+" at byte "+strconv.Itoa(at))
		}
		c.space()
		if c.i == len(c.b) || c.b[c.i] != ':' {
			return c.syntax("expected ':'")
		}
		c.i++
		c.space()
		if err := c.value(depth); err != nil {
			return err
		}
		if more, err := c.more('}'); !more || err != nil {
			return err
		}
	}
}

// linearKeys is how many keys an object may have before the check looks
// them up in a map rather than comparing with each.
const linearKeys = 16

func quoteKey(key []byte) string {
	const max = 64
	if len(key) > max {
		return string(AppendJSONString(nil, string(key[:max]))) + "..."
	}
	return string(AppendJSONString(nil, string(key)))
}

func (c *jsonChecker) array(depth int) error {
	if empty, err := c.enter(depth, ']'); empty || err != nil {
		return err
	}
	for {
		if err := c.value(depth); err != nil {
			return err
		}
		if more, err := c.more(']'); !more || err != nil {
			return err
		}
	}
}

// enter opens the array or object at the current byte, depth levels deep,
// and reports whether end closes it right away.
func (c *jsonChecker) enter(depth int, end byte) (empty bool, err error) {
	if depth > MaxJSONDepth {
		return false, Annotate(ErrJSONDepth, "more than "+strconv.Itoa(MaxJSONDepth)+" levels at byte "+strconv.Itoa(c.i))
	}
	c.i++
	c.space()
	if c.i < len(c.b) && c.b[c.i] == end {
		c.i++
		return true, nil
	}
	return false, nil
}

// more reads what follows a member or an element: a comma, reporting that
// another comes, or end.
func (c *jsonChecker) more(end byte) (bool, error) {
	c.space()
	if c.i == len(c.b) {
		return false, c.syntax("unexpected end")
	}
	switch c.b[c.i] {
	case ',':
		c.i++
		c.space()
		return true, nil
	case end:
		c.i++
		return false, nil
	}
	return false, c.syntax("expected ',' or '" + string(end) + "'")
}

// str reads a string and returns what it decodes to: a slice of the input
// when it holds no escape, else a decoded copy.
func (c *jsonChecker) str() ([]byte, error) {
	c.i++ // "
	start := c.i
	for c.i < len(c.b) {
		ch := c.b[c.i]
		switch {
		case ch == '"':
			s := c.b[start:c.i]
			c.i++
			return s, nil
		case ch == '\\':
			return c.escaped(start)
		case ch < 0x20:
			return nil, c.syntax("control character in a string")
		case ch < utf8.RuneSelf:
			c.i++
		default:
			r, size := utf8.DecodeRune(c.b[c.i:])
			if r == utf8.RuneError && size == 1 {
				return nil, c.syntax("invalid UTF-8")
			}
			c.i += size
		}
	}
	return nil, c.syntax("unterminated string")
}

// escaped continues str from the first backslash, decoding into a copy.
func (c *jsonChecker) escaped(start int) ([]byte, error) {
	out := append([]byte(nil), c.b[start:c.i]...)
	for c.i < len(c.b) {
		ch := c.b[c.i]
		switch {
		case ch == '"':
			c.i++
			return out, nil
		case ch == '\\':
			if c.i+1 == len(c.b) {
				return nil, c.syntax("unterminated string")
			}
			e := c.b[c.i+1]
			c.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := c.hex4()
				if !ok {
					return nil, c.syntax("bad \\u escape")
				}
				if utf16.IsSurrogate(r) {
					// Only a high half followed by a low half is a character.
					// A lone half would decode to U+FFFD, so that two ids
					// differing only in their lone halves would read as one.
					lo, ok := c.lowSurrogate()
					if ok {
						r = utf16.DecodeRune(r, lo)
					}
					if !ok || r == utf8.RuneError {
						return nil, Annotate(ErrSurrogate, "at byte "+strconv.Itoa(c.i))
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				c.i--
				return nil, c.syntax("bad escape")
			}
		case ch < 0x20:
			return nil, c.syntax("control character in a string")
		case ch < utf8.RuneSelf:
			out = append(out, ch)
			c.i++
		default:
			r, size := utf8.DecodeRune(c.b[c.i:])
			if r == utf8.RuneError && size == 1 {
				return nil, c.syntax("invalid UTF-8")
			}
			out = append(out, c.b[c.i:c.i+size]...)
			c.i += size
		}
	}
	return nil, c.syntax("unterminated string")
}

// hex4 reads the four hex digits of a \u escape.
func (c *jsonChecker) hex4() (rune, bool) {
	if len(c.b)-c.i < 4 {
		return 0, false
	}
	var r rune
	for _, h := range c.b[c.i : c.i+4] {
		d, ok := HexDigit(h)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	c.i += 4
	return r, true
}

// lowSurrogate reads a \uXXXX escape that follows a high surrogate, leaving
// the position unchanged when there is none.
func (c *jsonChecker) lowSurrogate() (rune, bool) {
	if len(c.b)-c.i < 6 || c.b[c.i] != '\\' || c.b[c.i+1] != 'u' {
		return 0, false
	}
	c.i += 2
	r, ok := c.hex4()
	if !ok {
		c.i -= 2
		return 0, false
	}
	return r, true
}

func (c *jsonChecker) number() error {
	if c.b[c.i] == '-' {
		c.i++
	}
	switch {
	case c.i < len(c.b) && c.b[c.i] == '0':
		c.i++
	case c.i < len(c.b) && '1' <= c.b[c.i] && c.b[c.i] <= '9':
		c.digits()
	default:
		return c.syntax("bad number")
	}
	if c.i < len(c.b) && c.b[c.i] == '.' {
		c.i++
		if c.digits() == 0 {
			return c.syntax("bad number")
		}
	}
	if c.i < len(c.b) && (c.b[c.i] == 'e' || c.b[c.i] == 'E') {
		c.i++
		if c.i < len(c.b) && (c.b[c.i] == '+' || c.b[c.i] == '-') {
			c.i++
		}
		if c.digits() == 0 {
			return c.syntax("bad number")
		}
	}
	return nil
}

func (c *jsonChecker) digits() int {
	start := c.i
	for c.i < len(c.b) && '0' <= c.b[c.i] && c.b[c.i] <= '9' {
		c.i++
	}
	return c.i - start
}
