package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/httpapi/apitest"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// fault is what happens to the next TransactWriteItems call.
type fault int

const (
	none         fault = iota
	neverSent          // the process dies before the write leaves
	answerLost         // the write is applied, its answer never arrives
	lateAfterAll       // the write is on the wire at the deadline and lands later
)

// faultyHTTP sits between the SDK and DynamoDB Local and injects one fault
// into the next TransactWriteItems call.
type faultyHTTP struct {
	mu     sync.Mutex
	next   fault
	landed chan error // nil once DynamoDB has refused a late write
	inner  *http.Client
}

func (f *faultyHTTP) arm(x fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = x
}

func (f *faultyHTTP) Do(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	x := none
	if req.Header.Get("X-Amz-Target") == "DynamoDB_20120810.TransactWriteItems" {
		x, f.next = f.next, none
	}
	f.mu.Unlock()
	switch x {
	case neverSent:
		return nil, errors.New("injected: process died before sending")
	case answerLost:
		res, err := f.inner.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return nil, errors.New("injected: connection lost after sending")
	case lateAfterAll:
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		late := req.Clone(context.WithoutCancel(req.Context()))
		<-req.Context().Done()
		go func() {
			time.Sleep(200 * time.Millisecond) // lands well after we answered
			late.Body, late.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			res, err := f.inner.Do(late)
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					err = errors.New("DynamoDB applied the late write")
				}
			}
			f.landed <- err
		}()
		return nil, req.Context().Err()
	}
	return f.inner.Do(req)
}

// TestCrashes injects a failure at each point of an authorization and checks
// that the ledger and the answer agree: all or nothing, never a debit behind
// a rejection.
func TestCrashes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fault       fault
		wantStatus  string // first answer
		wantBalance string
	}{
		{"write never sent", neverSent, "REJECTED", "10.00"},
		{"write applied, answer lost", answerLost, "APPROVED", "9.00"},
		{"write lands after the deadline", lateAfterAll, "REJECTED", "10.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &faultyHTTP{inner: &http.Client{}, landed: make(chan error, 1)}
			client := server.Client()
			client = dynamodb.New(client.Options(), func(o *dynamodb.Options) {
				o.HTTPClient = h
				o.RetryMaxAttempts = 1 // let the fault reach the service, not the SDK's retryer
			})
			s := newStack(t, 150*time.Millisecond, client)
			s.Send(t, creditPath, pomelosim.Transaction{Type: "PAYMENT", ID: "fund", UserID: "u", Total: "10"}, "k-fund")
			tx := pomelosim.Transaction{Type: "PURCHASE", ID: "buy", UserID: "u", Total: "1"}

			h.arm(tc.fault)
			first := apitest.DecodeAnswer(t, s.Send(t, authPath, tx, "k-buy"))
			if first.Status != tc.wantStatus {
				t.Errorf("answer = %+v, want %s", first, tc.wantStatus)
			}
			if tc.fault == lateAfterAll {
				err := <-h.landed
				if err != nil {
					t.Fatalf("late write was not refused: %v", err)
				}
			}
			if got := s.Available(t, "u"); got != tc.wantBalance {
				t.Errorf("available = %s, want %s", got, tc.wantBalance)
			}
			// Pomelo retries with the same key and must hear the same thing.
			if again := apitest.DecodeAnswer(t, s.Send(t, authPath, tx, "k-buy")); again != first {
				t.Errorf("retry answered %+v, first answer was %+v", again, first)
			}
			if got := s.Available(t, "u"); got != tc.wantBalance {
				t.Errorf("available after the retry = %s, want %s", got, tc.wantBalance)
			}
		})
	}
}

// TestWebhookCrashes: a TD push whose write (the event and its sign, one
// transaction) never reaches DynamoDB, or whose answer is lost, is not
// acknowledged; TD's retry of the same URL and body is, and the event is
// kept once with its sign bound to its body.
func TestWebhookCrashes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fault
	}{
		{"write never sent", neverSent},
		{"write applied, answer lost", answerLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &faultyHTTP{inner: &http.Client{}}
			client := dynamodb.New(server.Client().Options(), func(o *dynamodb.Options) {
				o.HTTPClient = h
				o.RetryMaxAttempts = 1
			})
			store := eventtable.New(client, server.EventsTable(t))
			s := apitest.NewWebhooks(t, store, nil)
			body := webhooksim.Body(webhooksim.TD, "crash", 1)
			req, err := s.Sender.Request(context.Background(), webhooksim.TD, body, webhooksim.Valid)
			if err != nil {
				t.Fatal(err)
			}
			url := req.URL.String()
			post := func(b []byte) int {
				res, err := http.Post(url, "application/json", bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			h.arm(tc.fault)
			if status := post(body); status != 503 {
				t.Fatalf("first delivery: %d, want 503 (TD retries)", status)
			}
			if status := post(body); status != 200 {
				t.Fatalf("TD's retry: %d, want 200", status)
			}
			page, _, err := store.Events(context.Background(), webhook.Filter{}, "", 10)
			if err != nil || len(page) != 1 || page[0].Status != webhook.Received {
				t.Fatalf("events = %+v, %v; want one RECEIVED", page, err)
			}
			// The sign is bound: another body under it is a replay.
			if status := post(webhooksim.Body(webhooksim.TD, "other", 1)); status != 409 {
				t.Errorf("another body under the sign: %d, want 409", status)
			}
		})
	}
}
