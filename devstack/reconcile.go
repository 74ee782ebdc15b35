package devstack

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tarjeta-dev/tarjeta/config/reconcile"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/dynamo"
	"github.com/tarjeta-dev/tarjeta/filestore/folderbucket"
	"github.com/tarjeta-dev/tarjeta/s3bucket"
)

// startReconcile starts the reconcile function over the authorize
// function's ledger and the settlement bucket: the folder
// $DATA_DIR/s3/<bucket>/, or the bucket on S3_ENDPOINT. A POST runs its day
// to the end before it answers.
func startReconcile(ctx context.Context, s *Stack) (started, error) {
	c := s.c.Reconcile
	if err := c.Validate(); err != nil {
		return started{}, fmt.Errorf("config: %w", err)
	}
	var bucket settlement.Bucket = folderbucket.New(filepath.Join(s.c.DataDir, "s3"), c.Bucket)
	if c.S3Endpoint != "" {
		cfg, err := dynamo.LocalConfig(ctx)
		if err != nil {
			return started{}, err
		}
		bucket = s3bucket.New(s3bucket.NewClient(cfg, c.S3Endpoint), c.Bucket)
	}
	fn, err := c.Function(ctx, reconcile.Deps{Ledger: s.ledger, Bucket: bucket, Log: s.log, Now: time.Now})
	return started{fn: fn}, err
}
