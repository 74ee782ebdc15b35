package dynamo_test

import (
	"testing"

	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

var server *dynamotest.Server

func TestMain(m *testing.M) { dynamotest.Main(m, &server) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return dynamo.New(server.Client(), server.Table(t))
	})
}
