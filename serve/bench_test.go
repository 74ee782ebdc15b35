package serve_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/tarjeta-dev/tarjeta/serve"
)

// BenchmarkDispatchHTTP: what the dispatcher adds to an authorization in
// Lambda: telling the event's shape and decoding the request, the handler
// answering at once.
func BenchmarkDispatchHTTP(b *testing.B) {
	raw, err := os.ReadFile("testdata/authorization-base64.json")
	if err != nil {
		b.Fatal(err)
	}
	handle := serve.Lambda(serve.Function{HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(204)
	})}, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := handle(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}
