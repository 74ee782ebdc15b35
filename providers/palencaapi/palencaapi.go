// Package palencaapi calls Palenca's API for the verify function: it
// creates a user with an IMSS account for a CURP and reads the account's
// employment. It is the verify function's Palenca provider.
package palencaapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/palenca"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
)

// DefaultWindow is how long an account's employment is waited for:
// Palenca says a login takes 10 to 180 seconds and names no limit.
const DefaultWindow = 24 * time.Hour

// Client is Palenca's client. BaseURL is the base as Palenca publishes it,
// version included (PALENCA_API_URL, https://sandbox.palenca.com/v1).
type Client struct {
	BaseURL  string
	APIKey   string
	WidgetID string // sent when set (PALENCA_WIDGET_ID)
	Out      *outbound.Client
}

var _ verification.Provider = (*Client)(nil)

func (c *Client) request(ctx context.Context, method, path string, body []byte) (outbound.Answer, error) {
	req, err := outbound.NewRequest(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return outbound.Answer{}, fmt.Errorf("palencaapi: %w", err)
	}
	req.Header.Set("x-api-key", c.APIKey)
	return c.Out.Do(req)
}

func problem(a outbound.Answer) employment.Problem {
	code, message := palenca.DecodeError(a.Body)
	return palenca.Classify(a.Status, code, message)
}

// Start implements verification.Provider: POST /users/accounts with the
// CURP as the identifier of an account of the institution (Palenca's
// platform imss or issste), the verification's id as external_id. It is
// not retried: a second account would be a second query of the CURP.
func (c *Client) Start(ctx context.Context, id string, in verification.Input) (string, error) {
	req := map[string]string{"identifier": in.CURP, "country": "mx", "platform": string(in.Institution.OrIMSS()), "external_id": id}
	if c.WidgetID != "" {
		req["widget_id"] = c.WidgetID
	}
	body, _ := json.Marshal(req)
	a, err := c.request(ctx, http.MethodPost, "/users/accounts", body)
	if err != nil {
		return "", err
	}
	if a.Status != http.StatusCreated && a.Status != http.StatusOK {
		return "", problem(a)
	}
	f, err := inbound.Object(a.Body)
	if err != nil {
		return "", employment.ProblemOf(outcome.ProviderBadData, "the answer is not a JSON object")
	}
	account := f.ID("data.account_id")
	if f.Err() != nil {
		return "", employment.ProblemOf(outcome.ProviderBadData, "the answer has no usable account_id")
	}
	return account, nil
}

// maxUserPages bounds the pages of users Find reads.
const maxUserPages = 20

// Find implements verification.Provider: Palenca keeps the external_id we
// create each user with (the verification's id), and lists users by
// creation date (POST /users/search, {"start_date","end_date","options":
// {"items_per_page","page"}}), so the users created from the day before the
// start to the day after are read, page by page, for ours; then its
// accounts (GET /users/{user_id}/accounts) for the one of the institution.
func (c *Client) Find(ctx context.Context, id string, in verification.Input, startedAt time.Time) (string, error) {
	user, err := c.userOf(ctx, id, startedAt)
	if err != nil {
		return "", err
	}
	a, err := c.listing(ctx, http.MethodGet, "/users/"+url.PathEscape(user)+"/accounts", nil, "accounts")
	if err != nil {
		return "", err
	}
	account, err := palenca.FindAccount(a.Body, string(in.Institution.OrIMSS()))
	switch {
	case err != nil:
		return "", fmt.Errorf("palencaapi: accounts: %w", err)
	case account == "":
		return "", verification.ErrNotFound
	}
	return account, nil
}

// userOf finds the user made for verification id, started at startedAt:
// the users created from the day before to the day after, page by page,
// for the one with our external_id. None is verification.ErrNotFound.
func (c *Client) userOf(ctx context.Context, id string, startedAt time.Time) (string, error) {
	day := func(d time.Duration) string { return startedAt.UTC().Add(d).Format(time.DateOnly) }
	var users palenca.Users
	for page := 1; users.UserID == "" && page <= maxUserPages; page++ {
		body, _ := json.Marshal(map[string]any{"start_date": day(-24 * time.Hour), "end_date": day(24 * time.Hour),
			"options": map[string]int{"items_per_page": 100, "page": page}})
		a, err := c.listing(ctx, http.MethodPost, "/users/search", body, "users")
		if err != nil {
			return "", err
		}
		if users, err = palenca.FindUser(a.Body, id); err != nil {
			return "", fmt.Errorf("palencaapi: users: %w", err)
		}
		if page >= users.Pages {
			break
		}
	}
	if users.UserID == "" {
		return "", verification.ErrNotFound
	}
	return users.UserID, nil
}

