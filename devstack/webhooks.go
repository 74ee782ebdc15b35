package devstack

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tarjeta-dev/tarjeta/config/webhooks"
	"github.com/tarjeta-dev/tarjeta/core/inbound"
	"github.com/tarjeta-dev/tarjeta/core/webhook"
	"github.com/tarjeta-dev/tarjeta/dynamo/eventtable"
	"github.com/tarjeta-dev/tarjeta/filestore/eventfile"
	"github.com/tarjeta-dev/tarjeta/providers/pomelosim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// startWebhooks starts the webhooks function over the events' embedded
// store, or their table on DynamoDB, with the Pomelo API simulator when no
// Pomelo API is configured and TD and Belvo credentials generated when none
// are.
func startWebhooks(ctx context.Context, s *Stack) (started, error) {
	c := s.c.Webhooks
	if err := localWebhookCredentials(&c, s.c.DataDir, s.out, s.random); err != nil {
		return started{}, err
	}
	if !c.Pomelo.Set() {
		c.Credentials = s.pomelo
	}
	stopAPI, err := pomeloAPI(&c, s.random)
	if err != nil {
		return started{}, err
	}
	s.closers = append(s.closers, func() error { stopAPI(); return nil })
	store, changed, err := s.eventStore(ctx)
	if err != nil {
		return started{}, err
	}
	fn, err := c.Function(ctx, webhooks.Deps{Store: store, Log: s.log, Now: time.Now, Handoff: s.handoff})
	return started{fn: fn, changed: changed}, err
}

// eventStore opens the events' embedded store, or their table on DynamoDB,
// the first time it is asked for: the webhooks function keeps its events
// in it, the verify function reads a person's events from it.
func (s *Stack) eventStore(ctx context.Context) (webhook.Store, <-chan struct{}, error) {
	if s.events != nil {
		return s.events, s.eventsChanged, nil
	}
	if s.db == nil {
		fs, err := eventfile.Open(s.storeDir(), time.Now())
		if err != nil {
			return nil, nil, err
		}
		s.closers = append(s.closers, fs.Close)
		s.events, s.eventsChanged = fs, fs.Changed()
		return s.events, s.eventsChanged, nil
	}
	if err := eventtable.Create(ctx, s.db, s.c.Webhooks.TableName); err != nil {
		return nil, nil, err
	}
	s.events = eventtable.New(s.db, s.c.Webhooks.TableName)
	return s.events, nil, nil
}

// WebhookCredentialsFile keeps, in DATA_DIR, the TD and Belvo credentials the
// local stack generated for itself, as NAME=value lines; `make simulate`
// reads them.
const WebhookCredentialsFile = "webhook-credentials"

// localWebhookCredentials fills the TD and Belvo settings left unset with
// the ones generated earlier into DATA_DIR, generating them the first time,
// so that `make simulate` can sign for every provider. Palenca stays
// unsigned unless PALENCA_WEBHOOK_SECRET is set: locally its unsigned
// notifications are taken as hints (PALENCA_UNSIGNED_HINTS), as the
// simulator sends them.
func localWebhookCredentials(c *webhooks.Config, dataDir string, out io.Writer, random io.Reader) error {
	path := filepath.Join(dataDir, WebhookCredentialsFile)
	text, made, err := kept(path, func() (string, error) { return generateWebhookCredentials(random) })
	if err != nil {
		return err
	}
	if made {
		fmt.Fprintf(out, "Generated TD and Belvo webhook credentials for this local stack: %s\n", path)
	}
	creds := parseWebhookCredentials(text)
	fill := func(dst *string, name string) {
		if *dst == "" {
			*dst = creds[name]
		}
	}
	fill(&c.TDPartnerCode, "TD_PARTNER_CODE")
	fill(&c.TDAccessKey, "TD_ACCESS_KEY")
	fill(&c.TDAccessSecret, "TD_ACCESS_SECRET")
	fill(&c.BelvoAuthorization, "BELVO_WEBHOOK_AUTHORIZATION")
	if c.PalencaSecret == "" {
		c.PalencaUnsignedHints = true
	}
	return nil
}

