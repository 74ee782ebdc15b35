package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tarjeta-dev/tarjeta/devstack"
	"github.com/tarjeta-dev/tarjeta/dynamo/dynamotest"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/people"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

type receiptJSON struct {
	ErasureID string `json:"erasure_id"`
	CURPHash  string `json:"curp_hash"`
	Status    string
	Erased    struct{ Verifications, Events int }
	Providers []struct {
		Provider, Reference, Status, Error string
	}
	ProviderRounds int `json:"provider_rounds"`
	Previous       []string
}

func erase(t *testing.T, base, curp string) (int, receiptJSON, []byte) {
	t.Helper()
	req, _ := http.NewRequest("DELETE", base+"/people/"+curp, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var r receiptJSON
	if res.StatusCode == 200 {
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("DELETE: %s", b)
		}
	}
	return res.StatusCode, r, b
}

// processed waits up to limit for n events, every one PROCESSED.
func processed(t *testing.T, base string, n int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var page apitest.EventPage
		json.Unmarshal(get(t, base+"/webhooks/events"), &page)
		done := len(page.Events) == n
		for _, e := range page.Events {
			done = done && e.Status == "PROCESSED"
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("events after %s: %+v", limit, page.Events)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestErasePerson is the "done when", on each store: a person
// verified with each provider, their pushes kept; DELETE /people/{curp}
// deletes at each provider what it lets us delete, erases every
// verification and push, and answers the receipt; afterwards no file under
// DATA_DIR (and no item of the tables, over DynamoDB) holds their CURP,
// NSS, name or salaries, GET /people is 404, a late push for an erased
// request is dropped, the receipt is read again by its id, and a second
// erase names the first.
func TestErasePerson(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		dataDir := t.TempDir()
		base, logs := verifyStack(t, map[string]string{"DATA_DIR": dataDir})
		erasePerson(t, base, dataDir, logs, func(values []string) []string { return scan(t, dataDir, values) })
	})
	t.Run("dynamodb", func(t *testing.T) {
		ddb, err := dynamotest.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ddb.Stop() })
		dataDir := t.TempDir()
		base, logs := verifyStack(t, map[string]string{"DATA_DIR": dataDir, "DYNAMODB_ENDPOINT": ddb.Endpoint})
		erasePerson(t, base, dataDir, logs, func(values []string) []string {
			return append(scan(t, dataDir, values), scanTables(t, ddb.Client(), values)...)
		})
	})
}

