package httpapi

import (
	"context"
	"net/http"
)

type callerKey struct{}

// WithCaller tells the routes who is calling: in AWS, the IAM identity API
// Gateway authorized (serve sets it).
func WithCaller(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, callerKey{}, who)
}

// Caller says who made r, for the logs of routes that must say it: the IAM
// identity in AWS, else the address it came from (loopback locally).
func Caller(r *http.Request) string {
	if who, ok := r.Context().Value(callerKey{}).(string); ok && who != "" {
		return who
	}
	return "address " + r.RemoteAddr
}
