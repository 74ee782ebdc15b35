package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableAPI is what EnsureTable needs of the client.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// EnsureTable creates the table with the layout of template.yaml when it does
// not exist yet. In AWS the table comes from the template; this is for
// DynamoDB Local in tests, benchmarks and the local stack.
func EnsureTable(ctx context.Context, db TableAPI, table string) error {
	created, err := createTable(ctx, db, tableInput(table, entriesIndex))
	if err != nil || !created {
		return err
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               &table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("dynamo: enable ttl on %s: %w", table, err)
	}
	return nil
}

// EnsureEventsTable creates the events table with the layout of
// template.yaml, its stream of new images included, when it does not exist
// yet.
func EnsureEventsTable(ctx context.Context, db TableAPI, table string) error {
	in := tableInput(table, eventsIndex)
	in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}
	_, err := createTable(ctx, db, in)
	return err
}

// tableInput is the layout both tables share: string keys pk and sk, and
// one index on gsi1pk and gsi1sk.
func tableInput(table, index string) *dynamodb.CreateTableInput {
	str := types.ScalarAttributeTypeS
	return &dynamodb.CreateTableInput{
		TableName:   &table,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: str},
			{AttributeName: aws.String("sk"), AttributeType: str},
			{AttributeName: aws.String("gsi1pk"), AttributeType: str},
			{AttributeName: aws.String("gsi1sk"), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(index),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("gsi1pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("gsi1sk"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}
}

// createTable creates the table, reporting false when it exists already.
func createTable(ctx context.Context, db TableAPI, in *dynamodb.CreateTableInput) (bool, error) {
	_, err := db.CreateTable(ctx, in)
	var exists *types.ResourceInUseException
	switch {
	case errors.As(err, &exists):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("dynamo: create table %s: %w", aws.ToString(in.TableName), err)
	}
	return true, nil
}