// Erase implements erasure.Eraser with 000's Delete Account (DELETE
// /accounts/{account_id}) of the verification's account, then Delete User
// (DELETE /users/{user_id}) of the user made with it, found by our
// external_id. One Palenca no longer has is deleted already.
func (c *Client) Erase(ctx context.Context, m erasure.Made) []erasure.Deletion {
	out := []erasure.Deletion{c.delete(ctx, "/accounts/", m.Reference)}
	user, err := c.userOf(ctx, m.Verification, m.StartedAt)
	switch {
	case errors.Is(err, verification.ErrNotFound):
		// No user left with our external_id: deleted with an earlier
		// erase, or never made.
	case err != nil:
		out = append(out, erasure.Deletion{Provider: palenca.Provider, Reference: "user of " + m.Reference, Status: erasure.Failed, Error: err.Error()})
	default:
		out = append(out, c.delete(ctx, "/users/", user))
	}
	return out
}

var _ erasure.Eraser = (*Client)(nil)

// delete asks Palenca to delete what path names: deleted on a success, or
// when it is not there (404).
func (c *Client) delete(ctx context.Context, path, id string) erasure.Deletion {
	d := erasure.Deletion{Provider: palenca.Provider, Reference: id, Status: erasure.Deleted}
	a, err := c.request(ctx, http.MethodDelete, path+url.PathEscape(id), nil)
	switch {
	case err != nil:
		d.Status, d.Error = erasure.Failed, err.Error()
	case a.Status/100 == 2, a.Status == http.StatusNotFound:
	default:
		d.Status, d.Error = erasure.Failed, fmt.Sprintf("palencaapi: delete %s: %v", strings.Trim(path, "/"), problem(a))
	}
	return d
}

// listing asks for a list (what names it in errors); anything but a 200 is
// a failure to ask.
func (c *Client) listing(ctx context.Context, method, path string, body []byte, what string) (outbound.Answer, error) {
	a, err := c.request(ctx, method, path, body)
	if err != nil {
		return outbound.Answer{}, err
	}
	if a.Status != http.StatusOK {
		return outbound.Answer{}, fmt.Errorf("palencaapi: %s: %w", what, problem(a))
	}
	return a, nil
}

// Check implements verification.Provider: GET
// /accounts/{account_id}/employment. Not found is a login still in
// progress (pending); a refusal naming a reason in the taxonomy is the
// attempt's problem; a server error is a failure to ask.
func (c *Client) Check(ctx context.Context, account string, known employment.Person, source employment.Source, today employment.Date) (verification.Result, error) {
	a, err := c.request(ctx, http.MethodGet, "/accounts/"+url.PathEscape(account)+"/employment", nil)
	switch {
	case err != nil:
		return verification.Result{}, err
	case a.Status == http.StatusNotFound:
		return verification.Result{}, nil
	case a.Status >= 500 || a.Status == http.StatusTooManyRequests && !reason(a):
		return verification.Result{}, fmt.Errorf("palencaapi: employment: %w", problem(a))
	case a.Status != http.StatusOK:
		p := problem(a)
		return verification.Result{Problem: &p}, nil
	}
	e, err := palenca.DecodeEmployment(a.Body)
	if err != nil {
		return verification.Unusable("employment: " + err.Error()), nil
	}
	rep, err := palenca.Normalize(e, known, source, today)
	if err != nil {
		return verification.Unusable(err.Error()), nil
	}
	return verification.Result{Report: &rep}, nil
}

// reason reports whether a refusal names a code Palenca documents.
func reason(a outbound.Answer) bool {
	code, _ := palenca.DecodeError(a.Body)
	return code != ""
}

// Notice implements verification.Provider: login.success and
// employment.updated name their account; login.error names it with its
// problem, which no API call confirms.
func (c *Client) Notice(_ string, body []byte) (verification.Notice, error) {
	n, err := palenca.Decode(body)
	if err != nil {
		return verification.Notice{}, err
	}
	switch n.Action {
	case "login.success", "employment.updated":
		return verification.Notice{Reference: n.AccountID}, nil
	case "login.error":
		p := palenca.Classify(0, n.StatusDetails, "")
		return verification.Notice{Reference: n.AccountID, Problem: &p}, nil
	}
	return verification.Notice{}, nil
}

// Window implements verification.Provider.
func (c *Client) Window() time.Duration { return DefaultWindow }

// Serves implements verification.Provider: IMSS and ISSSTE.
func (c *Client) Serves(verification.Institution) bool { return true }
