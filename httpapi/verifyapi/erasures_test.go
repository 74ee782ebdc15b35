package verifyapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/httpapi/verifyapi"
)

// call asks method url and answers the status, the JSON and its text.
func call(t testing.TB, method, url string) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := httptestClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, url, b)
	}
	return res.StatusCode, out, string(b)
}

// TestErase: DELETE /people/{curp} erases the person's verifications and
// the events naming them, asks the provider to delete its reference, and
// answers the receipt GET /erasures/{id} answers again; a second erase
// finds nothing and names the first; the log names the CURP by its keyed
// hash only.
func TestErase(t *testing.T) {
	var log bytes.Buffer
	s := stackOf(t, []string{"td"}, &log)
	const ana = "HEGG560427MVZRRL04"
	if status, v := post(t, s.srv.URL, `{"curp":"`+ana+`","external_id":"loan-7"}`); status != 202 {
		t.Fatalf("POST: %d %v", status, v)
	}
	at := time.Now()
	e := webhook.Event{ID: webhook.IDOf("td", "1"), Provider: "td", Route: "td", Type: "OK", DedupeKey: "1", Status: webhook.Processed,
		ReceivedAt: at, ExpiresAt: at.Add(time.Hour), Auth: "test",
		Body: []byte(`{"curp":"` + ana + `"}`), Subjects: webhook.SubjectKeys([]string{"curp:" + ana})}
	if _, err := s.events.Receive(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	status, r, _ := call(t, "DELETE", s.srv.URL+"/people/"+strings.ToLower(ana))
	hash := (erasure.Hasher{Key: []byte(testKey)}).Person(ana)
	id, _ := r["erasure_id"].(string)
	b, _ := json.Marshal(r)
	if status != 200 || !erasure.ValidID(id) || r["curp_hash"] != hash || r["status"] != "COMPLETED" || r["at"] == "" ||
		!strings.Contains(string(b), `"erased":{"events":1,"verifications":1}`) || !strings.Contains(string(b), `"previous":[]`) ||
		!strings.Contains(string(b), `"providers":[{"provider":"td","reference":"ref","status":"DELETED"}]`) || strings.Contains(string(b), ana) {
		t.Fatalf("DELETE = %d %s", status, b)
	}
	if status, got, _ := call(t, "GET", s.srv.URL+"/erasures/"+id); status != 200 || got["erasure_id"] != id || got["curp_hash"] != hash {
		t.Errorf("GET /erasures/%s = %d %v", id, status, got)
	}
	if status, got, _ := call(t, "GET", s.srv.URL+"/people/"+ana); status != 404 {
		t.Errorf("GET /people after the erase = %d %v", status, got)
	}
	status, again, _ := call(t, "DELETE", s.srv.URL+"/people/"+ana)
	b, _ = json.Marshal(again)
	if status != 200 || again["erasure_id"] == id || !strings.Contains(string(b), `"erased":{"events":0,"verifications":0}`) ||
		!strings.Contains(string(b), `"previous":["`+id+`"]`) || !strings.Contains(string(b), `"providers":[]`) {
		t.Errorf("a second DELETE = %d %s", status, b)
	}
	// Erasure is not a ban.
	if status, v := post(t, s.srv.URL, `{"curp":"`+ana+`","external_id":"loan-8"}`); status != 202 {
		t.Errorf("POST after the erase: %d %v", status, v)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"DELETE", "/people/HEGG560427MVZRRL0", 400, "INVALID_INPUT"},
		{"DELETE", "/people/%C4%B1EGG560427MVZRRL04", 400, "INVALID_INPUT"},
		{"GET", "/erasures/era_" + strings.Repeat("a", 26), 404, "ERASURE_NOT_FOUND"},
		{"GET", "/erasures/ver_" + strings.Repeat("a", 26), 400, "INVALID_INPUT"},
		{"GET", "/erasures/" + strings.ToUpper(id), 400, "INVALID_INPUT"},
	} {
		status, got, _ := call(t, tc.method, s.srv.URL+tc.path)
		if e, _ := got["error"].(map[string]any); status != tc.status || e["code"] != tc.code {
			t.Errorf("%s %s = %d %v", tc.method, tc.path, status, got)
		}
	}
	var seen int
	for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if !strings.Contains(l, `"route":"DELETE /people/{curp}"`) {
			continue
		}
		seen++
		if strings.Contains(l, ana) || !strings.Contains(l, `"caller":"address 127.0.0.1`) {
			t.Errorf("log line: %s", l)
		}
	}
	if seen != 4 || !strings.Contains(log.String(), `"curp_hash":"`+hash+`"`) || !strings.Contains(log.String(), `"erasure_id":"`+id+`"`) {
		t.Errorf("%d log lines of DELETE /people:\n%s", seen, log.String())
	}
}

// TestEraseNotConfigured: without an erasure key both routes answer 503
// ERASURE_NOT_CONFIGURED and erase nothing.
func TestEraseNotConfigured(t *testing.T) {
	svc := &verification.Service{}
	srv := httptest.NewServer(verifyapi.Handler(svc, nil, nil, slog.New(slog.DiscardHandler), time.Now))
	defer srv.Close()
	for _, tc := range []struct{ method, path string }{
		{"DELETE", "/people/HEGG560427MVZRRL04"}, {"GET", "/erasures/era_" + strings.Repeat("a", 26)},
	} {
		status, got, _ := call(t, tc.method, srv.URL+tc.path)
		if e, _ := got["error"].(map[string]any); status != 503 || e["code"] != "ERASURE_NOT_CONFIGURED" {
			t.Errorf("%s %s = %d %v", tc.method, tc.path, status, got)
		}
	}
}
