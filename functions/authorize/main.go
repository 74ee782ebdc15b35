// Command authorize is the Lambda function that answers Pomelo's card
// authorizations and adjustments and serves the ledger account view.
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
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx := context.Background()
	var c config.Authorize
	if err := envconfig.Process(ctx, &c); err != nil {
		fail(log, err)
	}
	aws, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		fail(log, err)
	}
	h, err := c.Handler(ctx, config.AuthorizeDeps{
		Store:   ledgertable.New(dynamo.NewClient(aws, ""), c.TableName),
		Secrets: secretsmanager.NewFromConfig(aws),
		Log:     log,
	})
	if err != nil {
		fail(log, err)
	}
	lambda.Start(apigateway.Handler(h))
}

func fail(log *slog.Logger, err error) {
	log.Error("startup", "error", err.Error())
	os.Exit(1)
}
