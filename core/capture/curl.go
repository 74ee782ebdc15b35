package capture

import (
	"strconv"
	"strings"

	"github.com/tarjeta-dev/tarjeta/core/text"
)

// ParseCurl reads a curl command line as a POSIX shell would split it
// (single and double quotes, $'…' strings, backslash escapes and line
// continuations) and keeps the flags that shape the request: -X/--request,
// -H/--header, -d/--data/--data-raw/--data-binary/--data-ascii (several are
// joined with &, as curl does), --url and the URL. Other flags are ignored.
// A body read from a file (@file) cannot be pasted and is an error.
func ParseCurl(cmd string) (Request, error) {
	words, err := shellWords(cmd)
	if err != nil {
		return Request{}, err
	}
	if len(words) == 0 || words[0] != "curl" {
		return Request{}, syntax("does not start with curl")
	}
	r := Request{Header: make(map[string]string)}
	var data []string
	url := ""
	for i := 1; i < len(words); i++ {
		w := words[i]
		arg := func() (string, error) {
			if i+1 >= len(words) {
				return "", syntax(w + " needs a value")
			}
			i++
			return words[i], nil
		}
		switch w {
		case "-X", "--request", "-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--url":
			v, err := arg()
			if err != nil {
				return Request{}, err
			}
			switch w {
			case "-X", "--request":
				r.Method = v
			case "-H", "--header":
				name, value, ok := strings.Cut(v, ":")
				if !ok {
					return Request{}, syntax("header " + strconv.Quote(v) + " has no colon")
				}
				r.Header[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
			case "--url":
				url = v
			default:
				if strings.HasPrefix(v, "@") && w != "--data-raw" {
					return Request{}, syntax("the body comes from file " + v[1:] + "; paste it with --data-raw instead")
				}
				data = append(data, v)
			}
		default:
			if !strings.HasPrefix(w, "-") && url == "" {
				url = w
			}
		}
	}
	if url == "" {
		return Request{}, syntax("no URL")
	}
	r.Path = pathOf(url)
	r.Body = []byte(strings.Join(data, "&"))
	if r.Method == "" {
		r.Method = "GET"
		if data != nil {
			r.Method = "POST"
		}
	}
	return r, nil
}

// shellWords splits a command line into words the way sh does, without
// expanding anything.
func shellWords(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '\n' || s[i+1] == '\r'):
			// Line continuation.
			i++
			if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\\':
			in = true
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
		case c == '\'':
			in = true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, syntax("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '$' && i+1 < len(s) && s[i+1] == '\'':
			in = true
			n, err := ansiC(s[i+2:], &cur)
			if err != nil {
				return nil, err
			}
			i += 2 + n
		case c == '"':
			in = true
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) && strings.IndexByte("\"\\$`\n", s[j+1]) >= 0 {
					j++
					if s[j] == '\n' {
						continue
					}
				}
				cur.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, syntax("unterminated double quote")
			}
			i = j
		default:
			in = true
			cur.WriteByte(c)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// ansiC reads the body of a $'…' string up to its closing quote, writing the
// decoded bytes, and returns how many bytes it consumed (with the quote).
func ansiC(s string, out *strings.Builder) (int, error) {
	esc := map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', '\\': '\\', '\'': '\'', '"': '"', 'a': 7, 'b': 8, 'e': 27, 'f': 12, 'v': 11}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			return i + 1, nil
		case c == '\\' && i+1 < len(s):
			i++
			if b, ok := esc[s[i]]; ok {
				out.WriteByte(b)
			} else if b, ok := hexByte(s[i+1:]); s[i] == 'x' && ok {
				out.WriteByte(b)
				i += 2
			} else {
				out.WriteByte('\\')
				out.WriteByte(s[i])
			}
		default:
			out.WriteByte(c)
		}
	}
	return 0, syntax("unterminated $' string")
}

// hexByte reads the byte that two hex digits at the start of s spell.
func hexByte(s string) (byte, bool) {
	if len(s) < 2 {
		return 0, false
	}
	b, ok := text.DecodeHex(s[:2])
	if !ok {
		return 0, false
	}
	return b[0], true
}
