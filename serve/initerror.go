package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// InitErrorType is the error type a function that cannot start reports to
// Lambda.
const InitErrorType = "Runtime.InitError"

// ReportInitError tells Lambda's Runtime API at api (the host and port of
// AWS_LAMBDA_RUNTIME_API) why the function could not start: POST
// /2018-06-01/runtime/init/error with {"errorMessage","errorType"}, so that
// the failed start shows its cause wherever Lambda reports it. Lambda then
// ends the process; the caller exits anyway.
func ReportInitError(ctx context.Context, api string, cause error) error {
	body, _ := json.Marshal(struct {
		Message string   `json:"errorMessage"`
		Type    string   `json:"errorType"`
		Stack   []string `json:"stackTrace"`
	}{cause.Error(), InitErrorType, []string{}})
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("serve: init error: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", InitErrorType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("serve: init error: %w", err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("serve: init error: the Runtime API answered %s", res.Status)
	}
	return nil
}
