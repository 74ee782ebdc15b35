package settlement_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/ledger"
	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// memBucket is a bucket in memory; an object's ETag counts its writes.
type memBucket struct {
	mu      sync.Mutex
	objects map[string][]byte
	etags   map[string]string
	writes  int
	failPut int // fail the n-th Put from now (1 = the next), 0 = never
}

func newBucket() *memBucket {
	return &memBucket{objects: map[string][]byte{}, etags: map[string]string{}}
}

var errCrash = errors.New("crash")

func (b *memBucket) put(key string, body []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	b.objects[key] = append([]byte(nil), body...)
	b.etags[key] = fmt.Sprintf(`"e%d"`, b.writes)
}

func (b *memBucket) Stat(_ context.Context, key string) (settlement.Object, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, ok := b.objects[key]
	if !ok {
		return settlement.Object{}, settlement.ErrNoObject
	}
	return settlement.Object{Key: key, ETag: b.etags[key], Size: int64(len(body))}, nil
}

func (b *memBucket) Open(_ context.Context, key, etag string, offset int64) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, ok := b.objects[key]
	switch {
	case !ok:
		return nil, settlement.ErrNoObject
	case b.etags[key] != etag:
		return nil, settlement.ErrChanged
	}
	return io.NopCloser(bytes.NewReader(body[offset:])), nil
}

func (b *memBucket) Get(_ context.Context, key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, ok := b.objects[key]
	if !ok {
		return nil, settlement.ErrNoObject
	}
	return append([]byte(nil), body...), nil
}

func (b *memBucket) Put(_ context.Context, key, _ string, body []byte) error {
	b.mu.Lock()
	if b.failPut > 0 {
		b.failPut--
		if b.failPut == 0 {
			b.mu.Unlock()
			return errCrash
		}
	}
	b.mu.Unlock()
	b.put(key, body)
	return nil
}

func (b *memBucket) PutStream(ctx context.Context, key, contentType string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return b.Put(ctx, key, contentType, buf.Bytes())
}

// keys lists the objects under prefix.
func (b *memBucket) keys(prefix string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for k := range b.objects {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// memLedger is the reconciliation's view of a ledger.Book. failSettle
// crashes the n-th Settle from now after applying half its postings.
type memLedger struct {
	mu         sync.Mutex
	book       *ledger.Book
	failSettle int
}

func newLedger() *memLedger { return &memLedger{book: ledger.NewBook()} }

func (l *memLedger) post(p ledger.Posting) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.book.Apply(p)
}

func (l *memLedger) Positions(_ context.Context, txns []ledger.Transaction) ([]ledger.Position, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]ledger.Position, len(txns))
	for i, t := range txns {
		out[i] = l.book.Position(t)
	}
	return out, nil
}

func (l *memLedger) Settle(_ context.Context, ps []ledger.Posting) ([]error, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	stop := len(ps)
	if l.failSettle > 0 {
		l.failSettle--
		if l.failSettle == 0 {
			stop = len(ps) / 2
		}
	}
	var refused []error
	for i, p := range ps[:stop] {
		err := l.book.Apply(p)
		switch {
		case err == nil, errors.Is(err, ledger.ErrAlreadyPosted):
		case ledger.Refuses(err):
			if refused == nil {
				refused = make([]error, len(ps))
			}
			refused[i] = err
		default:
			return nil, err
		}
	}
	if stop < len(ps) {
		return nil, errCrash
	}
	return refused, nil
}

func (l *memLedger) CreatedBetween(_ context.Context, from, to time.Time, fn func(ledger.Entry) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.book.CreatedBetween(from, to, fn)
}

func (l *memLedger) Balances(_ context.Context, accounts []ledger.Account) ([]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]int64, len(accounts))
	for i, a := range accounts {
		out[i] = l.book.Balance(a.UserID, a.Currency)
	}
	return out, nil
}

// statement lists a user's entries, oldest first, as "KIND amount".
func (l *memLedger) statement(user string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	entries, _ := l.book.Entries(user, -1, 1<<30)
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		out = append(out, fmt.Sprintf("%s %s %d", e.TransactionID, e.Kind, e.Amount))
	}
	return out
}

// memRuns keeps run records in memory.
type memRuns struct {
	mu   sync.Mutex
	runs map[string]settlement.Run
}

func newRuns() *memRuns { return &memRuns{runs: map[string]settlement.Run{}} }

func (m *memRuns) Run(_ context.Context, date string) (settlement.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[date]
	if !ok {
		return r, settlement.ErrNoRun
	}
	return r, nil
}

func (m *memRuns) RunsOf(ctx context.Context, dates []string) ([]settlement.Run, error) {
	var out []settlement.Run
	for _, d := range dates {
		if r, err := m.Run(ctx, d); err == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memRuns) SaveRun(_ context.Context, r settlement.Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runs[r.Date].Version != r.Version-1 {
		return settlement.ErrRunConflict
	}
	m.runs[r.Date] = r
	return nil
}
