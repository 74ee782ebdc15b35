// Command reconcile runs a day's settlement reconciliation on a running
// stack, as `make reconcile DATE=YYYY-MM-DD [URL=...]` runs it, and prints
// the summary. It exits non-zero unless the day is COMPLETED.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	date := flag.String("date", "", "the day, YYYY-MM-DD (yesterday's when empty)")
	url := flag.String("url", "http://127.0.0.1:8080", "the reconcile function's base URL")
	flag.Parse()
	if err := run(*url, *date, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reconcile:", err)
		os.Exit(1)
	}
}

func run(url, date string, out io.Writer) error {
	body := []byte("{}")
	if date != "" {
		body, _ = json.Marshal(map[string]string{"date": date})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/reconciliations", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w (is `make run` going?)", err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, answer, "", "  ") != nil {
		pretty.Write(answer)
	}
	fmt.Fprintln(out, pretty.String())
	var s struct{ Status string }
	json.Unmarshal(answer, &s)
	if res.StatusCode != http.StatusOK || s.Status != "COMPLETED" {
		return fmt.Errorf("HTTP %d, status %q", res.StatusCode, s.Status)
	}
	return nil
}
