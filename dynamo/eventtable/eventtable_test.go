package eventtable_test

import (
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

var server *dynamotest.Server

func TestMain(m *testing.M) { dynamotest.Main(m, &server) }

func TestConformance(t *testing.T) {
	storetest.RunEvents(t, func(t *testing.T) webhook.Store {
		return eventtable.New(server.Client(), server.EventsTable(t))
	})
}
