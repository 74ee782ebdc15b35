package mask

import "strings"

// Headers returns the kept headers of a delivery as they may be shown:
// signatures, secrets and tokens redacted, API keys cut to their first
// four characters, the "query" (TD's signed query) through Query.
func Headers(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for name, v := range h {
		lower := strings.ToLower(name)
		switch {
		case lower == "query":
			v = Query(v)
		case strings.Contains(lower, "api-key"):
			v = prefix(v)
		case credential(lower):
			v = Secret(v)
		}
		out[name] = v
	}
	return out
}

// Query returns a query string with the values of its credential
// parameters redacted (sign, signature, token, secret), and of its keys cut
// to their first four characters (access_key, api_key), order kept.
func Query(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		lower := strings.ToLower(name)
		switch {
		case strings.HasSuffix(lower, "key"):
			parts[i] = name + "=" + prefix(p[len(name)+1:])
		case lower == "sign" || credential(lower):
			parts[i] = name + "=" + Secret("")
		}
	}
	return strings.Join(parts, "&")
}

func credential(lower string) bool {
	for _, w := range []string{"signature", "authorization", "secret", "token"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

func prefix(v string) string {
	if len(v) <= 4 {
		return stars(v)
	}
	return v[:4] + "…"
}
