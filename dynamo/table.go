package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableAPI is what creating a table needs of the client.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// Index is a global secondary index on two string attributes, projecting
// what Projection says (every attribute when nil).
type Index struct {
	Name, PK, SK string
	Projection   *types.Projection
}

// Table is a table's layout as template.yaml declares it: string keys pk
// and sk, its indexes, its time-to-live attribute and whether it streams
// its new images.
type Table struct {
	Name    string
	Indexes []Index
	TTL     string // "" for none
	Stream  bool
}

// Create creates the table when it does not exist yet. In AWS the table
// comes from template.yaml; this is for DynamoDB Local in tests, benchmarks
// and the local stack.
func Create(ctx context.Context, db TableAPI, t Table) error {
	str := types.ScalarAttributeTypeS
	in := &dynamodb.CreateTableInput{
		TableName:   &t.Name,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: str},
			{AttributeName: aws.String("sk"), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	}
	defined := map[string]bool{"pk": true, "sk": true}
	for _, ix := range t.Indexes {
		for _, a := range []string{ix.PK, ix.SK} {
			if !defined[a] {
				defined[a] = true
				in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(a), AttributeType: str})
			}
		}
		projection := ix.Projection
		if projection == nil {
			projection = &types.Projection{ProjectionType: types.ProjectionTypeAll}
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(ix.PK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(ix.SK), KeyType: types.KeyTypeRange},
			},
			Projection: projection,
		})
	}
	if t.Stream {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}
	}
	_, err := db.CreateTable(ctx, in)
	var exists *types.ResourceInUseException
	switch {
	case errors.As(err, &exists):
		return nil
	case err != nil:
		return fmt.Errorf("dynamo: create table %s: %w", t.Name, err)
	}
	if t.TTL == "" {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               &t.Name,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(t.TTL), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("dynamo: enable ttl on %s: %w", t.Name, err)
	}
	return nil
}
