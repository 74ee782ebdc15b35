package webhooksim

import (
	"fmt"
	"io"
	"sort"
)

// Print writes the exchanges as `make simulate` shows them: what was sent,
// then what came back.
func Print(w io.Writer, xs []Exchange) {
	for _, x := range xs {
		fmt.Fprintf(w, "→ POST %s\n", x.URL)
		names := make([]string, 0, len(x.Header))
		for name := range x.Header {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Fprintf(w, "  %s: %s\n", name, x.Header.Get(name))
		}
		fmt.Fprintf(w, "  %s\n← %d %s\n\n", x.Body, x.Status, x.Answer)
	}
}
