package benchmarks_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
	"github.com/tarjeta-dev/tarjeta/storetest"
)

// keptEvents is how many events the listing benchmark keeps first: TD
// pushes waiting for the verify function, as a busy table holds them.
const keptEvents = 5000

// BenchmarkEventsDynamoDB measures the events API and the local processing
// loop over DynamoDB Local with keptEvents events kept:
//
//   - filtered-none: GET /webhooks/events with a filter that matches
//     nothing (provider=palenca&status=FAILED);
//   - page-50: the first page of all events;
//   - activity-processed: an activity delivered, then the loop's step
//     (Tick) until it is PROCESSED; in the local stack the step runs every
//     second and on every change, so an activity is processed within a
//     second plus this.
func BenchmarkEventsDynamoDB(b *testing.B) {
	ddbOnce.Do(func() { ddb, ddbErr = dynamotest.Start() })
	if ddbErr != nil {
		b.Fatal(ddbErr)
	}
	store := eventtable.New(ddb.Client(countAll), ddb.EventsTable(b))
	fill(b, store)
	s := apitest.NewWebhooks(b, store, nil)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(b *testing.B, query string) {
		res, err := client.Get(s.URL + "/webhooks/events" + query)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%v %v", err, res)
		}
		res.Body.Close()
	}
	b.Run("filtered-none", func(b *testing.B) { measure(b, func() { get(b, "?provider=palenca&status=FAILED") }) })
	b.Run("page-50", func(b *testing.B) { measure(b, func() { get(b, "?limit=50") }) })
	b.Run("activity-processed", func(b *testing.B) {
		ctx := context.Background()
		measure(b, func() {
			xs, err := s.Sender.Send(ctx, webhooksim.PomeloActivity, webhooksim.Valid)
			if err != nil || xs[0].Status != 204 {
				b.Fatalf("%v %+v", err, xs)
			}
			if err := s.Function.Tick(ctx); err != nil {
				b.Fatal(err)
			}
		})
		page, _, err := store.Events(ctx, webhook.Filter{Provider: "pomelo", Status: webhook.Received}, "", 10)
		if err != nil || len(page) != 0 {
			b.Fatalf("activities left unprocessed: %d, %v", len(page), err)
		}
	})
}

// measure runs op b.N times and reports DynamoDB calls per op.
func measure(b *testing.B, op func()) {
	ddbCalls.Store(0)
	start := time.Now()
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(ddbCalls.Load())/float64(b.N), "ddb-calls/op")
}

// fill keeps keptEvents TD events, RECEIVED, with 8 writers.
func fill(b *testing.B, store webhook.Store) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < keptEvents; i += 8 {
				e := storetest.Ev("td", "OK", fmt.Sprintf("seq-%d:OK", i), i)
				if _, err := store.Receive(context.Background(), e, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}
