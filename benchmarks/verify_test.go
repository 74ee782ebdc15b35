package benchmarks_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/identity"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/td"
	"github.com/tarjeta-dev/tarjeta/devstack"
)

func testdata(b *testing.B, path string) []byte {
	raw, err := os.ReadFile("../core/" + path)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// BenchmarkNormalize decodes a provider's answer and builds the one report
// from it, insights included: each provider's own examples.
func BenchmarkNormalize(b *testing.B) {
	today := employment.Date{Year: 2024, Month: 6, Day: 1}
	known := employment.Person{CURP: "HEGG560427MVZRRL04"}
	tdQuery := []byte(gjson.GetBytes(testdata(b, "td/testdata/query-ok.json"), "data").Raw)
	for _, tc := range []struct {
		name string
		body []byte
		run  func(body []byte) (employment.Report, error)
	}{
		{"td-001", tdQuery, func(body []byte) (employment.Report, error) {
			r, err := td.DecodeReport(body)
			if err != nil {
				return employment.Report{}, err
			}
			return td.Normalize(r, known, employment.Source{}, today)
		}},
		{"td-002", testdata(b, "td/testdata/report-002.json"), func(body []byte) (employment.Report, error) {
			r, err := td.DecodeReport(body)
			if err != nil {
				return employment.Report{}, err
			}
			return td.Normalize(r, known, employment.Source{}, today)
		}},
		{"belvo", testdata(b, "belvo/testdata/employment-records-page1.json"), func(body []byte) (employment.Report, error) {
			p, err := belvo.DecodePage(body)
			if err != nil {
				return employment.Report{}, err
			}
			return belvo.Normalize("link", p.Profiles, known, employment.Source{}, today)
		}},
		{"palenca", testdata(b, "palenca/testdata/employment.json"), func(body []byte) (employment.Report, error) {
			e, err := palenca.DecodeEmployment(body)
			if err != nil {
				return employment.Report{}, err
			}
			return palenca.Normalize(e, known, employment.Source{}, today)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := tc.run(tc.body)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "normalizations/s")
		})
	}
}

// BenchmarkVerifyLatency is a verification from POST /verifications to a
// GET that shows it COMPLETED, through the local stack and each provider's
// simulator answering after 50ms (SIMULATOR_DELAY): the provider's start,
// its webhook kept by the webhooks function, handed to the verify function,
// which asks the provider's API and keeps the report. The local stack's
// embedded stores fsync every commit.
func BenchmarkVerifyLatency(b *testing.B) {
	for _, provider := range []string{"td", "palenca", "belvo"} {
		b.Run(provider, func(b *testing.B) { benchVerify(b, provider) })
	}
}

func benchVerify(b *testing.B, provider string) {
	env := map[string]string{"PORT": "0", "DATA_DIR": b.TempDir(), "DEBUGGER_DIR": b.TempDir(), "SIMULATOR_DELAY": "50ms"}
	c, err := devstack.Load(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		b.Fatal(err)
	}
	s, err := devstack.Start(context.Background(), c, io.Discard, slog.New(slog.DiscardHandler), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	base := "http://" + s.Addr
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var latencies []time.Duration
	n := 0
	for b.Loop() {
		n++
		start := time.Now()
		res, err := client.Post(base+"/verifications", "application/json",
			bytes.NewReader([]byte(fmt.Sprintf(`{"curp":%q,"provider":%q}`, curpNumber(b, n), provider))))
		if err != nil {
			b.Fatal(err)
		}
		var v struct{ ID, Status string }
		json.NewDecoder(res.Body).Decode(&v)
		res.Body.Close()
		for v.Status != "COMPLETED" {
			if v.Status == "FAILED" || v.Status == "EXPIRED" || time.Since(start) > 10*time.Second {
				b.Fatalf("verification %s is %s", v.ID, v.Status)
			}
			time.Sleep(time.Millisecond)
			res, err := client.Get(base + "/verifications/" + v.ID)
			if err != nil {
				b.Fatal(err)
			}
			json.NewDecoder(res.Body).Decode(&v)
			res.Body.Close()
		}
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// curpNumber is a valid CURP of the simulators' typical person, one per n,
// so that the daily guard (three per CURP) never refuses one.
func curpNumber(b *testing.B, n int) string {
	day := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	prefix := "BNCH" + day.Format("060102") + "HDFRRR0"
	for d := '0'; d <= '9'; d++ {
		if c, err := identity.CURP(prefix + string(d)); err == nil {
			return c
		}
	}
	b.Fatalf("no check digit for %s", prefix)
	return ""
}