// ReadWebhookCredentials reads a WebhookCredentialsFile.
func ReadWebhookCredentials(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseWebhookCredentials(string(b)), nil
}

// parseWebhookCredentials reads NAME=value lines.
func parseWebhookCredentials(text string) map[string]string {
	out := make(map[string]string)
	for _, line := range strings.Split(text, "\n") {
		if name, value, ok := strings.Cut(line, "="); ok {
			out[name] = value
		}
	}
	return out
}

// generateWebhookCredentials makes the TD and Belvo credentials, as
// NAME=value lines.
func generateWebhookCredentials(random io.Reader) (string, error) {
	raw := make([]byte, 56)
	if _, err := io.ReadFull(random, raw); err != nil {
		return "", fmt.Errorf("devstack: generate webhook credentials: %w", err)
	}
	return strings.Join([]string{
		"TD_PARTNER_CODE=local-partner",
		"TD_ACCESS_KEY=" + hex.EncodeToString(raw[:8]),
		"TD_ACCESS_SECRET=" + base64.RawURLEncoding.EncodeToString(raw[8:32]),
		"BELVO_WEBHOOK_AUTHORIZATION=Bearer " + base64.RawURLEncoding.EncodeToString(raw[32:]),
	}, "\n"), nil
}

// pomeloAPI starts the Pomelo API simulator on a loopback port and points
// the settings at it, when POMELO_API_BASE_URL is unset.
func pomeloAPI(c *webhooks.Config, random io.Reader) (stop func(), err error) {
	if c.PomeloAPIBaseURL != "" {
		return func() {}, nil
	}
	secret := make([]byte, 24)
	if _, err := io.ReadFull(random, secret); err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	api := &pomelosim.API{ClientID: "local", ClientSecret: base64.RawURLEncoding.EncodeToString(secret), Audience: "local"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("devstack: pomelo api simulator: %w", err)
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	c.PomeloAPIBaseURL = "http://" + ln.Addr().String()
	c.PomeloClientID, c.PomeloSecret, c.PomeloAudience = api.ClientID, api.ClientSecret, api.Audience
	return func() { srv.Close() }, nil
}

// signing is the credential a setting holding several values (rotation)
// signs with: the first, the newest.
func signing(setting string) string {
	first, _, _ := strings.Cut(setting, inbound.Separator)
	return first
}

// Sender is the providers' simulator set up to sign as the local stack kept
// in dataDir expects (what `make simulate` sends with): each credential from
// getenv when it is set there, else the one the stack generated.
func Sender(baseURL, dataDir string, getenv func(string) string) (*webhooksim.Sender, error) {
	kept, err := ReadWebhookCredentials(filepath.Join(dataDir, WebhookCredentialsFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	get := func(name string) string {
		v := getenv(name)
		if v == "" {
			v = kept[name]
		}
		return signing(v)
	}
	pomelo := getenv("POMELO_API_CREDENTIALS")
	if pomelo == "" {
		b, err := os.ReadFile(filepath.Join(dataDir, CredentialsFile))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("devstack: %w", err)
		}
		pomelo = strings.TrimSpace(string(b))
	}
	// The first pair signs, as Pomelo signs with the newest.
	pair, _, _ := strings.Cut(pomelo, ",")
	key, secret, _ := strings.Cut(pair, ":")
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		return nil, errors.New("devstack: the Pomelo api-secret is not base64")
	}
	return &webhooksim.Sender{
		BaseURL: strings.TrimSuffix(baseURL, "/"), PomeloAPIKey: key, PomeloSecret: raw,
		TDPartnerCode: get("TD_PARTNER_CODE"), TDAccessKey: get("TD_ACCESS_KEY"), TDAccessSecret: get("TD_ACCESS_SECRET"),
		BelvoAuthorization: get("BELVO_WEBHOOK_AUTHORIZATION"),
		PalencaSecret:      get("PALENCA_WEBHOOK_SECRET"), PalencaHeader: getenv("PALENCA_SIGNATURE_HEADER"),
	}, nil
}
