package benchmarks_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/money"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/filestore/verifyfile"
)

// follower is a provider for BenchmarkFollowUp: its checks take delay,
// then fail to reach it (fail) or answer a report.
type follower struct {
	delay time.Duration
	fail  bool

	mu      sync.Mutex
	n       int
	started time.Time
	last    time.Duration // since started, of the last check answered
}

func (f *follower) Start(context.Context, string, verification.Input) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	return fmt.Sprint("ref-", f.n), nil
}

func (f *follower) Find(context.Context, string, verification.Input, time.Time) (string, error) {
	return "", verification.ErrNotFound
}

func (f *follower) Check(ctx context.Context, ref string, known employment.Person, source employment.Source, today employment.Date) (verification.Result, error) {
	time.Sleep(f.delay)
	f.mu.Lock()
	f.last = time.Since(f.started)
	f.mu.Unlock()
	if f.fail {
		return verification.Result{}, context.DeadlineExceeded
	}
	salary, _ := money.Parse("500", "MXN")
	r, err := employment.Build(known, employment.Weeks{Contributed: 100},
		[]employment.Job{{Employer: "ACME", EmployerRegistration: "R1", Start: employment.Date{Year: 2020, Month: 1, Day: 1}, DailySalary: salary}},
		source, today)
	return verification.Result{Report: &r}, err
}

func (f *follower) Notice(string, []byte) (verification.Notice, error) {
	return verification.Notice{}, nil
}
func (f *follower) Window() time.Duration                { return 24 * time.Hour }
func (f *follower) Serves(verification.Institution) bool { return true }

// curps are valid CURPs, one per verification, so that the daily guard
// does not count them together.
var curps = []string{
	"HEGG560427MVZRRL04", "GUPN890412HNECRR06", "PEXA010101XDFRRXA0", "BALP000229HJCRPSA1", "SIGG560427MVZRRL00",
}

// BenchmarkFollowUp is one run of the verify function's follow-up over
// the embedded store with 8 TD verifications and 8 Palenca ones due. In
// "td-hanging" each TD check takes the timeout (300 ms, for the 8 s of
// VERIFY_API_TIMEOUT) and fails; Palenca answers in 5 ms. palenca-ms is
// how long after the run's start Palenca's last verification was
// answered: what TD's hanging costs the other provider's verifications.
func BenchmarkFollowUp(b *testing.B) {
	for _, tc := range []struct {
		name  string
		delay time.Duration
		fail  bool
	}{
		{"td-answering", 5 * time.Millisecond, false},
		{"td-hanging", 300 * time.Millisecond, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var palencaMS float64
			for b.Loop() {
				b.StopTimer()
				td, palenca := &follower{delay: tc.delay, fail: tc.fail}, &follower{delay: 5 * time.Millisecond}
				store, err := verifyfile.Open(b.TempDir(), time.Now())
				if err != nil {
					b.Fatal(err)
				}
				now := time.Now()
				svc := &verification.Service{Store: store, Providers: map[string]verification.Provider{"td": td, "palenca": palenca},
					Order: []string{"td", "palenca"}, PollAfter: time.Minute, Retention: time.Hour,
					Now: func() time.Time { return now }, Random: rand.Reader}
				for i := range 16 {
					req := verification.Request{CURP: curps[i%len(curps)], ExternalID: fmt.Sprint("e", i), Provider: "td"}
					if i%2 == 1 {
						req.Provider = "palenca"
					}
					if i%len(curps) == 0 && i > 0 {
						now = now.Add(25 * time.Hour) // past the daily guard
					}
					if _, _, err := svc.Start(context.Background(), req); err != nil {
						b.Fatal(err)
					}
				}
				now = now.Add(time.Minute)
				td.started, palenca.started = time.Now(), time.Now()
				b.StartTimer()
				if n, err := svc.FollowUp(context.Background()); err != nil || n == 0 {
					b.Fatalf("FollowUp = %d, %v", n, err)
				}
				b.StopTimer()
				palencaMS += float64(palenca.last.Milliseconds())
				store.Close()
				b.StartTimer()
			}
			b.ReportMetric(palencaMS/float64(b.N), "palenca-ms")
		})
	}
}
