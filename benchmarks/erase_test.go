package benchmarks_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/dynamo/verifytable"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/filestore/verifyfile"
	"github.com/tarjeta-dev/tarjeta/roundtrip"
)

// The person BenchmarkErase erases holds erasedVerifications
// verifications, each with its request at TD, and erasedEvents pushes
// naming them.
const (
	erasedCURP          = "HEGG560427MVZRRL04"
	erasedVerifications = 100
	erasedEvents        = 1000
)

// erasingStores are the stores an erase runs over.
type erasingStores interface {
	verification.Store
	privacy.Verifications
}

type erasingEvents interface {
	webhook.Store
	privacy.Events
	erasure.Records
}

// deletedAt is a provider that deletes at once: the benchmark measures our
// stores, not a provider.
type deletedAt struct{}

func (deletedAt) Erase(_ context.Context, m erasure.Made) []erasure.Deletion {
	return []erasure.Deletion{{Provider: "td", Reference: m.Reference, Status: erasure.Deleted}}
}

// seedPerson keeps the person's verifications and events in the stores.
func seedPerson(b *testing.B, vs erasingStores, es erasingEvents) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	body := []byte(`{"sequence_id":"x","result":"OK","social_security_info":{"name":"GABRIELA HERNANDEZ GARCIA","work_detail":[` +
		`{"start_date":"21/12/2022","end_date":"Vigente","daily_salary":"$334.26","name_workpalce":"CAPITAL ARRECIFE"}]}}`)
	for i := range erasedVerifications {
		at := now.Add(time.Duration(i) * time.Millisecond)
		v := verification.Verification{
			ID: fmt.Sprintf("ver_%026d", i), Input: verification.Input{CURP: erasedCURP}, Status: verification.Pending,
			CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(720 * time.Hour), NextCheck: at.Add(time.Minute), Version: 1,
		}
		w, err := vs.Window(ctx, verification.PersonKey(erasedCURP))
		if err == nil {
			w.Created = append(w.Created, at)
			err = vs.Create(ctx, v, w)
		}
		ref := fmt.Sprintf("1700000000%06d", i)
		if err == nil {
			v.Version++
			v.Attempts = []verification.Attempt{{Provider: "td", Status: verification.Pending, Reference: ref, StartedAt: at}}
			err = vs.Save(ctx, v, &verification.Reference{Provider: "td", Reference: ref})
		}
		if err != nil {
			b.Fatal(err)
		}
		for j := range erasedEvents / erasedVerifications {
			key := fmt.Sprintf("%s:%d", ref, j)
			e := webhook.Event{ID: webhook.IDOf("td", key), Provider: "td", Route: "td", Type: "OK", DedupeKey: key, Status: webhook.Processed,
				ReceivedAt: at, ExpiresAt: at.Add(time.Hour), Auth: "bench", Body: body,
				Subjects: webhook.SubjectKeys([]string{"td:" + ref, "curp:" + erasedCURP})}
			if _, err := es.Receive(ctx, e, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkErase erases a person with 100 verifications and 1 000 events
// (DELETE /people/{curp} without its HTTP): on the embedded store (calls
// are the store's own operations) and on DynamoDB Local (calls are
// requests). Seeding is not timed, and each erase has stores of its own,
// dropped after it. make bench runs one erase (-benchtime 1x) on a fresh
// DynamoDB Local: a second one on the same server takes three times as
// long, and a fourth five, tables dropped or not (DynamoDB Local's own
// slowing, not ours: the calls are the same).
func BenchmarkErase(b *testing.B) {
	run := func(b *testing.B, open func(b *testing.B) (erasingStores, erasingEvents, func()), calls func(ctx context.Context) (context.Context, func() int64)) {
		var elapsed time.Duration
		var n int64
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			vs, es, drop := open(b)
			seedPerson(b, vs, es)
			s := &privacy.Service{
				People: privacy.People{Verifications: vs, Events: es}, Records: es, Erasers: map[string]erasure.Eraser{"td": deletedAt{}},
				Hasher: erasure.Hasher{Key: []byte("the benchmark's erasure key")}, Now: time.Now, Random: rand.Reader,
			}
			ctx, count := calls(context.Background())
			b.StartTimer()
			start := time.Now()
			r, err := s.Erase(ctx, erasedCURP)
			elapsed += time.Since(start)
			b.StopTimer()
			n += count()
			if err != nil || r.Verifications != erasedVerifications || r.Events != erasedEvents {
				b.Fatalf("receipt %d verifications, %d events: %v", r.Verifications, r.Events, err)
			}
			drop()
			b.StartTimer()
		}
		b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(b.N), "ms/erase")
		b.ReportMetric(float64(n)/float64(b.N), "calls/erase")
	}
	b.Run("embedded", func(b *testing.B) {
		run(b, func(b *testing.B) (erasingStores, erasingEvents, func()) {
			dir := b.TempDir()
			vs, err := verifyfile.Open(dir, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			es, err := eventfile.Open(dir, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			return vs, es, func() { es.Close(); vs.Close() }
		}, func(ctx context.Context) (context.Context, func() int64) {
			ctx, c := roundtrip.With(ctx)
			return ctx, c.N
		})
	})
	b.Run("dynamodb", func(b *testing.B) {
		ddbOnce.Do(func() { ddb, ddbErr = dynamotest.Start() })
		if ddbErr != nil {
			b.Fatal(ddbErr)
		}
		run(b, func(b *testing.B) (erasingStores, erasingEvents, func()) {
			db := ddb.Client(countAll)
			verifications, events := ddb.Fresh(b, verifytable.Create), ddb.EventsTable(b)
			return verifytable.New(db, verifications), eventtable.New(db, events), func() {
				for _, table := range []string{verifications, events} {
					if _, err := db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table}); err != nil {
						b.Fatal(err)
					}
				}
			}
		}, func(ctx context.Context) (context.Context, func() int64) {
			ddbCalls.Store(0)
			return ctx, ddbCalls.Load
		})
	})
}
