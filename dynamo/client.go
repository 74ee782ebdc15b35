package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// NewClient returns the DynamoDB client of cfg that every function, the
// local stack, the tests and the benchmarks use: it counts every attempt it
// sends, retries included, on the roundtrip.Counter of the call's context,
// and sends to endpoint instead of AWS's when endpoint is set (DynamoDB
// Local). opts run after the counter (fault injection in tests).
func NewClient(cfg aws.Config, endpoint string, opts ...func(*middleware.Stack) error) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.APIOptions = append(o.APIOptions, countRoundTrips)
		o.APIOptions = append(o.APIOptions, opts...)
	})
}

func countRoundTrips(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("CountRoundTrips",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			roundtrip.Count(ctx)
			return next.HandleDeserialize(ctx, in)
		}), middleware.After)
}

// LocalConfig is the AWS configuration for a DynamoDB-compatible endpoint on
// this machine (DynamoDB Local): a fixed region and fixed credentials, which
// it accepts whatever they are. opts add to them.
func LocalConfig(ctx context.Context, opts ...func(*awsconfig.LoadOptions) error) (aws.Config, error) {
	opts = append([]func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion("us-east-1"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")),
	}, opts...)
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("dynamo: local aws config: %w", err)
	}
	return cfg, nil
}
