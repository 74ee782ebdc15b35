package devstack

import (
	"context"
	"time"

	"github.com/tarjeta-dev/tarjeta/config/authorize"
	"github.com/tarjeta-dev/tarjeta/config/reconcile"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
)

// ledgerStore is the ledger's store as the authorize and the reconcile
// functions share it.
type ledgerStore interface {
	authorize.Store
	reconcile.Store
}

// startAuthorize starts the authorize function over the ledger's embedded
// store, or its table on DynamoDB, and keeps the store for the reconcile
// function.
func startAuthorize(ctx context.Context, s *Stack) (started, error) {
	c := s.c.Authorize
	c.Credentials = s.pomelo
	var store ledgerStore
	if s.db == nil {
		fs, err := ledgerfile.Open(s.storeDir(), time.Now())
		if err != nil {
			return started{}, err
		}
		s.closers = append(s.closers, fs.Close)
		store = fs
	} else {
		if err := ledgertable.Create(ctx, s.db, c.Table()); err != nil {
			return started{}, err
		}
		store = ledgertable.New(s.db, c.Table())
	}
	s.ledger = store
	fn, err := c.Function(ctx, authorize.Deps{Store: store, Log: s.log, Now: time.Now})
	return started{fn: fn}, err
}
