package functions_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/dynamo/verifytable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
	"github.com/tarjeta-dev/tarjeta/serve/runtimetest"
)

// coldCase is how a function is started for the cold-start benchmark and
// what it answers: its first event, and the events of its warm answers.
type coldCase struct {
	function string
	start    func(b *testing.B) *bootstrap
	first    []byte
	warm     func(b *testing.B, i int) []byte
}

func coldCases(b *testing.B) []coldCase {
	secret, _ := base64.StdEncoding.DecodeString(apitest.APISecret)
	pomelo := &pomelosim.Client{APIKey: apitest.APIKey, Secret: secret, Now: time.Now}
	hooks := &webhooksim.Sender{Now: time.Now, PomeloAPIKey: apitest.APIKey, PomeloSecret: secret}
	return []coldCase{
		{
			function: "authorize",
			start: func(b *testing.B) *bootstrap {
				return startWith(b, "authorize", map[string]string{pomeloSecretARN: samplePomelo}, "LEDGER_TABLE_NAME="+ddb.Fresh(b, ledgertable.Create),
					"POMELO_CREDENTIALS_SECRET_ARN="+pomeloSecretARN, "POMELO_SIGNATURE_TOLERANCE=87600h")
			},
			first: sample(b, "authorize/adjustment-credit.json"),
			warm: func(b *testing.B, i int) []byte {
				tx := pomelosim.Transaction{Type: "PURCHASE", ID: fmt.Sprint("ctx-warm-", i), UserID: sampleUser, Total: "0.01"}
				req, err := pomelo.Request(context.Background(), "/transactions/authorizations", tx.JSON(), fmt.Sprint("warm-", i))
				if err != nil {
					b.Fatal(err)
				}
				return marshal(b, httpEvent(b, "POST /transactions/authorizations", req, pomeloIP, false))
			},
		},
		{
			function: "webhooks",
			start: func(b *testing.B) *bootstrap {
				return start(b, "webhooks", envOf(webhookSettings(ddb.Fresh(b, eventtable.Create)))...)
			},
			first: sample(b, "webhooks/pomelo-activity.json"),
			warm: func(b *testing.B, i int) []byte {
				req, err := hooks.Request(context.Background(), webhooksim.PomeloActivity, webhooksim.Body(webhooksim.PomeloActivity, fmt.Sprint("warm", i), 1), webhooksim.Valid)
				if err != nil {
					b.Fatal(err)
				}
				return marshal(b, httpEvent(b, "POST /webhooks/pomelo/activities", req, pomeloIP, false))
			},
		},
		{
			function: "verify",
			start: func(b *testing.B) *bootstrap {
				return start(b, "verify", "VERIFICATIONS_TABLE_NAME="+ddb.Fresh(b, verifytable.Create), "WEBHOOKS_TABLE_NAME="+ddb.Fresh(b, eventtable.Create))
			},
			first: sample(b, "verify/by-external-id.json"),
			warm:  func(*testing.B, int) []byte { return sample(b, "verify/by-external-id.json") },
		},
		{
			function: "reconcile",
			start: func(b *testing.B) *bootstrap {
				return start(b, "reconcile", "LEDGER_TABLE_NAME="+ddb.Fresh(b, ledgertable.Create), "SETTLEMENT_BUCKET="+s3srv.Bucket(b))
			},
			first: sample(b, "reconcile/summary.json"),
			warm:  func(*testing.B, int) []byte { return sample(b, "reconcile/summary.json") },
		},
	}
}

func marshal(b *testing.B, v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkColdStart starts each function's bootstrap b.N times as Lambda
// does and reports, in medians: init (process start to its first request
// for an event), cold (process start to its first answer), the store's own
// first request (a bare SDK client's first GetItem on DynamoDB Local, made
// from this process, whose connection and JIT warm-up the first answer also
// pays), cold less that, and over 300 warm answers of the last process
// their p50 and p99; and the bootstrap's size.
//
// With handshake=40ms every new connection to Secrets Manager, DynamoDB
// and S3 waits 40 ms before its first answer, as DNS, TCP and TLS cost a
// function in AWS; the store's own first request pays it too.
func BenchmarkColdStart(b *testing.B) {
	for _, h := range []time.Duration{0, 40 * time.Millisecond} {
		handshake = h
		for _, c := range coldCases(b) {
			b.Run(fmt.Sprintf("%s/handshake=%s", c.function, h), func(b *testing.B) { benchColdStart(b, c) })
		}
	}
	handshake = 0
}

func benchColdStart(b *testing.B, c coldCase) {
	var inits, colds, stores []time.Duration
	var last *bootstrap
	for i := range b.N {
		store := storeFirstRequest(b)
		bs := c.start(b)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := bs.Invoke(ctx, c.first)
		cancel()
		if err != nil || res.Error != nil {
			b.Fatalf("first answer: %v %v\n%s", err, res.Error, bs.Log())
		}
		inits = append(inits, bs.Ready().Sub(bs.Started()))
		colds = append(colds, res.Answered.Sub(bs.Started()))
		stores = append(stores, store)
		if i < b.N-1 {
			bs.Close()
		}
		last = bs
	}
	var warm []time.Duration
	for i := range 300 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := last.Invoke(ctx, c.warm(b, i))
		cancel()
		if err != nil || res.Error != nil {
			b.Fatalf("warm answer %d: %v %v", i, err, res.Error)
		}
		warm = append(warm, res.Took)
	}
	last.Close()
	info, err := os.Stat(filepath.Join(bootstraps, c.function, "bootstrap"))
	if err != nil {
		b.Fatal(err)
	}
	cold, store := median(colds), median(stores)
	b.ReportMetric(ms(median(inits)), "init-ms")
	b.ReportMetric(ms(cold), "cold-ms")
	b.ReportMetric(ms(store), "store-first-ms")
	b.ReportMetric(ms(cold-store), "cold-less-store-ms")
	b.ReportMetric(ms(percentile(warm, 50)), "warm-p50-ms")
	b.ReportMetric(ms(percentile(warm, 99)), "warm-p99-ms")
	b.ReportMetric(float64(info.Size())/(1<<20), "MiB")
	b.ReportMetric(0, "ns/op")
}

// storeFirstRequest is how long a bare SDK client takes over its first
// request to DynamoDB Local, through a recorder with the benchmark's
// handshake: a GetItem on a fresh table.
func storeFirstRequest(b *testing.B) time.Duration {
	table := ddb.Fresh(b, ledgertable.Create)
	rec, err := runtimetest.NewRecorder(ddb.Endpoint)
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	rec.SetHandshake(handshake)
	began := time.Now()
	c := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")},
		func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(rec.URL()) })
	_, err = c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "x"}, "sk": &types.AttributeValueMemberS{Value: "x"}}})
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(began)
}

func median(d []time.Duration) time.Duration { return percentile(d, 50) }

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
