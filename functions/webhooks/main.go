// Command webhooks is the Lambda function that receives every provider's
// notifications, keeps them before acknowledging them, serves the events
// API, and processes the events its table's stream feeds it.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/apigateway"
	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/streams"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx := context.Background()
	var c config.Webhooks
	if err := envconfig.Process(ctx, &c); err != nil {
		fail(log, err)
	}
	aws, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		fail(log, err)
	}
	fn, err := c.Function(ctx, config.WebhooksDeps{
		Store:   eventtable.New(dynamo.NewClient(aws, ""), c.TableName),
		Secrets: secretsmanager.NewFromConfig(aws),
		Log:     log,
	})
	if err != nil {
		fail(log, err)
	}
	lambda.Start(streams.Either(apigateway.Handler(fn.Handler), streams.Handler(fn.Processor, log)))
}

func fail(log *slog.Logger, err error) {
	log.Error("startup", "error", err.Error())
	os.Exit(1)
}
