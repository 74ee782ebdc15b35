package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/tidwall/gjson"
)

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ErrEvent reports an invocation whose event is of no shape the dispatcher
// knows, or of one the function does not serve.
var ErrEvent = errors.New("serve: event not served")

// Lambda returns the Lambda handler of fn: each invocation goes, by its
// event's shape, to the handler fn declared for it.
func Lambda(fn Function, log *slog.Logger) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		// The shape is told from five fields, read where they are without
		// decoding the event: it is decoded once, by the handler's type.
		// An event that is not JSON is refused by the decoding or falls
		// through to the refusal below.
		shape := gjson.GetManyBytes(raw, "Records.0.eventSource", "version", "requestContext.http.method", "detail-type", "source")
		switch {
		case shape[0].String() == "aws:dynamodb":
			if fn.Stream == nil {
				return nil, fmt.Errorf("%w: this function has no DynamoDB stream", ErrEvent)
			}
			var batch events.DynamoDBEvent
			if err := json.Unmarshal(raw, &batch); err != nil {
				return nil, fmt.Errorf("%w: DynamoDB stream batch: %w", ErrEvent, err)
			}
			return streamBatch(ctx, fn.Stream, batch, log), nil
		case shape[1].String() == "2.0" && shape[2].String() != "":
			if fn.HTTP == nil {
				return nil, fmt.Errorf("%w: this function serves no HTTP API", ErrEvent)
			}
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, fmt.Errorf("%w: HTTP API request: %w", ErrEvent, err)
			}
			return serveHTTP(ctx, fn.HTTP, req), nil
		case shape[3].String() == "Scheduled Event" && shape[4].String() == "aws.events":
			if fn.Schedule == nil {
				return nil, fmt.Errorf("%w: this function has no schedule", ErrEvent)
			}
			var ev events.EventBridgeEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("%w: scheduled event: %w", ErrEvent, err)
			}
			s := Scheduled{Time: ev.Time, Detail: ev.Detail}
			if len(ev.Resources) > 0 {
				s.Rule = ev.Resources[0]
			}
			return nil, fn.Schedule(ctx, s)
		case fn.Invoke != nil && gjson.ParseBytes(raw).IsObject() && gjson.ValidBytes(raw):
			return fn.Invoke(ctx, raw)
		}
		return nil, fmt.Errorf("%w: neither an HTTP API (payload 2.0) request, a DynamoDB stream batch, an EventBridge scheduled event nor a direct invocation this function takes", ErrEvent)
	}
}

// Env is what a function built in AWS starts from.
type Env struct {
	AWS aws.Config
	Log *slog.Logger
	// Name is the function's name in Lambda (AWS_LAMBDA_FUNCTION_NAME).
	Name string
}

// Start builds the function with build and serves it in Lambda, as every
// functions/<name>/main.go does. A function that cannot be built is logged,
// reported to the Runtime API as an init error naming the cause, and the
// process exits, so that Lambda reports the failed start.
func Start(build func(ctx context.Context, env Env) (Function, error)) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx := context.Background()
	began := time.Now()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	configured := time.Now()
	var fn Function
	if err == nil {
		fn, err = build(ctx, Env{AWS: cfg, Log: log, Name: os.Getenv("AWS_LAMBDA_FUNCTION_NAME")})
	}
	// Where an init goes: the AWS configuration, the function's own build
	// (settings, secrets).
	log.Info("init", "config_ms", ms(configured.Sub(began)), "build_ms", ms(time.Since(configured)))
	if err != nil {
		log.Error("startup", "error", err.Error())
		if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
			if rerr := ReportInitError(ctx, api, err); rerr != nil {
				log.Error("startup", "error", rerr.Error())
			}
		}
		os.Exit(1)
	}
	lambda.Start(Lambda(fn, log))
}
