package settlement_test

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// TestExceptions: the scenario day's exceptions.csv read back page by page,
// whole and by rule, matches the golden file line for line; cursors belong
// to their file and rule.
func TestExceptions(t *testing.T) {
	f := newFixture(t, scenarioLedger(t))
	ctx := context.Background()
	r := f.reconciler()
	if _, _, err := r.Exceptions(ctx, "2026-12-01", "", "", 10); !errors.Is(err, settlement.ErrNoRun) {
		t.Errorf("a day never run: %v, want ErrNoRun", err)
	}
	f.drop(day1, scenarioTransactions, scenarioPresentations)
	f.run(t, day1)
	golden, err := os.ReadFile("testdata/scenario/exceptions.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(golden))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[settlement.Rule][]string{"": nil}
	for _, rec := range recs[1:] {
		line := strings.Join(rec, "|")
		want[""] = append(want[""], line)
		want[settlement.Rule(rec[1])] = append(want[settlement.Rule(rec[1])], line)
	}
	for _, rule := range []settlement.Rule{"", settlement.Malformed, settlement.Adjusted, settlement.ClientOnly, settlement.Refused} {
		for _, limit := range []int{1, 3, 100} {
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > len(recs) {
					t.Fatal("paging does not end")
				}
				page, next, err := r.Exceptions(ctx, "2026-12-01", rule, cursor, limit)
				if err != nil || len(page) > limit {
					t.Fatalf("rule %q, limit %d: %d lines, %v", rule, limit, len(page), err)
				}
				for _, x := range page {
					got = append(got, strings.Join([]string{x.TransactionID, string(x.Rule), x.Source, x.StatusDetail, x.Action, x.Detail}, "|"))
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if strings.Join(got, "\n") != strings.Join(want[rule], "\n") {
				t.Errorf("rule %q, limit %d:\n%s\nwant\n%s", rule, limit, strings.Join(got, "\n"), strings.Join(want[rule], "\n"))
			}
		}
	}
	_, next, err := r.Exceptions(ctx, "2026-12-01", settlement.Malformed, "", 1)
	if err != nil || next == "" {
		t.Fatalf("first MALFORMED page: %q, %v", next, err)
	}
	for _, c := range []struct {
		rule   settlement.Rule
		cursor string
	}{{settlement.Adjusted, next}, {settlement.Malformed, "x" + next}, {settlement.Malformed, strings.Replace(next, ".", ".9", 1) + "9999"}} {
		if _, _, err := r.Exceptions(ctx, "2026-12-01", c.rule, c.cursor, 1); !errors.Is(err, settlement.ErrCursor) {
			t.Errorf("cursor %q with rule %q: %v, want ErrCursor", c.cursor, c.rule, err)
		}
	}
	if _, _, err := r.Exceptions(ctx, "2026-12-01", "MATCHED", "", 1); !errors.Is(err, settlement.ErrRule) {
		t.Errorf("rule MATCHED: %v, want ErrRule", err)
	}
	// A re-run writes the file again: the old cursor no longer continues.
	f.bucket.put("reports/2026/12/01/exceptions.csv", append(golden, "x,MALFORMED,,,NONE,added\n"...))
	if _, _, err := r.Exceptions(ctx, "2026-12-01", settlement.Malformed, next, 1); !errors.Is(err, settlement.ErrCursor) {
		t.Errorf("a cursor of the earlier file: %v, want ErrCursor", err)
	}
	in, size, err := r.ExceptionsFile(ctx, "2026-12-01")
	if err != nil || size != int64(len(golden))+int64(len("x,MALFORMED,,,NONE,added\n")) {
		t.Fatalf("ExceptionsFile: %d bytes, %v", size, err)
	}
	in.Close()
	// A day whose last run failed has no report to read.
	f.clock = f.clock.AddDate(0, 0, 3)
	f.run(t, day1.AddDate(0, 0, 2))
	if _, _, err := r.Exceptions(ctx, "2026-12-03", "", "", 1); !errors.Is(err, settlement.ErrNoReport) {
		t.Errorf("a failed day: %v, want ErrNoReport", err)
	}
}