func erasePerson(t *testing.T, base, dataDir string, logs *apitest.LogBuffer, find func(values []string) []string) {
	rich := scenario(people.Rich)
	for _, provider := range []string{"td", "palenca", "belvo"} {
		id := started(t, base, fmt.Sprintf(`{"curp":%q,"nss":%q,"provider":%q}`, rich.CURP, rich.NSS, provider))
		if v := settled(t, base, id, 10*time.Second); v.Status != "COMPLETED" {
			t.Fatalf("%s: %+v", provider, v)
		}
	}
	processed(t, base, 3, 10*time.Second)
	secrets := []string{rich.CURP, rich.NSS, rich.Name, "RODRIGUEZ DORANTES"}
	for _, j := range rich.Jobs {
		secrets = append(secrets, j.DailySalary)
	}
	if found := find(secrets); len(found) == 0 {
		t.Fatal("before the erase nothing holds the person: the scan cannot see them")
	}
	var held struct {
		Providers []struct{ Provider, Reference string }
	}
	json.Unmarshal(get(t, base+"/people/"+rich.CURP), &held)
	var tdRequest string
	for _, p := range held.Providers {
		if p.Provider == "td" {
			tdRequest = p.Reference
		}
	}

	status, r, b := erase(t, base, rich.CURP)
	if status != 200 || r.Status != "COMPLETED" || r.Erased.Verifications != 3 || r.Erased.Events != 3 || r.ProviderRounds != 1 ||
		len(r.Previous) != 0 || strings.Contains(string(b), rich.CURP) {
		t.Fatalf("DELETE = %d %s", status, b)
	}
	byProvider := map[string][]string{}
	for _, p := range r.Providers {
		byProvider[p.Provider] = append(byProvider[p.Provider], p.Status)
	}
	if fmt.Sprint(byProvider) != "map[belvo:[DELETED] palenca:[DELETED DELETED] td:[NOT_SUPPORTED]]" {
		t.Errorf("providers: %s", b)
	}
	if found := find(secrets); len(found) > 0 {
		t.Errorf("after the erase, the stores still hold %v", found)
	}
	if b := get(t, base+"/people/"+rich.CURP); !strings.Contains(string(b), "PERSON_NOT_FOUND") {
		t.Errorf("GET /people after the erase: %s", b)
	}
	if b := get(t, base+"/erasures/"+r.ErasureID); !bytes.Contains(b, []byte(`"erasure_id":"`+r.ErasureID+`"`)) || !bytes.Contains(b, []byte(r.CURPHash)) {
		t.Errorf("GET /erasures: %s", b)
	}
	// TD pushes the erased request again, the person's data in it: it is
	// acknowledged, listed DROPPED, and nothing of it is kept.
	sender, err := devstack.Sender(base, dataDir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	late := strings.Replace(string(webhooksim.Body(webhooksim.TD, "x", 1)), `"17000000x"`, strconv.Quote(tdRequest), 1)
	late = strings.Replace(late, "David HE", rich.Name, 1)
	if xs, err := sender.Deliver(context.Background(), webhooksim.TD, []byte(late)); err != nil || xs[len(xs)-1].Status != 200 {
		t.Fatalf("the late push: %v %+v", err, xs)
	}
	var page apitest.EventPage
	json.Unmarshal(get(t, base+"/webhooks/events"), &page)
	if len(page.Events) != 1 || page.Events[0].Status != "DROPPED" || page.Events[0].Provider != "td" {
		t.Errorf("the events after the late push: %+v", page.Events)
	}
	if found := find(secrets); len(found) > 0 {
		t.Errorf("after the late push, the stores hold %v", found)
	}

	status, again, b := erase(t, base, rich.CURP)
	if status != 200 || again.Erased.Verifications != 0 || again.Erased.Events != 0 || len(again.Providers) != 0 ||
		fmt.Sprint(again.Previous) != "["+r.ErasureID+"]" {
		t.Errorf("a second DELETE = %d %s", status, b)
	}
	for _, l := range logs.Lines(t) {
		if s := fmt.Sprint(l); strings.Contains(s, rich.CURP) || strings.Contains(s, rich.NSS) {
			t.Errorf("a log line names the person: %s", s)
		}
	}
}

// scan answers which of values some file under dir holds, ignoring case.
func scan(t *testing.T, dir string, values []string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b = bytes.ToLower(b)
		for _, v := range values {
			if bytes.Contains(b, []byte(strings.ToLower(v))) {
				found = append(found, v+" in "+path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// scanTables answers which of values some item of any table holds,
// ignoring case.
func scanTables(t *testing.T, db *dynamodb.Client, values []string) []string {
	t.Helper()
	ctx := context.Background()
	tables, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, table := range tables.TableNames {
		in := &dynamodb.ScanInput{TableName: &table}
		for {
			page, err := db.Scan(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range page.Items {
				var text strings.Builder
				for name, v := range item {
					text.WriteString(name + "=")
					writeValue(&text, v)
				}
				held := strings.ToLower(text.String())
				for _, v := range values {
					if strings.Contains(held, strings.ToLower(v)) {
						found = append(found, v+" in "+table)
					}
				}
			}
			if len(page.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = page.LastEvaluatedKey
		}
	}
	return found
}

// writeValue writes the text an attribute value holds.
func writeValue(b *strings.Builder, v types.AttributeValue) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		b.WriteString(v.Value)
	case *types.AttributeValueMemberB:
		b.Write(v.Value)
	case *types.AttributeValueMemberN:
		b.WriteString(v.Value)
	case *types.AttributeValueMemberL:
		for _, e := range v.Value {
			writeValue(b, e)
		}
	case *types.AttributeValueMemberM:
		for k, e := range v.Value {
			b.WriteString(k + "=")
			writeValue(b, e)
		}
	}
	b.WriteString("\n")
}
