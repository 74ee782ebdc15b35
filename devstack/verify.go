package devstack

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/tarjeta-dev/tarjeta/config/verify"
	"github.com/tarjeta-dev/tarjeta/core/erasure"
	"github.com/tarjeta-dev/tarjeta/core/privacy"
	"github.com/tarjeta-dev/tarjeta/core/verification"
	"github.com/tarjeta-dev/tarjeta/dynamo/verifytable"
	"github.com/tarjeta-dev/tarjeta/filestore/verifyfile"
	"github.com/tarjeta-dev/tarjeta/providers/belvosim"
	"github.com/tarjeta-dev/tarjeta/providers/palencasim"
	"github.com/tarjeta-dev/tarjeta/providers/tdsim"
	"github.com/tarjeta-dev/tarjeta/providers/webhooksim"
)

// followUpEvery is how often the local stack's follow-up runs
// (EventBridge's 5 minutes in AWS).
const followUpEvery = 5 * time.Second

// startVerify starts the verify function over the verifications' embedded
// store, or their table on DynamoDB, with the simulator of each provider
// whose URL is unset. Its service becomes the webhooks function's hand-off,
// so that startWebhooks must come after it.
func startVerify(ctx context.Context, s *Stack) (started, error) {
	c := s.c.Verify
	if err := s.simulators(&c); err != nil {
		return started{}, err
	}
	var store verification.Store
	if s.db == nil {
		fs, err := verifyfile.Open(s.storeDir(), time.Now())
		if err != nil {
			return started{}, err
		}
		s.closers = append(s.closers, fs.Close)
		store = fs
	} else {
		if err := verifytable.Create(ctx, s.db, c.TableName); err != nil {
			return started{}, err
		}
		store = verifytable.New(s.db, c.TableName)
	}
	events, _, err := s.eventStore(ctx)
	if err != nil {
		return started{}, err
	}
	people, ok := events.(privacy.Events)
	if !ok {
		return started{}, fmt.Errorf("devstack: %T finds no person's events", events)
	}
	records, ok := events.(erasure.Records)
	if !ok {
		return started{}, fmt.Errorf("devstack: %T keeps no erasure", events)
	}
	d := verify.Deps{Store: store, People: people, Erasures: records, Log: s.log, Now: time.Now}
	svc, err := c.Service(d)
	if err != nil {
		return started{}, err
	}
	s.handoff = svc
	return started{fn: c.Serve(svc, d), every: followUpEvery}, nil
}

// simulators starts, on loopback ports, the simulator of each provider
// whose URL c leaves unset, and points c at it with the credentials it
// expects. Their webhooks reach the stack signed with the credentials the
// webhooks function checks.
func (s *Stack) simulators(c *verify.Config) error {
	wc := s.c.Webhooks
	if err := localWebhookCredentials(&wc, s.c.DataDir, s.out, s.random); err != nil {
		return err
	}
	push := &webhooksim.Sender{
		BaseURL: "http://" + s.Addr, TDPartnerCode: wc.TDPartnerCode, TDAccessKey: signing(wc.TDAccessKey), TDAccessSecret: signing(wc.TDAccessSecret),
		BelvoAuthorization: signing(wc.BelvoAuthorization), PalencaSecret: signing(wc.PalencaSecret), PalencaHeader: wc.PalencaHeader,
	}
	secret := func() (string, error) {
		b := make([]byte, 18)
		if _, err := io.ReadFull(s.random, b); err != nil {
			return "", fmt.Errorf("devstack: %w", err)
		}
		return base64.RawURLEncoding.EncodeToString(b), nil
	}
	var err error
	if c.TDAPIURL == "" {
		if c.TDPartnerCode == "" {
			c.TDPartnerCode = wc.TDPartnerCode
		}
		if c.TDPartnerKey, err = secret(); err != nil {
			return err
		}
		sim := &tdsim.Server{PartnerCode: c.TDPartnerCode, PartnerKey: c.TDPartnerKey, Push: push, Delay: s.c.SimulatorDelay,
			Window: c.TDQueryWindow, Now: time.Now, Log: s.log}
		base, err := s.serveSimulator("td", sim.Handler(), sim.Close)
		if err != nil {
			return err
		}
		c.TDAPIURL, c.TDQueryURL = base+tdsim.RequestPath, base+tdsim.QueryPath
	}
	if c.BelvoAPIURL == "" {
		c.BelvoSecretID = "local"
		if c.BelvoSecretPassword, err = secret(); err != nil {
			return err
		}
		sim := &belvosim.Server{SecretID: c.BelvoSecretID, SecretPassword: c.BelvoSecretPassword, Push: push, Delay: s.c.SimulatorDelay, Now: time.Now, Log: s.log}
		if c.BelvoAPIURL, err = s.serveSimulator("belvo", sim.Handler(), sim.Close); err != nil {
			return err
		}
	}
	if c.PalencaAPIURL == "" {
		if c.PalencaAPIKey, err = secret(); err != nil {
			return err
		}
		sim := &palencasim.Server{APIKey: c.PalencaAPIKey, Push: push, Delay: s.c.SimulatorDelay, Now: time.Now, Log: s.log}
		// Palenca's base URL holds its version.
		base, err := s.serveSimulator("palenca", http.StripPrefix("/v1", sim.Handler()), sim.Close)
		if err != nil {
			return err
		}
		c.PalencaAPIURL = base + "/v1"
	}
	return nil
}

// serveSimulator serves h on a loopback port until the stack closes, and
// returns its base URL.
func (s *Stack) serveSimulator(name string, h http.Handler, stop func()) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("devstack: %s simulator: %w", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	s.closers = append(s.closers, func() error { stop(); return srv.Close() })
	return "http://" + ln.Addr().String(), nil
}
