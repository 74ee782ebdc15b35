// Package functions_test checks what each function's binary links: only its
// own path, so that a change to one function redeploys only that one.
package functions_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tarjeta-dev/tarjeta/"

// own lists the packages that belong to one function's path alone. Shared
// by design: core/pomelo (authorizations and notices alike) and the
// provider-neutral core/inbound it implements; and what the table shared
// lists.
var own = map[string][]string{
	"authorize": {"core/authorization", "core/envelope", "config/authorize", "httpapi/authorizeapi"},
	// The diagnosis explains a kept Pomelo delivery (POST /webhooks/events/{id}/check).
	"webhooks": {"config/webhooks", "httpapi/webhooksapi", "providers/pomeloapi", "core/signature/diagnosis"},
	"verify": {"core/verification", "core/identity", "core/privacy", "config/verify", "httpapi/verifyapi",
		"dynamo/verifytable", "providers/tdapi", "providers/belvoapi", "providers/palencaapi"},
	"reconcile": {"config/reconcile", "httpapi/reconcileapi", "s3bucket"},
}

// shared lists what some functions share, and who may link it.
var shared = map[string][]string{
	"core/webhook":      {"webhooks", "verify"},
	"core/employment":   {"webhooks", "verify"}, // the providers' packages read their reports into it
	"core/td":           {"webhooks", "verify"},
	"core/belvo":        {"webhooks", "verify"},
	"core/palenca":      {"webhooks", "verify"},
	"dynamo/eventtable": {"webhooks", "verify"},
	// The events table keeps the erasures; a late push for an erased
	// person is dropped by their marks.
	"core/erasure":       {"webhooks", "verify"},
	"providers/outbound": {"webhooks", "verify"},
	// The ledger's store: the authorizations and the reconciliations post
	// to one ledger, and its store keeps the runs (core/settlement's types).
	"core/ledger":        {"authorize", "reconcile"},
	"core/settlement":    {"authorize", "reconcile"},
	"core/idempotency":   {"authorize", "reconcile"},
	"dynamo/ledgertable": {"authorize", "reconcile"},
}

// local are the packages of the local stack and the tests, which no
// function links.
var local = []string{"devstack", "filestore", "storetest", "providers/pomelosim", "providers/webhooksim",
	"providers/tdsim", "providers/belvosim", "providers/palencasim", "providers/people",
	"httpapi/apitest", "dynamo/dynamotest", "s3bucket/s3test", "core/capture", "console", "browsertest"}

func TestEachFunctionLinksOnlyItsPath(t *testing.T) {
	for name := range own {
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "./"+name).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			var deps []string
			for _, p := range strings.Fields(string(out)) {
				if rest, ok := strings.CutPrefix(p, module); ok {
					deps = append(deps, rest)
				}
			}
			for _, p := range own[name] {
				if !slices.Contains(deps, p) {
					t.Errorf("%s does not link %s, its own: update the table", name, p)
				}
			}
			for other, pkgs := range own {
				if other == name {
					continue
				}
				for _, p := range pkgs {
					if slices.Contains(deps, p) {
						t.Errorf("%s links %s, of the %s function", name, p, other)
					}
				}
			}
			for p, who := range shared {
				if slices.Contains(deps, p) && !slices.Contains(who, name) {
					t.Errorf("%s links %s, shared by %v only", name, p, who)
				}
			}
			for _, p := range deps {
				for _, l := range local {
					if p == l || strings.HasPrefix(p, l+"/") {
						t.Errorf("%s links %s, of the local stack or the tests", name, p)
					}
				}
			}
		})
	}
}
