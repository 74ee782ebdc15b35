package benchmarks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/s3bucket"
	"github.com/tarjeta-dev/tarjeta/s3bucket/s3test"
)

var (
	s3Once sync.Once
	s3srv  *s3test.Server
	s3Err  error
)

// BenchmarkReconcileEndToEnd is the reconciliation as it runs in AWS: the
// day's files streamed from an S3 server (versitygw), the ledger on
// DynamoDB Local (positions read by BatchGetItem, 8 at a time, postings
// written 33 to a transaction, 4 lanes at a time, the day's entries read
// from the hourly index). Loading the ledger (ledgertable.Import) and the
// files is not timed; peak-RSS is this process's high-water mark over the
// run alone (DynamoDB Local and versitygw run apart).
func BenchmarkReconcileEndToEnd(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			ddbOnce.Do(func() { ddb, ddbErr = dynamotest.Start() })
			s3Once.Do(func() { s3srv, s3Err = s3test.Start() })
			if ddbErr != nil || s3Err != nil {
				b.Fatal(ddbErr, s3Err)
			}
			dir := settlementDay(b, rows)
			want, postings := expected(b, dir)
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				store := ledgertable.New(ddb.Client(), ddb.Table(b))
				if err := importLedger(ctx, store, filepath.Join(dir, "ledger.csv")); err != nil {
					b.Fatal(err)
				}
				bucket := s3srv.Bucket(b)
				for _, name := range []string{"transactions2026_12_01.csv", "presentations2026_12_01.csv"} {
					if err := upload(ctx, s3srv.Client(), bucket, filepath.Join(dir, "settlement", name), name); err != nil {
						b.Fatal(err)
					}
				}
				counted := &countingLedger{Store: store}
				r := settlement.New(settlement.Config{
					Bucket: s3bucket.New(s3srv.Client(), bucket), Ledger: counted, Runs: store,
					Zone: settleZone, Now: func() time.Time { return settleNow },
				})
				runtime.GC()
				resetPeakRSS(b)
				b.StartTimer()
				s, err := r.Reconcile(ctx, "2026-12-01", time.Time{})
				b.StopTimer()
				b.ReportMetric(highWaterRSS(b), "peak-RSS-MiB")
				if err != nil || s.Transactions != want {
					b.Fatalf("%+v (%s) %v; want %+v", s.Transactions, s.Reason, err, want)
				}
				if counted.postings != postings {
					b.Fatalf("%d postings, want %d", counted.postings, postings)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// importLedger loads the export into the table, 20 000 entries at a time.
func importLedger(ctx context.Context, store *ledgertable.Store, path string) error {
	var batch []ledger.Entry
	flush := func() error {
		err := store.Import(ctx, batch)
		batch = batch[:0]
		return err
	}
	err := eachEntry(path, func(e ledger.Entry) error {
		batch = append(batch, e)
		if len(batch) == 20_000 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// upload streams a file into the bucket.
func upload(ctx context.Context, client *s3.Client, bucket, path, key string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: f})
	return err
}

// countingLedger counts the postings the run hands the store.
type countingLedger struct {
	*ledgertable.Store
	postings int
}

func (l *countingLedger) Settle(ctx context.Context, ps []ledger.Posting) ([]error, error) {
	l.postings += len(ps)
	return l.Store.Settle(ctx, ps)
}

// resetPeakRSS starts the process's high-water mark again from its
// resident set (Linux's clear_refs 5).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Fatal(err)
	}
}

// highWaterRSS is the process's high-water mark since resetPeakRSS, in MiB.
func highWaterRSS(b *testing.B) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
