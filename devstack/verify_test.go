package devstack_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/devstack"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/people"
)

// verifyStack starts the local stack with env added to its settings, its
// DATA_DIR a new directory unless env sets it.
func verifyStack(t *testing.T, env map[string]string) (base string, logs *apitest.LogBuffer) {
	t.Helper()
	if env["DATA_DIR"] == "" {
		env["DATA_DIR"] = t.TempDir()
	}
	env["DEBUGGER_DIR"] = t.TempDir()
	logs = &apitest.LogBuffer{}
	c := settings(t, env)
	s, err := devstack.Start(context.Background(), c, io.Discard, slog.New(slog.NewJSONHandler(logs, nil)), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return "http://" + s.Addr, logs
}

type verificationJSON struct {
	ID, Status, Provider string
	Attempts             []struct {
		Provider, Status string
		Error            *problemJSON
	}
	Report *struct {
		Person struct{ Name, CURP, NSS *string }
		Jobs   []struct {
			Employer    string
			DailySalary string `json:"daily_salary"`
			Current     bool
			Movements   []struct{ Type string }
		}
		Insights struct {
			EmployedNow           bool   `json:"employed_now"`
			MonthlyIncomeEstimate string `json:"monthly_income_estimate"`
		}
		Source struct {
			Provider, Reference string
			Confirmed           bool
		}
	}
	Error *problemJSON
}

type problemJSON struct {
	Code, Message, About string
	Retryable            bool
	ProviderMessage      *string `json:"provider_message"`
}

func post(t *testing.T, base, body string) (int, []byte) {
	t.Helper()
	res, err := http.Post(base+"/verifications", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func started(t *testing.T, base, body string) string {
	t.Helper()
	status, b := post(t, base, body)
	var v struct{ ID, Status, Provider, CreatedAt string }
	if status != http.StatusAccepted || json.Unmarshal(b, &v) != nil || v.ID == "" {
		t.Fatalf("POST %s = %d %s", body, status, b)
	}
	return v.ID
}

// settled waits up to limit for the verification to leave PENDING.
func settled(t *testing.T, base, id string, limit time.Duration) verificationJSON {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var v verificationJSON
		b := get(t, base+"/verifications/"+id)
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("GET: %s", b)
		}
		if v.Status != "PENDING" {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("still PENDING after %s: %s", limit, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func scenario(s people.Scenario) people.Person {
	for _, p := range people.Known {
		if p.Scenario == s {
			return p
		}
	}
	panic(s)
}

// TestVerifyEachProvider: with every provider's URL unset, `make run`
// serves each provider's simulator, and a verification started with it is
// COMPLETED seconds later from its webhook, with the one report.
func TestVerifyEachProvider(t *testing.T) {
	base, _ := verifyStack(t, map[string]string{})
	rich := scenario(people.Rich)
	for _, provider := range []string{"td", "palenca", "belvo"} {
		t.Run(provider, func(t *testing.T) {
			id := started(t, base, fmt.Sprintf(`{"curp":%q,"nss":%q,"provider":%q}`, rich.CURP, rich.NSS, provider))
			v := settled(t, base, id, 10*time.Second)
			if v.Status != "COMPLETED" || v.Provider != provider || len(v.Attempts) != 1 || v.Report == nil {
				t.Fatalf("%+v", v)
			}
			r := v.Report
			if len(r.Jobs) != 4 || !r.Jobs[0].Current || r.Jobs[0].Employer != "LEVDOS" || r.Jobs[0].DailySalary != "612.40" ||
				*r.Person.CURP != rich.CURP || r.Source.Provider != provider || !r.Source.Confirmed || !r.Insights.EmployedNow ||
				r.Insights.MonthlyIncomeEstimate != "18616.96" {
				t.Errorf("report %+v", r)
			}
			// For a page: the person masked, the rest as it is.
			masked := string(get(t, base+"/verifications/"+id+"?mask=person"))
			if !strings.Contains(masked, `"curp":"ROMA8803****FDRR07"`) || strings.Contains(masked, rich.CURP) || strings.Contains(masked, rich.NSS) ||
				!strings.Contains(masked, `"employer":"LEVDOS"`) {
				t.Errorf("?mask=person: %s", masked)
			}
		})
	}
	// The webhooks function settled each notification for the verify
	// function, with nothing to note.
	var page apitest.EventPage
	json.Unmarshal(get(t, base+"/webhooks/events"), &page)
	if len(page.Events) != 3 {
		t.Fatalf("%d events, want 3", len(page.Events))
	}
	for _, e := range page.Events {
		if e.Status != "PROCESSED" || e.Note != nil {
			t.Errorf("event %+v", e)
		}
	}
	// The person's request finds the three verifications, each provider's
	// push (by its reference) and the references held at each provider.
	var held struct {
		CURP          string
		Verifications []struct{ ID string }
		Events        []struct{ Provider, Body string }
		Providers     []struct{ Provider, Reference string }
	}
	if err := json.Unmarshal(get(t, base+"/people/"+rich.CURP), &held); err != nil {
		t.Fatal(err)
	}
	if held.CURP != rich.CURP || len(held.Verifications) != 3 || len(held.Events) != 3 || len(held.Providers) != 3 {
		t.Errorf("GET /people/%s: %+v", rich.CURP, held)
	}
}

// TestVerifyPolling: a result never pushed is found by the follow-up, once
// VERIFY_POLL_AFTER has passed.
func TestVerifyPolling(t *testing.T) {
	base, _ := verifyStack(t, map[string]string{"VERIFY_POLL_AFTER": "1s"})
	p := scenario(people.NoWebhook)
	id := started(t, base, fmt.Sprintf(`{"curp":%q}`, p.CURP))
	v := settled(t, base, id, 15*time.Second)
	if v.Status != "COMPLETED" || v.Provider != "td" || v.Report == nil || v.Report.Jobs[0].Employer != "PUERTO DE VERACRUZ LOGISTICA" {
		t.Errorf("%+v", v)
	}
}

// TestVerifyTamperedPush: a TD push whose body the query interface
// contradicts is not believed: the report is the query's.
func TestVerifyTamperedPush(t *testing.T) {
	base, logs := verifyStack(t, map[string]string{})
	p := scenario(people.TamperedPush)
	id := started(t, base, fmt.Sprintf(`{"curp":%q}`, p.CURP))
	v := settled(t, base, id, 10*time.Second)
	if v.Status != "COMPLETED" || v.Report.Jobs[0].DailySalary != "310.00" || !v.Report.Source.Confirmed {
		t.Errorf("%+v", v)
	}
	found := false
	for _, l := range logs.Lines(t) {
		if strings.Contains(fmt.Sprint(l["msg"]), "contradicted") && l["verification"] == id {
			found = true
		}
	}
	if !found {
		t.Error("no log line says the push was contradicted")
	}
}

// TestVerifyFailover: TD down, Palenca answers; a person's problem ends
// the verification with no other provider asked; ISSSTE's records skip
// TD; every provider down fails with the last one's problem.
func TestVerifyFailover(t *testing.T) {
	base, _ := verifyStack(t, map[string]string{})
	id := started(t, base, fmt.Sprintf(`{"curp":%q}`, scenario(people.TDDown).CURP))
	v := settled(t, base, id, 10*time.Second)
	if v.Status != "COMPLETED" || v.Provider != "palenca" || len(v.Attempts) != 2 || v.Attempts[0].Status != "FAILED" ||
		v.Attempts[0].Error.Code != "PROVIDER_UNAVAILABLE" || v.Attempts[0].Error.About != "provider" || v.Attempts[1].Status != "COMPLETED" {
		t.Errorf("%+v", v)
	}

	id = started(t, base, fmt.Sprintf(`{"curp":%q}`, scenario(people.CURPNotFound).CURP))
	v = settled(t, base, id, 10*time.Second)
	if v.Status != "FAILED" || len(v.Attempts) != 1 || v.Error == nil || v.Error.Code != "CURP_NOT_FOUND" || v.Error.About != "person" ||
		v.Error.ProviderMessage == nil || !strings.Contains(*v.Error.ProviderMessage, "RENAPO") {
		t.Errorf("%+v", v)
	}

	// ISSSTE's records: TD reads IMSS's only, so Palenca is asked first.
	id = started(t, base, fmt.Sprintf(`{"curp":%q,"institution":"issste"}`, scenario(people.Unemployed).CURP))
	v = settled(t, base, id, 10*time.Second)
	if v.Status != "COMPLETED" || v.Provider != "palenca" || len(v.Attempts) != 1 {
		t.Errorf("issste: %+v", v)
	}

	id = started(t, base, fmt.Sprintf(`{"curp":%q}`, scenario(people.AllDown).CURP))
	v = settled(t, base, id, 10*time.Second)
	if v.Status != "FAILED" || len(v.Attempts) != 3 || v.Error.Code != "PROVIDER_UNAVAILABLE" || !v.Error.Retryable {
		t.Errorf("all down: %+v", v)
	}
}

// TestVerifyExpiry: no answer within TD's query window expires the
// verification.
func TestVerifyExpiry(t *testing.T) {
	base, _ := verifyStack(t, map[string]string{"TD_QUERY_WINDOW": "500ms"})
	id := started(t, base, fmt.Sprintf(`{"curp":%q,"provider":"td"}`, scenario(people.Rich).CURP))
	v := settled(t, base, id, 10*time.Second)
	if v.Status != "EXPIRED" || v.Error == nil || v.Error.Code != "VERIFICATION_EXPIRED" || v.Attempts[0].Status != "EXPIRED" {
		t.Errorf("%+v", v)
	}
}

// TestVerifyGuardAndRepeats: three verifications of a CURP a day; a
// fourth is 429 and calls no one; repeats answer their verification; 20
// concurrent starts with one external_id make one verification and one
// provider request.
func TestVerifyGuardAndRepeats(t *testing.T) {
	base, _ := verifyStack(t, map[string]string{})
	curp := scenario(people.Unemployed).CURP
	var ids [3]string
	for i := range ids {
		ids[i] = started(t, base, fmt.Sprintf(`{"curp":%q,"external_id":"loan-%d"}`, curp, i))
	}
	if status, b := post(t, base, fmt.Sprintf(`{"curp":%q,"external_id":"loan-9"}`, curp)); status != 429 || !bytes.Contains(b, []byte("DAILY_LIMIT_EXCEEDED")) {
		t.Errorf("a fourth: %d %s", status, b)
	}
	status, b := post(t, base, fmt.Sprintf(`{"curp":%q,"external_id":"loan-0"}`, curp))
	if status != 200 || !bytes.Contains(b, []byte(ids[0])) {
		t.Errorf("a repeat at the limit: %d %s", status, b)
	}
	if status, b := post(t, base, fmt.Sprintf(`{"curp":%q,"nss":"12345678903","external_id":"loan-0"}`, curp)); status != 409 || !bytes.Contains(b, []byte(`"field":"external_id"`)) {
		t.Errorf("another input: %d %s", status, b)
	}

	const typical = "PREX970808MPLRGS00"
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses, seen := map[int]int{}, map[string]bool{}
	for range 20 {
		wg.Go(func() {
			status, b := post(t, base, fmt.Sprintf(`{"curp":%q,"external_id":"same"}`, typical))
			var v struct{ ID string }
			json.Unmarshal(b, &v)
			mu.Lock()
			statuses[status]++
			seen[v.ID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[202] != 1 || statuses[200] != 19 || len(seen) != 1 {
		t.Errorf("20 concurrent starts: %v, ids %v", statuses, seen)
	}
	var list struct {
		Verifications []struct {
			ID, CURP string
			NSS      *string
		}
	}
	json.Unmarshal(get(t, base+"/verifications?external_id=same"), &list)
	if len(list.Verifications) != 1 || list.Verifications[0].CURP != "PREX9708****LRGS00" {
		t.Errorf("the listing: %+v", list)
	}
	for id := range seen {
		settled(t, base, id, 10*time.Second)
	}
	for _, id := range ids {
		settled(t, base, id, 10*time.Second)
	}
	// One request reached TD: one push came back.
	var page apitest.EventPage
	json.Unmarshal(get(t, base+"/webhooks/events?provider=td"), &page)
	if len(page.Events) != 4 {
		t.Errorf("%d TD pushes, want 4: one per verification", len(page.Events))
	}
}

// TestVerifyRefusals: each part of a wrong request is named; nothing is
// created.
func TestVerifyRefusals(t *testing.T) {
	base, _ := verifyStack(t, map[string]string{})
	for _, tc := range []struct{ body, code, field string }{
		{`{"curp":"HEGG561327MVZRRL04"}`, "INVALID_CURP", "curp"},
		{`{"curp":"HEGG560427MVZRRL04","nss":"12345678904"}`, "INVALID_NSS", "nss"},
		{`{"curp":"HEGG560427MVZRRL04","provider":"equifax"}`, "INVALID_PROVIDER", "provider"},
		{`{"curp":"HEGG560427MVZRRL04","external_id":7}`, "INVALID_EXTERNAL_ID", "external_id"},
		{`{"curp":"HEGG560427MVZRRL04","curp":"HEGG560427MVZRRL04"}`, "MALFORMED_PAYLOAD", ""},
	} {
		status, b := post(t, base, tc.body)
		var e struct {
			Error struct{ Code, Message, Field string }
		}
		if json.Unmarshal(b, &e); status != 400 || e.Error.Code != tc.code || e.Error.Field != tc.field || e.Error.Message == "" {
			t.Errorf("%s: %d %s", tc.body, status, b)
		}
	}
	res, err := http.Get(base + "/verifications/ver_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	if err != nil || res.StatusCode != 404 {
		t.Errorf("an unknown id: %v %v", res.StatusCode, err)
	}
	if b := get(t, base+"/verifications?external_id=none"); string(b) != `{"verifications":[]}` {
		t.Errorf("an unknown external id: %s", b)
	}
}
