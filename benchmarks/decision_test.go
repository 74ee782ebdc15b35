package benchmarks_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/authorization"
	"github.com/tarjeta-dev/tarjeta/core/idempotency"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/signature"
	"github.com/tarjeta-dev/tarjeta/filestore/ledgerfile"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

const (
	apiKey    = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE="
	apiSecret = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A="
	users     = 1000
	authPath  = "/transactions/authorizations"
)

var secret, _ = base64.StdEncoding.DecodeString(apiSecret)

func keyring(b *testing.B) *signature.Keyring {
	k, err := signature.ParseCredentials(apiKey + ":" + apiSecret)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// signed returns the request Pomelo sends with body to path under key.
func signed(route authorization.Route, path string, body []byte, key string, now time.Time) authorization.Request {
	ts := signature.Timestamp(now)
	return authorization.Request{Route: route, Called: path, Body: body, Header: &headers{
		apiKey: apiKey, timestamp: ts, endpoint: path, key: key,
		signature: signature.Sign(secret, ts, path, body),
	}}
}

// headers holds a request's headers in fields rather than an http.Header, so
// that the benchmark's pre-built requests weigh little on the collector.
type headers struct{ apiKey, timestamp, endpoint, signature, key string }

func (h *headers) Get(name string) string {
	switch name {
	case signature.HeaderAPIKey:
		return h.apiKey
	case signature.HeaderTimestamp:
		return h.timestamp
	case signature.HeaderEndpoint:
		return h.endpoint
	case signature.HeaderSignature:
		return h.signature
	case authorization.HeaderIdempotencyKey:
		return h.key
	}
	return ""
}

func purchaseBody(i int) []byte {
	return pomelosim.Transaction{Type: "PURCHASE", ID: fmt.Sprintf("ctx-%d", i), UserID: fmt.Sprintf("u-%d", i%users), Total: "12.34"}.JSON()
}

func fundBody(u int) []byte {
	return pomelosim.Transaction{Type: "PAYMENT", ID: fmt.Sprint("fund-", u), UserID: fmt.Sprint("u-", u), Total: "100000000"}.JSON()
}

// BenchmarkDecisionPath runs whole authorizations in process: signature
// verification, payload decoding, the decision, the embedded store's journal
// write and fsync, and the response signature. Every request is a distinct
// approved purchase. Requests run 16 at a time, and 128 at a time to show
// how group commit spreads one fsync over the commits that wait for it.
func BenchmarkDecisionPath(b *testing.B) {
	for _, inFlight := range []int{16, 128} {
		b.Run(fmt.Sprint("inflight=", inFlight), func(b *testing.B) { decisionPath(b, inFlight) })
	}
}

func decisionPath(b *testing.B, inFlight int) {
	now := time.Now()
	store, err := ledgerfile.Open(b.TempDir(), now)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	svc := authorization.New(authorization.Config{
		Verifier: signature.Verifier{Keys: keyring(b)}, Store: store, Now: time.Now, Retention: idempotency.DefaultRetention,
	})
	ctx := context.Background()
	for u := range users {
		r := signed(authorization.AdjustCredit, "/transactions/adjustments/credit", fundBody(u), fmt.Sprint("fund-", u), now)
		if res := svc.Serve(ctx, r); res.Status != 200 {
			b.Fatalf("funding: %d %s", res.Status, res.Body)
		}
	}
	reqs := newCorpus(b.N, now)
	var next atomic.Int64
	var rejected atomic.Int64
	b.ReportAllocs()
	// Pomelo sends concurrently; the journal writes its lines in groups.
	b.SetParallelism(max(1, inFlight/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res := svc.Serve(ctx, reqs.request(int(next.Add(1)-1)))
			if res.Outcome.Result != outcome.Approved {
				rejected.Add(1)
			}
		}
	})
	b.StopTimer()
	if n := rejected.Load(); n > 0 {
		b.Fatalf("%d of %d authorizations not approved", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// corpus holds pre-signed purchases in one pointer-free arena, so that the
// garbage collector does not spend the benchmark walking them; request
// rebuilds the i-th one as the HTTP layer would hand it over.
type corpus struct {
	arena []byte
	spans [][3]int32 // ends of the body, the signature and the key of each request
	ts    string
}

func newCorpus(n int, now time.Time) *corpus {
	c := &corpus{spans: make([][3]int32, n), ts: signature.Timestamp(now)}
	for i := range n {
		body := purchaseBody(i)
		c.arena = append(c.arena, body...)
		c.spans[i][0] = int32(len(c.arena))
		c.arena = append(c.arena, signature.Sign(secret, c.ts, authPath, body)...)
		c.spans[i][1] = int32(len(c.arena))
		c.arena = append(c.arena, fmt.Sprint("key-", i)...)
		c.spans[i][2] = int32(len(c.arena))
	}
	return c
}

func (c *corpus) request(i int) authorization.Request {
	start := int32(0)
	if i > 0 {
		start = c.spans[i-1][2]
	}
	sp := c.spans[i]
	return authorization.Request{
		Route:  authorization.Authorize,
		Called: authPath,
		Body:   c.arena[start:sp[0]:sp[0]],
		Header: &headers{
			apiKey: apiKey, timestamp: c.ts, endpoint: authPath,
			signature: string(c.arena[sp[0]:sp[1]]), key: string(c.arena[sp[1]:sp[2]]),
		},
	}
}
