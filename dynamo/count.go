package dynamo

import (
	"context"

	"github.com/aws/smithy-go/middleware"

	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// CountRoundTrips is a client option (for dynamodb.Options.APIOptions) that
// counts every attempt the client sends, retries included, on the
// roundtrip.Counter of the call's context.
func CountRoundTrips(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("CountRoundTrips",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			roundtrip.Count(ctx)
			return next.HandleDeserialize(ctx, in)
		}), middleware.After)
}
