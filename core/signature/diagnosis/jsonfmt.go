package diagnosis

import (
	"sort"
	"strings"
)

// jsonNode is a parsed JSON value kept as its source tokens, so that it can be
// written back in the layouts serializers commonly use. This small printer
// keeps encoding/json (and its reflection) out of the WebAssembly build.
type jsonNode struct {
	kind  byte   // '{', '[', or 0 for a scalar
	raw   string // a scalar's token as written
	keys  []string
	items []*jsonNode
}

// parseJSON parses s, which must hold exactly one JSON value.
func parseJSON(s string) (*jsonNode, bool) {
	p := jsonParser{s: s}
	n, ok := p.value(0)
	p.space()
	return n, ok && p.i == len(s)
}

type jsonParser struct {
	s string
	i int
}

const maxJSONDepth = 100

func (p *jsonParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *jsonParser) value(depth int) (*jsonNode, bool) {
	p.space()
	if p.i >= len(p.s) || depth > maxJSONDepth {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '{' || c == '[':
		return p.container(c, depth)
	case c == '"':
		tok, ok := p.str()
		return &jsonNode{raw: tok}, ok
	default:
		start := p.i
		for p.i < len(p.s) && strings.IndexByte("+-.0123456789eEtrufalsn", p.s[p.i]) >= 0 {
			p.i++
		}
		tok := p.s[start:p.i]
		ok := tok != "" && (tok == "true" || tok == "false" || tok == "null" || strings.Trim(tok, "+-.0123456789eE") == "")
		return &jsonNode{raw: tok}, ok
	}
}

func (p *jsonParser) container(open byte, depth int) (*jsonNode, bool) {
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	n := &jsonNode{kind: open}
	p.i++
	p.space()
	if p.i < len(p.s) && p.s[p.i] == closer {
		p.i++
		return n, true
	}
	for {
		if open == '{' {
			p.space()
			key, ok := p.str()
			if !ok {
				return nil, false
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, false
			}
			p.i++
			n.keys = append(n.keys, key)
		}
		item, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		n.items = append(n.items, item)
		p.space()
		if p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case closer:
			p.i++
			return n, true
		default:
			return nil, false
		}
	}
}

// str scans a string token, escapes and all.
func (p *jsonParser) str() (string, bool) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false
	}
	start := p.i
	for p.i++; p.i < len(p.s); p.i++ {
		switch p.s[p.i] {
		case '\\':
			p.i++
		case '"':
			p.i++
			return p.s[start:p.i], true
		}
	}
	return "", false
}

// layout is how a serializer writes JSON: indent ("" for one line), the
// separators after keys and between members, and whether keys are sorted.
type layout struct {
	indent, colon, comma string
	sortKeys             bool
}

func (n *jsonNode) format(l layout) string {
	var b strings.Builder
	n.write(&b, l, 0)
	return b.String()
}

func (n *jsonNode) write(b *strings.Builder, l layout, depth int) {
	if n.kind == 0 {
		b.WriteString(n.raw)
		return
	}
	closer := byte(']')
	if n.kind == '{' {
		closer = '}'
	}
	b.WriteByte(n.kind)
	if len(n.items) == 0 {
		b.WriteByte(closer)
		return
	}
	order := make([]int, len(n.items))
	for i := range order {
		order[i] = i
	}
	if l.sortKeys && n.kind == '{' {
		sort.SliceStable(order, func(a, c int) bool { return n.keys[order[a]] < n.keys[order[c]] })
	}
	for j, i := range order {
		if j > 0 {
			b.WriteString(l.comma)
		}
		if l.indent != "" {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(l.indent, depth+1))
		}
		if n.kind == '{' {
			b.WriteString(n.keys[i])
			b.WriteString(l.colon)
		}
		n.items[i].write(b, l, depth+1)
	}
	if l.indent != "" {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(l.indent, depth))
	}
	b.WriteByte(closer)
}
