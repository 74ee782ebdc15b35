package employment

import (
	"fmt"
	"slices"

	"github.com/tarjeta-dev/tarjeta/core/money"
)

// Insights are what a lender reads first, computed from the jobs against
// the day the report was built (see the README for each rule).
type Insights struct {
	EmployedNow bool
	// CurrentEmployer is the newest current job's employer, "" when none.
	CurrentEmployer string
	// MonthlyIncomeEstimate is Σ of the current jobs' daily salaries × 30.4
	// (365 / 12, the average month), rounded half-up to the centavo.
	MonthlyIncomeEstimate money.Amount
	// MonthsInCurrentJob counts whole months since the newest current job
	// began; -1 when there is none.
	MonthsInCurrentJob int
	// JobsLast24Months counts the jobs that overlap the last 24 months.
	JobsLast24Months int
	// EmploymentGapMonthsLast24Months is how many of the last 24 months no
	// job covered: uncovered days / 30.4, rounded down.
	EmploymentGapMonthsLast24Months int
	SalaryTrend12Months             Trend
}

// Trend is how the salary moved over the last 12 months.
type Trend string

// The trends: the daily salary of every job active today against that of
// every job active 12 months ago, each at the salary it had then (its
// latest movement on or before the day, else its daily salary). More than
// 5% higher is UP, more than 5% lower is DOWN, otherwise FLAT.
const (
	Up   Trend = "UP"
	Flat Trend = "FLAT"
	Down Trend = "DOWN"
)

// averageMonth is 30.4 days, in tenths.
const averageMonth = 304

func insightsOf(jobs []Job, today Date) (Insights, error) {
	in := Insights{MonthsInCurrentJob: -1, MonthlyIncomeEstimate: money.Amount{Currency: Currency}}
	daily := money.Amount{Currency: Currency}
	for _, j := range jobs {
		if !j.Current() {
			continue
		}
		if !in.EmployedNow { // jobs come newest first
			in.EmployedNow, in.CurrentEmployer = true, j.Employer
			in.MonthsInCurrentJob = monthsBetween(j.Start, today)
		}
		var err error
		if daily, err = daily.Add(salaryOf(j.DailySalary)); err != nil {
			return Insights{}, fmt.Errorf("employment: current daily salaries: %w", err)
		}
	}
	monthly := (daily.Minor*averageMonth + 5) / 10 // daily.Minor ≤ money.MaxMinor: no overflow
	m, err := money.New(monthly, Currency)
	if err != nil {
		return Insights{}, fmt.Errorf("employment: monthly income: %w", err)
	}
	in.MonthlyIncomeEstimate = m

	from := today.AddMonths(-24)
	var spans [][2]int
	for _, j := range jobs {
		start, end := j.Start, today
		if !j.Current() && j.End.Compare(today) < 0 {
			end = j.End
		}
		if start.Compare(from) < 0 {
			start = from
		}
		if start.Compare(end) <= 0 {
			in.JobsLast24Months++
			spans = append(spans, [2]int{start.days(), end.days()})
		}
	}
	gap := today.days() - from.days() + 1 - covered(spans)
	in.EmploymentGapMonthsLast24Months = gap * 10 / averageMonth

	then, err := salaryOn(jobs, today.AddMonths(-12))
	if err != nil {
		return Insights{}, err
	}
	now, err := salaryOn(jobs, today)
	if err != nil {
		return Insights{}, err
	}
	in.SalaryTrend12Months = trend(then, now)
	return in, nil
}

// covered counts the days the spans cover, each span inclusive.
func covered(spans [][2]int) int {
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	days, reach := 0, -1<<62
	for _, s := range spans {
		if s[0] <= reach {
			s[0] = reach + 1
		}
		if s[1] >= s[0] {
			days += s[1] - s[0] + 1
			reach = s[1]
		}
	}
	return days
}

// salaryOn sums the daily salaries of the jobs active on day, each at the
// salary it had then.
func salaryOn(jobs []Job, day Date) (int64, error) {
	total := money.Amount{Currency: Currency}
	for _, j := range jobs {
		if j.Start.Compare(day) > 0 || !j.Current() && j.End.Compare(day) < 0 {
			continue
		}
		salary := salaryOf(j.DailySalary)
		for _, m := range j.Movements { // newest first
			if m.Date.Compare(day) <= 0 && m.DailySalary.Currency != "" {
				salary = m.DailySalary
				break
			}
		}
		var err error
		if total, err = total.Add(salary); err != nil {
			return 0, fmt.Errorf("employment: salaries on %s: %w", day, err)
		}
	}
	return total.Minor, nil
}

func salaryOf(a money.Amount) money.Amount {
	if a.Currency == "" {
		return money.Amount{Currency: Currency}
	}
	return a
}

func trend(then, now int64) Trend {
	// Both are at most money.MaxMinor: ×105 cannot overflow.
	switch {
	case now*100 > then*105:
		return Up
	case now*100 < then*95:
		return Down
	}
	return Flat
}
