package benchmarks_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// BenchmarkWebhooksDynamoDB sends each provider's notifications, signed by
// the simulator, over loopback HTTP to the webhooks handler over DynamoDB
// Local: receive, verify, keep (one conditional write), acknowledge. The
// dup runs send every notification twice, as a provider retrying.
func BenchmarkWebhooksDynamoDB(b *testing.B) {
	for _, kind := range webhooksim.Kinds {
		for _, dup := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/dup=%v", kind, dup), func(b *testing.B) { benchWebhooks(b, kind, dup) })
		}
	}
}

func benchWebhooks(b *testing.B, kind webhooksim.Kind, dup bool) {
	ddbOnce.Do(func() { ddb, ddbErr = dynamotest.Start() })
	if ddbErr != nil {
		b.Fatal(ddbErr)
	}
	s := apitest.NewWebhooks(b, eventtable.New(ddb.Client(countAll), ddb.EventsTable(b)), nil)
	s.Sender.HTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	ctx := context.Background()
	mode := webhooksim.Valid
	if dup {
		mode = webhooksim.Duplicate
	}
	var latencies []time.Duration
	ddbCalls.Store(0)
	deliveries := 0
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		xs, err := s.Sender.Send(ctx, kind, mode)
		elapsed := time.Since(start)
		if err != nil || xs[0].Status >= 300 || xs[len(xs)-1].Status >= 300 {
			b.Fatalf("%s: %v %+v", kind, err, xs)
		}
		for range xs {
			latencies = append(latencies, elapsed/time.Duration(len(xs)))
		}
		deliveries += len(xs)
	}
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(ddbCalls.Load())/float64(deliveries), "ddb-calls/delivery")
}
