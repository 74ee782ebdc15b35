// Command duckdb is the figure the settlement reconciliation must beat:
// DuckDB full-outer-joining a day's transaction file with the same day's
// ledger export (both written by the settlement benchmark in
// benchmarks/settlement_test.go) and classifying every row, and, as a
// second figure, the same join plus the presentation file's totals and
// flagged presentments, which is the whole of what the reconciliation reads.
// It lives in a module of its own so that the product's go.mod never
// carries DuckDB.
//
// Usage: go run . <day folder>
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// classify is the join and the reconciliation table: a Pomelo outcome
// against what the ledger moved for the transaction. Amounts are compared
// in minor units; a row whose amount, type or status does not parse is
// MALFORMED, as the reconciliation counts it.
const classify = `
WITH t AS (
  SELECT TRANSACTION_ID AS id, USER_ID AS u, STATUS AS st,
         TRY_CAST(TRY_CAST(LOCAL_AMOUNT AS DECIMAL(18,2)) * 100 AS BIGINT) AS amt,
         TRANSACTION_TYPE IN ('PURCHASE','WITHDRAWAL','EXTRACASH','REFUND','PAYMENT',
           'REVERSAL_PURCHASE','REVERSAL_WITHDRAWAL','REVERSAL_EXTRACASH','REVERSAL_REFUND','REVERSAL_PAYMENT') AS known
  FROM read_csv(?, header = true, all_varchar = true)
), l AS (
  SELECT TRANSACTION_ID AS id, USER_ID AS u, sum(CAST(AMOUNT AS BIGINT)) AS amt,
         bool_or(CAST(CREATED_AT_UNIX_NANO AS BIGINT) BETWEEN ? AND ?) AS today
  FROM read_csv(?, header = true, all_varchar = true)
  WHERE CLASS = 'AUTH' AND STATUS = 'POSTED'
  GROUP BY 1, 2
)
SELECT CASE
    WHEN t.id IS NULL THEN CASE WHEN l.today THEN 'CLIENT_ONLY' ELSE 'ELSEWHERE' END
    WHEN t.amt IS NULL OR NOT t.known OR t.st NOT IN ('APPROVED','REJECTED','HELD') THEN 'MALFORMED'
    WHEN t.st = 'HELD' THEN 'HELD'
    WHEN t.st = 'APPROVED' AND l.id IS NOT NULL THEN CASE WHEN abs(l.amt) = t.amt THEN 'MATCHED' ELSE 'AMOUNT_ADJUSTED' END
    WHEN t.st = 'APPROVED' THEN 'ADJUSTED'
    WHEN l.id IS NOT NULL THEN 'ADJUSTED'
    ELSE 'MATCHED'
  END AS rule, count(*)
FROM t FULL OUTER JOIN l ON t.id = l.id AND t.u = l.u
GROUP BY rule ORDER BY rule`

// presentations is the presentation file's part of the report: debt,
// interchange fees and taxes per currency, counts per function code and
// reverse presentments, and the presentments found in neither the
// transaction file nor the ledger or whose amount differs from the row's.
const presentations = `
WITH p AS (
  SELECT TRANSACTION_ID AS id, DEBT_CURRENCY AS cur, FUNCTION_CODE AS fc, REVERSE_PRESENTMENT = 'TRUE' AS rev,
         TRY_CAST(DEBT_AMOUNT AS DECIMAL(18,2)) AS debt, TRY_CAST(INTERCHANGE_FEE AS DECIMAL(18,2)) AS fee,
         TRY_CAST(TAX AS DECIMAL(18,2)) AS tax, TRANSACTION_AMOUNT AS amount, TRANSACTION_CURRENCY AS currency
  FROM read_csv(?, header = true, all_varchar = true)
), t AS (
  SELECT TRANSACTION_ID AS id, any_value(TRANSACTION_AMOUNT) AS amount, any_value(TRANSACTION_CURRENCY) AS currency
  FROM read_csv(?, header = true, all_varchar = true) GROUP BY 1
), l AS (
  SELECT DISTINCT TRANSACTION_ID AS id FROM read_csv(?, header = true, all_varchar = true)
)
SELECT cur, fc, count(*), sum(debt), sum(fee), sum(tax), count(*) FILTER (rev),
       count(*) FILTER ((t.id IS NULL AND l.id IS NULL) OR (t.id IS NOT NULL AND (t.amount <> p.amount OR t.currency <> p.currency)))
FROM p LEFT JOIN t ON p.id = t.id LEFT JOIN l ON p.id = l.id
GROUP BY cur, fc ORDER BY cur, fc`

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: duckdb <day folder written by BenchmarkReconcilePure>")
	}
	dir := os.Args[1]
	tx := filepath.Join(dir, "settlement", "transactions2026_12_01.csv")
	pr := filepath.Join(dir, "settlement", "presentations2026_12_01.csv")
	lg := filepath.Join(dir, "ledger.csv")
	zone, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	if err != nil {
		log.Fatal(err)
	}
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, zone)
	to := from.AddDate(0, 0, 1)

	db, err := sql.Open("duckdb", "")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		log.Fatal(err)
	}

	start := time.Now()
	rows, err := db.QueryContext(ctx, classify, tx, from.UnixNano(), to.UnixNano()-1, lg)
	if err != nil {
		log.Fatal(err)
	}
	counts := map[string]int64{}
	for rows.Next() {
		var rule string
		var n int64
		if err := rows.Scan(&rule, &n); err != nil {
			log.Fatal(err)
		}
		counts[rule] = n
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	join := time.Since(start)
	fmt.Printf("duckdb join+classify: %.3f s, peak RSS %.1f MiB, %v\n", join.Seconds(), peakRSS(), counts)

	start = time.Now()
	rows, err = db.QueryContext(ctx, presentations, pr, tx, lg)
	if err != nil {
		log.Fatal(err)
	}
	var groups, flagged int64
	for rows.Next() {
		var cur, fc string
		var n, rev, flag int64
		var debt, fee, tax any
		if err := rows.Scan(&cur, &fc, &n, &debt, &fee, &tax, &rev, &flag); err != nil {
			log.Fatal(err)
		}
		groups++
		flagged += flag
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	whole := join + time.Since(start)
	fmt.Printf("duckdb join+classify+presentations: %.3f s, peak RSS %.1f MiB, %d groups, %d flagged\n", whole.Seconds(), peakRSS(), groups, flagged)
}

// peakRSS is the process's largest resident set so far, in MiB.
func peakRSS() float64 {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return float64(u.Maxrss) / 1024
}
