// Package dynamo is what every DynamoDB store of the project shares: the one
// client constructor (round trips counted), the part of the client the
// stores use, table creation for DynamoDB Local, and how an item's
// attributes and DynamoDB's refusals are read. Each store, with its own key
// layout, is a package below it (ledgertable, eventtable); nothing outside
// dynamo/ knows a key layout.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/tarjeta-dev/tarjeta/core/storable"
)

// API is the part of the DynamoDB client the stores use.
type API interface {
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Refused marks an error of DynamoDB refusing the request as invalid with
// storable.ErrInvalid: the input can never be stored, so the caller must not
// be told to retry it. Anything else is returned as it is.
func Refused(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "ValidationException" {
		return fmt.Errorf("%w: %w", storable.ErrInvalid, err)
	}
	return err
}

// The cancellation reasons a store branches on.
const (
	ConditionFailed = "ConditionalCheckFailed"
	Conflict        = "TransactionConflict"
)

// Reason is the code of the i-th cancellation reason of a refused
// transaction, "" when there is none.
func Reason(reasons []types.CancellationReason, i int) string {
	if i < len(reasons) {
		return aws.ToString(reasons[i].Code)
	}
	return ""
}

// Describe lists the cancellation reasons of a refused transaction, for an
// error message.
func Describe(reasons []types.CancellationReason) string {
	s := ""
	for i, r := range reasons {
		if i > 0 {
			s += ", "
		}
		s += aws.ToString(r.Code)
		if r.Message != nil {
			s += " (" + *r.Message + ")"
		}
	}
	return s
}

// TimeLayout writes times in keys: fixed width, so that they sort as text.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// S is a string attribute.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// N is a number attribute.
func N(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// Millis is a time as a number attribute of epoch milliseconds.
func Millis(t time.Time) types.AttributeValue { return N(t.UnixMilli()) }

// Str reads a string attribute, "" when it is missing.
func Str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// Num reads a number attribute.
func Num(item map[string]types.AttributeValue, name string) (int64, error) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("attribute %s is missing or not a number", name)
	}
	x, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", name, err)
	}
	return x, nil
}
