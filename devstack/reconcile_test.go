package devstack_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/devstack"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
)

// reconcile posts body to /reconciliations and returns the status and the answer.
func reconcile(t *testing.T, base, body string) (int, []byte) {
	t.Helper()
	res, err := http.Post(base+"/reconciliations", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// TestReconcileLocally is the "done when" through `make run`'s
// stack: Pomelo's calls post to the ledger, the day's two files are dropped
// into the folder bucket, POST /reconciliations answers the summary, the
// ledger shows the adjustments, exceptions.csv lists what did not match,
// and a second run changes nothing, also after a restart.
func TestReconcileLocally(t *testing.T) {
	dir := t.TempDir()
	c := settings(t, map[string]string{"DATA_DIR": dir, "POMELO_API_CREDENTIALS": apiKey + ":" + apiSecret, "DEBUGGER_DIR": t.TempDir()})
	s, err := devstack.Start(context.Background(), c, io.Discard, slog.New(slog.NewJSONHandler(io.Discard, nil)), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.Addr
	secret, _ := base64.StdEncoding.DecodeString(apiSecret)
	sim := &pomelosim.Client{BaseURL: base, APIKey: apiKey, Secret: secret, HTTP: http.DefaultClient, Now: time.Now}
	for i, call := range []struct {
		path string
		txn  pomelosim.Transaction
	}{
		{"/transactions/adjustments/credit", pomelosim.Transaction{Type: "PURCHASE", ID: "fund-1", UserID: "u-1", Total: "100.00"}},
		{"/transactions/authorizations", pomelosim.Transaction{Type: "PURCHASE", ID: "ctx-1", UserID: "u-1", Total: "25.00"}},
		{"/transactions/authorizations", pomelosim.Transaction{Type: "PURCHASE", ID: "ctx-2", UserID: "u-1", Total: "10.00"}},
	} {
		r, err := sim.Send(context.Background(), call.path, call.txn.JSON(), "key-"+string(rune('a'+i)))
		if err != nil || r.Status != 200 {
			t.Fatalf("%s %s: %v %d %s", call.path, call.txn.ID, err, r.Status, r.Body)
		}
	}
	zone, _ := time.LoadLocation("America/Argentina/Buenos_Aires")
	today := time.Now().In(zone)
	date, name := today.Format("2006-01-02"), today.Format("2006_01_02")
	bucket := filepath.Join(dir, "s3", "settlement")
	if err := os.MkdirAll(bucket, 0o755); err != nil {
		t.Fatal(err)
	}
	drop := func(file, content string) {
		if err := os.WriteFile(filepath.Join(bucket, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	drop("transactions"+name+".csv", "TRANSACTION_ID,TRANSACTION_TYPE,USER_ID,LOCAL_AMOUNT,LOCAL_CURRENCY,STATUS,STATUS_DETAIL,SOURCE\n"+
		"ctx-1,PURCHASE,u-1,30.00,ARS,APPROVED,APPROVED,CLEARING\n"+
		"ctx-3,PURCHASE,u-2,490.00,ARS,APPROVED,APPROVED,ONLINE\n"+
		"ctx-4,PURCHASE,u-1,1.00,ARS,REJECTED,INSUFFICIENT_FUNDS,ONLINE\n")
	drop("presentations"+name+".csv", "TRANSACTION_ID,USER_ID,DEBT_AMOUNT,DEBT_CURRENCY,FUNCTION_CODE\n"+
		"ctx-1,u-1,30.00,ARS,FIRST_PRESENTMENT\nctx-9,u-9,5.00,ARS,FIRST_PRESENTMENT\n")

	status, first := reconcile(t, base, `{"date":"`+date+`"}`)
	if status != 200 {
		t.Fatalf("POST: %d %s", status, first)
	}
	var sum struct {
		Status        string
		Transactions  map[string]int
		Debts         []map[string]string
		Presentations struct {
			Rows, Flagged int
			Debt          map[string]string
		}
	}
	if err := json.Unmarshal(first, &sum); err != nil {
		t.Fatal(err)
	}
	wantCounts := map[string]int{"rows": 3, "matched": 1, "amount_adjusted": 1, "adjusted": 1, "held": 0, "client_only": 2, "malformed": 0, "refused": 0, "mismatch": 0}
	if sum.Status != "COMPLETED" || !equalCounts(sum.Transactions, wantCounts) {
		t.Errorf("summary %s", first)
	}
	if len(sum.Debts) != 1 || sum.Debts[0]["user_id"] != "u-2" || sum.Debts[0]["balance"] != "-490.00" {
		t.Errorf("debts %v", sum.Debts)
	}
	if sum.Presentations.Rows != 2 || sum.Presentations.Flagged != 1 || sum.Presentations.Debt["ARS"] != "35.00" {
		t.Errorf("presentations %+v", sum.Presentations)
	}
	statement := get(t, base+"/ledger/accounts/u-1")
	if !strings.Contains(string(statement), `"available":"60.00"`) || !strings.Contains(string(statement), `"kind":"SETTLEMENT_DEBIT","amount":"-5.00"`) {
		t.Errorf("u-1's account: %s", statement)
	}
	exceptions, err := os.ReadFile(filepath.Join(bucket, "reports", today.Format("2006/01/02"), "exceptions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ctx-1,AMOUNT_ADJUSTED,CLEARING,APPROVED,DEBIT 5.00 ARS", "ctx-3,ADJUSTED", "ctx-2,CLIENT_ONLY", "fund-1,CLIENT_ONLY", "ctx-9,PRESENTMENT"} {
		if !bytes.Contains(exceptions, []byte(want)) {
			t.Errorf("exceptions.csv lacks %q:\n%s", want, exceptions)
		}
	}
	if bytes.Contains(exceptions, []byte("ctx-4")) {
		t.Errorf("a row rejected on both sides is listed:\n%s", exceptions)
	}
	// The same file through the API: downloaded whole, and paged by rule.
	if got := get(t, base+"/reconciliations/"+date+"/exceptions.csv"); !bytes.Equal(got, exceptions) {
		t.Errorf("GET .../exceptions.csv:\n%s\nwant\n%s", got, exceptions)
	}
	var clientOnly []string
	for cursor, pages := "", 0; pages < 5; pages++ {
		var page struct {
			Exceptions []struct {
				TransactionID string `json:"transaction_id"`
				Rule          string `json:"rule"`
			} `json:"exceptions"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(get(t, base+"/reconciliations/"+date+"/exceptions?rule=CLIENT_ONLY&limit=1&cursor="+cursor), &page); err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Exceptions {
			clientOnly = append(clientOnly, x.TransactionID+" "+x.Rule)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(clientOnly, ",") != "fund-1 CLIENT_ONLY,ctx-2 CLIENT_ONLY" && strings.Join(clientOnly, ",") != "ctx-2 CLIENT_ONLY,fund-1 CLIENT_ONLY" {
		t.Errorf("the CLIENT_ONLY exceptions, a page each: %q", clientOnly)
	}

	// Again, then after a restart: the same summary, nothing moved.
	if status, again := reconcile(t, base, `{"date":"`+date+`"}`); status != 200 || !bytes.Equal(again, first) {
		t.Errorf("second run: %d\n%s\nwant\n%s", status, again, first)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, err = devstack.Start(context.Background(), c, io.Discard, slog.New(slog.NewJSONHandler(io.Discard, nil)), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	base = "http://" + s.Addr
	if got := get(t, base+"/reconciliations/"+date); !bytes.Equal(got, first) {
		t.Errorf("GET after a restart:\n%s\nwant\n%s", got, first)
	}
	if status, again := reconcile(t, base, `{"date":"`+date+`"}`); status != 200 || !bytes.Equal(again, first) {
		t.Errorf("run after a restart: %d\n%s", status, again)
	}
	if after := get(t, base+"/ledger/accounts/u-1"); !bytes.Equal(after, statement) {
		t.Errorf("the ledger changed:\n%s\nwas\n%s", after, statement)
	}

	yesterday := today.AddDate(0, 0, -1).Format("2006-01-02")
	for _, tc := range []struct {
		body   string
		status int
		has    string
	}{
		{`{"date":"` + yesterday + `"}`, 200, `"status":"FAILED","reason":"no object transactions`},
		{`{"date":"` + today.AddDate(0, 0, 1).Format("2006-01-02") + `"}`, 400, `"code":"INVALID_INPUT"`},
		{`{"date":"2026-02-30"}`, 400, `"code":"INVALID_INPUT"`},
		{`{"date":20261201}`, 400, `"code":"INVALID_INPUT"`},
		{`{"date":"2026-12-01","date":"2026-12-02"}`, 400, `"code":"MALFORMED_PAYLOAD"`},
		{`{"day":"2026-12-01"}`, 400, `"code":"MALFORMED_PAYLOAD"`},
		{`[]`, 400, `"code":"MALFORMED_PAYLOAD"`},
	} {
		if status, b := reconcile(t, base, tc.body); status != tc.status || !strings.Contains(string(b), tc.has) {
			t.Errorf("POST %s: %d %s, want %d with %s", tc.body, status, b, tc.status, tc.has)
		}
	}
	if got := get(t, base+"/reconciliations/"+yesterday); !strings.Contains(string(got), `"status":"FAILED"`) {
		t.Errorf("GET of the failed day: %s", got)
	}
	for path, want := range map[string]string{
		"/reconciliations/2020-01-01": `"code":"RECONCILIATION_NOT_FOUND"`,
		"/reconciliations/2020-13-01": `"code":"INVALID_INPUT"`,
	} {
		if got := get(t, base+path); !strings.Contains(string(got), want) {
			t.Errorf("GET %s: %s", path, got)
		}
	}
}

func equalCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
