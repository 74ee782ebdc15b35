package verifyapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/httpapi/verifyapi"
)

func getPerson(t testing.TB, base, curp string) (int, map[string]any, string) {
	t.Helper()
	return call(t, "GET", base+"/people/"+curp)
}

// TestPeople: GET /people/{curp} answers the person's verifications and the
// events naming them, whole; a CURP nothing is held about is 404, an
// invalid one 400; each call's log line says who asked and the CURP's
// hash, never the CURP.
func TestPeople(t *testing.T) {
	var log bytes.Buffer
	s := stackOf(t, []string{"td"}, &log)
	const ana = "HEGG560427MVZRRL04"
	status, v := post(t, s.srv.URL, `{"curp":"`+ana+`","nss":"12345678903","external_id":"loan-7"}`)
	if status != 202 {
		t.Fatalf("POST: %d %v", status, v)
	}
	at := time.Now()
	for i, subject := range []string{"curp:" + ana, "curp:HEGG560427MVZRRL05"} {
		e := webhook.Event{ID: webhook.IDOf("td", subject), Provider: "td", Route: "td", Type: "OK", DedupeKey: subject, Status: webhook.Processed,
			ReceivedAt: at.Add(time.Duration(i) * time.Second), ExpiresAt: at.Add(time.Hour), Auth: "test",
			Body: []byte(`{"sequence_id":"1","curp":"` + strings.TrimPrefix(subject, "curp:") + `","name":"Ana Gómez"}`), Subjects: webhook.SubjectKeys([]string{subject})}
		if _, err := s.events.Receive(context.Background(), e, nil); err != nil {
			t.Fatal(err)
		}
	}
	status, got, body := getPerson(t, s.srv.URL, strings.ToLower(ana))
	vs, _ := got["verifications"].([]any)
	es, _ := got["events"].([]any)
	if status != 200 || got["curp"] != ana || len(vs) != 1 || len(es) != 1 || !strings.Contains(body, `"nss":"12345678903"`) ||
		!strings.Contains(body, `\"name\":\"Ana Gómez\"`) || !strings.Contains(body, `"external_id":"loan-7"`) {
		t.Errorf("GET /people: %d %s", status, body)
	}
	for _, tc := range []struct {
		curp   string
		status int
		code   string
	}{
		{"ROMA880315MDFDRR07", 404, "PERSON_NOT_FOUND"},
		{"HEGG560427MVZRRL0", 400, "INVALID_INPUT"},
		{"%C4%B1EGG560427MVZRRL04", 400, "INVALID_INPUT"},
	} {
		status, got, _ := getPerson(t, s.srv.URL, tc.curp)
		if e, _ := got["error"].(map[string]any); status != tc.status || e["code"] != tc.code {
			t.Errorf("GET /people/%s: %d %v", tc.curp, status, got)
		}
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	var seen int
	for _, l := range lines {
		if !strings.Contains(l, `"route":"GET /people/{curp}"`) {
			continue
		}
		seen++
		if strings.Contains(l, ana) || strings.Contains(l, "ROMA880315") || !strings.Contains(l, `"caller":"address 127.0.0.1`) {
			t.Errorf("log line: %s", l)
		}
	}
	if seen != 4 || !strings.Contains(log.String(), `"curp_hash":"`+(erasure.Hasher{Key: []byte(testKey)}).Person(ana)+`"`) {
		t.Errorf("%d log lines of GET /people:\n%s", seen, log.String())
	}
}

// FuzzPerson: whatever the path's CURP (escaped into the path, so that
// every value reaches the route), a person's request (GET or DELETE)
// answers JSON, never a 5xx.
func FuzzPerson(f *testing.F) {
	for i, s := range []string{"HEGG560427MVZRRL04", "hegg560427mvzrrl04", "", "\x00", "HEGG560427MVZRRL04 ", "ıEGG560427MVZRRL04", "? ", "a/b", ".."} {
		f.Add(s, i%2 == 0)
	}
	s := stackOf(f, []string{"td"}, io.Discard)
	f.Fuzz(func(t *testing.T, curp string, erase bool) {
		method := "GET"
		if erase {
			method = "DELETE"
		}
		req, err := http.NewRequest(method, s.srv.URL+"/people/"+url.PathEscape(curp), nil)
		if err != nil {
			return
		}
		res, err := httptestClient.Do(req)
		if err != nil {
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 || !json.Valid(b) {
			t.Fatalf("%s /people/%q: %d %s", method, curp, res.StatusCode, b)
		}
	})
}

// TestPersonTooLarge: a person whose kept pushes are more than one answer
// carries is 409 PERSON_TOO_LARGE, saying what is held, never a 5xx.
func TestPersonTooLarge(t *testing.T) {
	s := stackOf(t, []string{"td"}, io.Discard)
	const ana = "HEGG560427MVZRRL04"
	at := time.Now()
	pad := strings.Repeat("a", 380<<10)
	n := verifyapi.MaxPersonAnswer/len(pad) + 1
	for i := range n {
		key := fmt.Sprint("push-", i)
		e := webhook.Event{ID: webhook.IDOf("td", key), Provider: "td", Route: "td", Type: "OK", DedupeKey: key, Status: webhook.Processed,
			ReceivedAt: at, ExpiresAt: at.Add(time.Hour), Auth: "test",
			Body: []byte(`{"curp":"` + ana + `","pad":"` + pad + `"}`), Subjects: webhook.SubjectKeys([]string{"curp:" + ana})}
		if _, err := s.events.Receive(context.Background(), e, nil); err != nil {
			t.Fatal(err)
		}
	}
	status, got, _ := getPerson(t, s.srv.URL, ana)
	if e, _ := got["error"].(map[string]any); status != 409 || e["code"] != "PERSON_TOO_LARGE" || !strings.Contains(e["message"].(string), fmt.Sprint(n, " events")) {
		t.Errorf("GET /people = %d %v", status, got)
	}
}
