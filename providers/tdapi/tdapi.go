// Package tdapi calls TD's Mexico Income Verification for the verify
// function: a request by CURP (and NSS), and the query of a result by
// sequence_id, which both follows up a request that was never pushed and
// confirms one that was. It is the verify function's TD provider.
package tdapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/storable"
	"github.com/tarjeta-dev/tarjeta/core/td"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
)

// Client is TD's client. RequestURL and QueryURL are whole endpoints
// (TD_API_URL, TD_QUERY_URL): requests are POSTed to them as given, with
// partner_code and partner_key added to their query, as TD's push carries
// its own credentials.
type Client struct {
	RequestURL  string
	QueryURL    string
	PartnerCode string
	PartnerKey  string
	// QueryWindow is how long TD answers a query after its request
	// (TD_QUERY_WINDOW).
	QueryWindow time.Duration
	Out         *outbound.Client
}

var _ verification.Provider = (*Client)(nil)

// post sends body to endpoint with the partner's credentials. idempotent
// says whether the call may be retried.
func (c *Client) post(ctx context.Context, endpoint string, body any, idempotent bool) (outbound.Answer, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return outbound.Answer{}, fmt.Errorf("tdapi: endpoint: %w", err)
	}
	q := u.Query()
	q.Set("partner_code", c.PartnerCode)
	q.Set("partner_key", c.PartnerKey)
	u.RawQuery = q.Encode()
	b, err := json.Marshal(body)
	if err != nil {
		return outbound.Answer{}, err
	}
	req, err := outbound.NewRequest(ctx, http.MethodPost, u.String(), b)
	if err != nil {
		return outbound.Answer{}, fmt.Errorf("tdapi: %w", err)
	}
	if idempotent {
		return c.Out.DoIdempotent(req)
	}
	return c.Out.Do(req)
}

// Start implements verification.Provider: POST {"id_number","id_type":
// "national_id","nss_number"}, which answers {"code","message",
// "sequence_id"}. It is not retried: a second request would be a second
// IMSS query of the CURP.
func (c *Client) Start(ctx context.Context, _ string, in verification.Input) (string, error) {
	body := map[string]string{"id_number": in.CURP, "id_type": "national_id"}
	if in.NSS != "" {
		body["nss_number"] = in.NSS
	}
	a, err := c.post(ctx, c.RequestURL, body, false)
	if err != nil {
		return "", err
	}
	code, message, seq, err := status(a)
	switch {
	case err != nil:
		return "", err
	case code != td.CodeOK:
		return "", td.RequestProblem(code, message)
	case seq == "" || storable.CheckID("sequence_id", seq) != nil:
		return "", employment.ProblemOf(outcome.ProviderBadData, "the request's answer has no usable sequence_id")
	}
	return seq, nil
}

// status reads TD's answer {"code","message","sequence_id"}. An HTTP
// status other than 200 is a problem of the provider.
func status(a outbound.Answer) (code int, message, seq string, err error) {
	if a.Status != http.StatusOK {
		c := outcome.ProviderError
		switch {
		case a.Status >= 500:
			c = outcome.ProviderDown
		case a.Status == http.StatusTooManyRequests:
			c = outcome.ProviderRateLimit
		case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
			c = outcome.ProviderAuth
		}
		return 0, "", "", employment.ProblemOf(c, fmt.Sprintf("HTTP %d", a.Status))
	}
	f, ferr := inbound.Object(a.Body)
	if ferr != nil {
		return 0, "", "", employment.ProblemOf(outcome.ProviderBadData, "the answer is not a JSON object")
	}
	v := f.Root.Get("code")
	if v.Type != gjson.Number {
		return 0, "", "", employment.ProblemOf(outcome.ProviderBadData, "the answer has no code")
	}
	return int(v.Int()), f.Str("message"), f.Str("sequence_id"), nil
}

// Check implements verification.Provider: POST {"sequence_id"} to the
// query interface, which answers {"code":200,"data":<the result>} or 9080
// (not yet, or past the window: pending either way; the service expires
// it). A result is normalized from data, whichever of TD's formats it
// comes in; "Work in progress" is pending.
func (c *Client) Check(ctx context.Context, seq string, known employment.Person, source employment.Source, today employment.Date) (verification.Result, error) {
	a, err := c.post(ctx, c.QueryURL, map[string]string{"sequence_id": seq}, true)
	if err != nil {
		return verification.Result{}, err
	}
	code, message, _, err := status(a)
	switch {
	case err != nil:
		return verification.Result{}, err
	case code == td.CodeNoResult:
		return verification.Result{}, nil
	case code != td.CodeOK:
		return verification.Result{}, fmt.Errorf("tdapi: query: %w", td.RequestProblem(code, message))
	}
	data := gjson.GetBytes(a.Body, "data")
	if !data.IsObject() {
		return verification.Unusable("the query's answer has no data object"), nil
	}
	return c.result([]byte(data.Raw), known, source, today)
}

func (c *Client) result(body []byte, known employment.Person, source employment.Source, today employment.Date) (verification.Result, error) {
	r, err := td.DecodeReport(body)
	if err != nil {
		return verification.Unusable("the result: " + err.Error()), nil
	}
	if r.Result != td.ResultOK {
		p, pending := td.Classify(r.Message)
		if pending {
			return verification.Result{}, nil
		}
		return verification.Result{Problem: &p}, nil
	}
	rep, err := td.Normalize(r, known, source, today)
	if err != nil {
		return verification.Unusable(err.Error()), nil
	}
	return verification.Result{Report: &rep}, nil
}

// Notice implements verification.Provider: a push names its sequence_id,
// and claims the result its body carries, which the service compares with
// the query's and never keeps.
func (c *Client) Notice(_ string, body []byte) (verification.Notice, error) {
	r, err := td.DecodeReport(body)
	if err != nil {
		return verification.Notice{}, err
	}
	n := verification.Notice{Reference: r.SequenceID}
	if r.Result == td.ResultOK {
		n.Claim = func(known employment.Person, source employment.Source, today employment.Date) (employment.Report, error) {
			return td.Normalize(r, known, source, today)
		}
	}
	return n, nil
}

// Find implements verification.Provider: TD's request carries nothing of
// ours (001's body is the CURP, the id type and the NSS) and its query takes
// only the sequence_id TD gave in the answer that was lost, so a start
// whose answer was never recorded cannot be found.
func (c *Client) Find(context.Context, string, verification.Input, time.Time) (string, error) {
	return "", verification.ErrCannotFind
}

// Erase implements erasure.Eraser: TD documents no way to delete a query
// or what it returned (001, 002), so the request stays at TD, and the
// receipt says so.
func (c *Client) Erase(_ context.Context, m erasure.Made) []erasure.Deletion {
	return []erasure.Deletion{{Provider: td.Provider, Reference: m.Reference, Status: erasure.NotSupported,
		Error: "TD documents no deletion of a query or its result"}}
}

var _ erasure.Eraser = (*Client)(nil)

// Window implements verification.Provider.
func (c *Client) Window() time.Duration { return c.QueryWindow }

// Serves implements verification.Provider: TD reads IMSS's records only.
func (c *Client) Serves(i verification.Institution) bool { return i == verification.IMSS }
