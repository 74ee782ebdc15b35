// Command authorize is the Lambda function that answers Pomelo's card
// authorizations and adjustments and serves the ledger account view.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/apigateway"
	"github.com/tarjeta-dev/tarjeta/config"
	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/httpapi"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx := context.Background()
	var c config.Authorize
	if err := envconfig.Process(ctx, &c); err != nil {
		fail(log, err)
	}
	if err := c.Validate(); err != nil {
		fail(log, err)
	}
	aws, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		fail(log, err)
	}
	keys, err := c.Keyring(ctx, secretsmanager.NewFromConfig(aws))
	if err != nil {
		fail(log, err)
	}
	db := dynamodb.NewFromConfig(aws, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, dynamo.CountRoundTrips)
	})
	store := dynamo.New(db, c.TableName)
	svc := authorization.New(authorization.Config{
		Verifier: c.Verifier(keys), Store: store, Now: time.Now, Deadline: c.Deadline, Retention: c.Retention,
	})
	lambda.Start(apigateway.Handler(httpapi.New(svc, store, log, time.Now)))
}

func fail(log *slog.Logger, err error) {
	log.Error("startup", "error", err.Error())
	os.Exit(1)
}
