// Package belvoapi calls Belvo's employment records for Mexico for the
// verify function: it creates a single link for a CURP and reads the
// link's employment records, every page. It is the verify function's
// Belvo provider.
package belvoapi

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tarjeta-dev/tarjeta/core/belvo"
	"github.com/tarjeta-dev/tarjeta/core/employment"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/outcome"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/providers/outbound"
)

// Belvo's employment institutions: IMSS's (BELVO_INSTITUTION; Belvo's
// sandbox is planet_mx_employment) and ISSSTE's (BELVO_ISSSTE_INSTITUTION).
const (
	DefaultInstitution       = "imss_mx_employment"
	DefaultISSSTEInstitution = "issste_mx_employment"
)

// DefaultWindow is how long a link's records are waited for: Belvo says 15
// seconds on average and names no limit.
const DefaultWindow = 24 * time.Hour

// maxPages bounds the pages of one link's records.
const maxPages = 20

// Client is Belvo's client. BaseURL is the host as Belvo publishes it
// (BELVO_API_URL, https://sandbox.belvo.com); the paths are appended.
type Client struct {
	BaseURL                  string
	SecretID, SecretPassword string
	Institution              string // DefaultInstitution when empty
	ISSSTEInstitution        string // DefaultISSSTEInstitution when empty
	Out                      *outbound.Client
}

var _ verification.Provider = (*Client)(nil)

func (c *Client) request(ctx context.Context, method, u string, body []byte) (outbound.Answer, error) {
	req, err := outbound.NewRequest(ctx, method, u, body)
	if err != nil {
		return outbound.Answer{}, fmt.Errorf("belvoapi: %w", err)
	}
	req.SetBasicAuth(c.SecretID, c.SecretPassword)
	return c.Out.Do(req)
}

// problem reads an answer that is not a success.
func problem(a outbound.Answer) employment.Problem {
	code, message := belvo.DecodeError(a.Body)
	return belvo.Classify(a.Status, code, message)
}

// Start implements verification.Provider: POST /api/links/ with the body of
// 003, the verification's id as external_id. It is not retried: a second
// link would be a second IMSS query of the CURP.
func (c *Client) Start(ctx context.Context, id string, in verification.Input) (string, error) {
	institution := cmp.Or(c.Institution, DefaultInstitution)
	if in.Institution == verification.ISSSTE {
		institution = cmp.Or(c.ISSSTEInstitution, DefaultISSSTEInstitution)
	}
	body, _ := json.Marshal(map[string]any{
		"institution": institution, "username": in.CURP, "fetch_resources": []string{"EMPLOYMENT_RECORDS"},
		"access_mode": "single", "external_id": id,
	})
	a, err := c.request(ctx, http.MethodPost, c.BaseURL+"/api/links/", body)
	if err != nil {
		return "", err
	}
	if a.Status != http.StatusCreated && a.Status != http.StatusOK {
		return "", problem(a)
	}
	f, err := inbound.Object(a.Body)
	if err != nil {
		return "", employment.ProblemOf(outcome.ProviderBadData, "the link is not a JSON object")
	}
	link := f.ID("id")
	if f.Err() != nil {
		return "", employment.ProblemOf(outcome.ProviderBadData, "the link has no usable id")
	}
	return link, nil
}

// Find implements verification.Provider: GET /api/links/?external_id=,
// Belvo's list of links filtered by the external_id we create each with
// (the verification's id); the first link with it, on the first page (one
// verification makes at most one link per provider).
func (c *Client) Find(ctx context.Context, id string, _ verification.Input, _ time.Time) (string, error) {
	a, err := c.request(ctx, http.MethodGet, c.BaseURL+"/api/links/?external_id="+url.QueryEscape(id), nil)
	if err != nil {
		return "", err
	}
	if a.Status != http.StatusOK {
		return "", fmt.Errorf("belvoapi: links: %w", problem(a))
	}
	link, err := belvo.FindLink(a.Body, id)
	switch {
	case err != nil:
		return "", fmt.Errorf("belvoapi: links: %w", err)
	case link == "":
		return "", verification.ErrNotFound
	}
	return link, nil
}

// Erase implements erasure.Eraser: DELETE /api/links/{id}/, which removes
// the link and everything Belvo fetched with it. A link Belvo no longer
// has (404) is deleted already.
func (c *Client) Erase(ctx context.Context, m erasure.Made) []erasure.Deletion {
	d := erasure.Deletion{Provider: belvo.Provider, Reference: m.Reference, Status: erasure.Deleted}
	a, err := c.request(ctx, http.MethodDelete, c.BaseURL+"/api/links/"+url.PathEscape(m.Reference)+"/", nil)
	switch {
	case err != nil:
		d.Status, d.Error = erasure.Failed, err.Error()
	case a.Status/100 == 2, a.Status == http.StatusNotFound:
	default:
		d.Status, d.Error = erasure.Failed, fmt.Sprintf("belvoapi: delete link: %v", problem(a))
	}
	return []erasure.Deletion{d}
}

var _ erasure.Eraser = (*Client)(nil)

// Check implements verification.Provider: GET
// /api/employment-records/?link=, following next to the last page (on
// Belvo's own host only: the credentials go with each page). No profile
// yet is pending.
func (c *Client) Check(ctx context.Context, link string, known employment.Person, source employment.Source, today employment.Date) (verification.Result, error) {
	base, err := url.Parse(c.BaseURL)
	if err != nil {
		return verification.Result{}, fmt.Errorf("belvoapi: BELVO_API_URL: %w", err)
	}
	next := c.BaseURL + "/api/employment-records/?link=" + url.QueryEscape(link)
	var profiles []belvo.Profile
	for pages := 0; next != ""; pages++ {
		if pages == maxPages {
			return verification.Unusable(fmt.Sprintf("more than %d pages of records", maxPages)), nil
		}
		u, err := url.Parse(next)
		if err != nil || u.Scheme != base.Scheme || u.Host != base.Host {
			return verification.Unusable("a next page off Belvo's host"), nil
		}
		a, err := c.request(ctx, http.MethodGet, next, nil)
		if err != nil {
			return verification.Result{}, err
		}
		if a.Status != http.StatusOK {
			return verification.Result{}, fmt.Errorf("belvoapi: records: %w", problem(a))
		}
		page, err := belvo.DecodePage(a.Body)
		if err != nil {
			return verification.Unusable("records: " + err.Error()), nil
		}
		profiles = append(profiles, page.Profiles...)
		next = page.Next
	}
	if len(profiles) == 0 {
		return verification.Result{}, nil
	}
	rep, err := belvo.Normalize(link, profiles, known, source, today)
	if err != nil {
		return verification.Unusable(err.Error()), nil
	}
	return verification.Result{Report: &rep}, nil
}

// Notice implements verification.Provider: historical_update of
// EMPLOYMENT_RECORDS names its link; other webhooks name nothing of ours.
func (c *Client) Notice(_ string, body []byte) (verification.Notice, error) {
	n, err := belvo.Decode(body)
	if err != nil {
		return verification.Notice{}, err
	}
	if n.WebhookType != belvo.TypeEmploymentRecords || n.WebhookCode != belvo.CodeHistoricalUpdate {
		return verification.Notice{}, nil
	}
	return verification.Notice{Reference: n.LinkID}, nil
}

// Window implements verification.Provider.
func (c *Client) Window() time.Duration { return DefaultWindow }

// Serves implements verification.Provider: IMSS and ISSSTE.
func (c *Client) Serves(verification.Institution) bool { return true }
