package filestore_test

import (
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/filestore"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := filestore.Open(t.TempDir(), storetest.T0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestEventsConformance(t *testing.T) {
	storetest.RunEvents(t, func(t *testing.T) webhook.Store {
		s, err := filestore.OpenEvents(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
