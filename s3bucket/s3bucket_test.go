package s3bucket_test

import (
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/s3bucket"
	"github.com/tarjeta-dev/tarjeta/s3bucket/s3test"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

var server *s3test.Server

func TestMain(m *testing.M) { s3test.Main(m, &server) }

func TestConformance(t *testing.T) {
	storetest.RunBucket(t, func(t *testing.T) settlement.Bucket {
		return s3bucket.New(server.Client(), server.Bucket(t))
	})
}
