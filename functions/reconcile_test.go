package functions_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
	"github.com/tarjeta-dev/tarjeta/dynamo/ledgertable"
	"github.com/tarjeta-dev/tarjeta/providers/settlementsim"
)

// TestReconcileBootstrap: the reconcile bootstrap, on DynamoDB Local and
// versitygw, runs the sample day from its continuation event: each
// invocation applies a chunk and invokes the function again through
// Lambda's Invoke API, until the day is COMPLETED; the API then shows it,
// a re-run changes nothing, and the schedule's {} runs yesterday.
func TestReconcileBootstrap(t *testing.T) {
	ledger, bucket := ddb.Fresh(t, ledgertable.Create), s3srv.Bucket(t)
	const rows = 12_000 // two checkpoints and a bit
	put(t, bucket, "transactions2026_12_01.csv", settlementsim.Rejected(rows, 50))
	put(t, bucket, "presentations2026_12_01.csv", []byte("TRANSACTION_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n"))

	rt := start(t, "reconcile", "LEDGER_TABLE_NAME="+ledger, "SETTLEMENT_BUCKET="+bucket)
	// Less than the 3 minutes an invocation keeps for its report: every
	// invocation applies one chunk and continues itself.
	rt.Timeout = time.Minute
	var first struct {
		Date, Status string
	}
	decode(t, invoke(t, rt, sample(t, "reconcile/continuation.json")), &first)
	if first.Date != sampleDay || first.Status != "RUNNING" {
		t.Fatalf("the first invocation: %+v, want RUNNING", first)
	}
	deadline := time.Now().Add(time.Minute)
	var last struct{ Status string }
	for {
		runs := rt.Asynchronous()
		if len(runs) > 0 {
			if e := runs[len(runs)-1].Error; e != nil {
				t.Fatalf("a continuation failed: %v", e)
			}
			decode(t, runs[len(runs)-1].Payload, &last)
			if last.Status != "RUNNING" {
				if last.Status != "COMPLETED" || len(runs) != 3 {
					t.Errorf("after %d continuations: %s, want COMPLETED after 3", len(runs), last.Status)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run does not end: %d continuations", len(runs))
		}
		time.Sleep(50 * time.Millisecond)
	}

	run := call(t, rt, sample(t, "reconcile/run.json"))
	if run.StatusCode != 200 || run.JSON["status"] != "COMPLETED" {
		t.Errorf("a re-run: %d %s", run.StatusCode, run.Body)
	}
	summary := call(t, rt, sample(t, "reconcile/summary.json"))
	counts, _ := summary.JSON["transactions"].(map[string]any)
	if summary.StatusCode != 200 || summary.JSON["status"] != "COMPLETED" || counts["rows"] != float64(rows) || counts["matched"] != float64(rows) {
		t.Errorf("summary: %d %s", summary.StatusCode, summary.Body)
	}
	list := call(t, rt, sample(t, "reconcile/list.json"))
	days, _ := list.JSON["reconciliations"].([]any)
	if list.StatusCode != 200 || len(days) != 1 || days[0].(map[string]any)["status"] != "COMPLETED" {
		t.Errorf("list: %d %s", list.StatusCode, list.Body)
	}
	// Every row matched: no exception, and a file of its header alone.
	if x := call(t, rt, sample(t, "reconcile/exceptions.json")); x.StatusCode != 200 || x.Body != `{"exceptions":[],"next_cursor":null}` {
		t.Errorf("exceptions: %d %s", x.StatusCode, x.Body)
	}
	if x := call(t, rt, sample(t, "reconcile/exceptions-csv.json")); x.StatusCode != 200 || x.Body != strings.Join(settlement.ExceptionColumns, ",")+"\n" || x.Headers["Content-Type"] != "text/csv; charset=utf-8" {
		t.Errorf("exceptions.csv: %d %v %q", x.StatusCode, x.Headers, x.Body)
	}
	var yesterday struct{ Date, Status string }
	decode(t, invoke(t, rt, sample(t, "reconcile/schedule.json")), &yesterday)
	if yesterday.Date == "" || yesterday.Date == sampleDay {
		t.Errorf("the schedule's run: %+v, want yesterday's", yesterday)
	}
	expectGranted(t, rt)
	expectMetrics(t, rt, `"Status":"COMPLETED","Reconciliations":1`, `"ReconciledMatched":12000`)
	expectInitError(t, "reconcile", []string{"LEDGER_TABLE_NAME=" + ledger}, "SETTLEMENT_BUCKET")
}

func put(t *testing.T, bucket, key string, body []byte) {
	t.Helper()
	if _, err := s3srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}
