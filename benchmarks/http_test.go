package benchmarks_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

var (
	ddbOnce  sync.Once
	ddb      *dynamotest.Server
	ddbErr   error
	ddbCalls atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if ddb != nil {
		ddb.Stop()
	}
	os.Exit(code)
}

// countAll counts every DynamoDB call the benchmark's client makes.
func countAll(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("CountAll",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			ddbCalls.Add(1)
			return next.HandleDeserialize(ctx, in)
		}), middleware.After)
}

// BenchmarkHTTPDynamoDB sends distinct purchases from concurrent Pomelo
// clients over loopback HTTP to the handler over DynamoDB Local; the
// dup=10% runs make one request in ten a retry of the client's previous
// request, same key and body, as Pomelo sends after a timeout.
func BenchmarkHTTPDynamoDB(b *testing.B) {
	for _, clients := range []int{2, 4, 16} {
		for _, dup := range []int{0, 10} {
			b.Run(fmt.Sprintf("clients=%d/dup=%d%%", clients, dup), func(b *testing.B) { benchHTTP(b, clients, dup) })
		}
	}
}

func benchHTTP(b *testing.B, clients, dupPercent int) {
	ddbOnce.Do(func() { ddb, ddbErr = dynamotest.Start() })
	if ddbErr != nil {
		b.Fatal(ddbErr)
	}
	client := ddb.Client(countAll)
	store := ledgertable.New(client, ddb.Table(b))
	srv := httptest.NewServer(apitest.Handler(b, apitest.Settings(0), store, io.Discard, time.Now))
	defer srv.Close()
	transport := &http.Transport{MaxIdleConnsPerHost: 256}
	sim := &pomelosim.Client{BaseURL: srv.URL, APIKey: apiKey, Secret: secret, HTTP: &http.Client{Transport: transport}, Now: time.Now, Retries: 50, RetryDelay: 2 * time.Millisecond}
	ctx := context.Background()
	for u := range users {
		r, err := sim.Send(ctx, "/transactions/adjustments/credit", fundBody(u), fmt.Sprint("fund-", u))
		if err != nil || r.Status != 200 {
			b.Fatalf("funding: %v %d %s", err, r.Status, r.Body)
		}
	}

	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		failures  atomic.Int64
	)
	ddbCalls.Store(0)
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		var last int64 = -1
		for n := 0; pb.Next(); n++ {
			i := next.Add(1)
			if dupPercent > 0 && last >= 0 && n%100 < dupPercent {
				i = last // Pomelo timed out and resends the same request
			}
			last = i
			start := time.Now()
			r, err := sim.Send(ctx, authPath, purchaseBody(int(i)), fmt.Sprint("key-", i))
			mine = append(mine, time.Since(start))
			if err != nil || r.Status != 200 || r.Signed != nil {
				failures.Add(1)
			}
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, b.N)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(0.999), "p99.9-ms")
	b.ReportMetric(float64(ddbCalls.Load())/float64(b.N), "ddb-calls/req")
}
