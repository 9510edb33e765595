# Pforte: `make run` starts the demo, `make test` runs every test.
# Both install what is missing (npm packages; Debian packages for tests and
# the desktop build) first.

SHELL   := /bin/bash
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
LISTEN  ?= 127.0.0.1:8080
SITE    ?= demo-rathaus-1
BUILDING ?= rathaus-1
GOSSIP  ?= 127.0.0.1:7946
PUBLIC  ?= 127.0.0.1:8081
OUT     ?= out

GO_SOURCES := $(shell find . -name '*.go' -not -path './frontend/node_modules/*') go.mod go.sum
FRONTEND_SOURCES := $(shell find frontend/src frontend/scripts frontend/index.html frontend/vite.config.* frontend/vite.public.config.ts frontend/svelte.config.js frontend/tsconfig*.json frontend/package.json -type f 2>/dev/null)

.PHONY: all run build desktop frontend test test-go test-cups test-frontend test-e2e test-desktop vet bench soak clean

all: build

## run: build and start the headless server with the demo municipality
run: build
	@echo "Pforte (demo): open the URL below in a browser; data in ./data; Ctrl-C stops."
	@echo "The citizens' booking pages are on their own listener (the public pages line)."
	bin/pforte serve --demo --data ./data --listen $(LISTEN) --site $(SITE) --building $(BUILDING) --gossip $(GOSSIP) \
	    --public-listen $(PUBLIC) --public-url http://$(PUBLIC)

## build: the headless binary (no cgo)
build: bin/pforte

bin/pforte: frontend/dist/index.html $(GO_SOURCES)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ .

## desktop: the Wails desktop binary (webkit2gtk-4.1)
desktop: bin/pforte-desktop

bin/pforte-desktop: frontend/dist/index.html build/appicon.png $(GO_SOURCES)
	scripts/install-deps.sh desktop
	CGO_ENABLED=1 $(GO) build -trimpath -tags desktop,production,webkit2_41 -ldflags '$(LDFLAGS)' -o $@ .

## frontend: the UI bundle that both binaries embed
frontend: frontend/dist/index.html

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build

## test: everything: vet, Go tests with the race detector, frontend unit
## tests, the browser end-to-end test and the desktop smoke test
test: vet test-go test-cups test-frontend test-e2e test-desktop
	@echo "make test: all passed"

vet: frontend/dist/index.html
	$(GO) vet ./...
	scripts/install-deps.sh desktop
	CGO_ENABLED=1 $(GO) vet -tags desktop,production,webkit2_41 .

test-go: frontend/dist/index.html
	scripts/install-deps.sh test
	$(GO) test -race -count=1 ./...

## test-cups: print through a private CUPS server (its own config dir, 127.0.0.1 only)
test-cups: frontend/dist/index.html
	scripts/install-deps.sh test
	scripts/cups-test.sh start $(OUT)/cups >/dev/null
	PFORTE_CUPS_TEST=$$(cat $(OUT)/cups/address) $(GO) test -race -count=1 -run 'RealCUPS' ./printing/cups ./app; \
		rc=$$?; scripts/cups-test.sh stop $(OUT)/cups; exit $$rc

## soak: the seeded cluster schedules (sync) for SOAK_SEEDS seeds, without
## the race detector; the whole output goes to $(OUT)/soak.log, the one line
## shown at the end says which seeds failed (replay one with PFORTE_SEED=N)
SOAK_SEEDS ?= 200
SOAK_FLAGS ?=
soak:
	@mkdir -p $(OUT)
	@PFORTE_SEEDS=$(SOAK_SEEDS) $(GO) test $(SOAK_FLAGS) -count=1 -timeout 0 -v -run '^TestClusterConvergesUnderFaults$$' ./sync \
		> $(OUT)/soak.log 2>&1; rc=$$?; \
	line=$$(grep -o 'soak: .*' $(OUT)/soak.log | tail -n 1); \
	echo "$${line:-soak: the run ended before its summary (go test exit $$rc)} (log: $(OUT)/soak.log)"; exit $$rc

## bench: the measured numbers of the issues (slot search, booking, printing)
bench: frontend/dist/index.html
	$(GO) test -run '^$$' -bench 'SlotSearch|Book|BareInsert' -count 6 ./engine/store
	$(GO) test -run '^$$' -bench . -count 6 -benchmem ./printing

test-frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm test

test-e2e: bin/pforte
	scripts/install-deps.sh test
	mkdir -p $(OUT)
	cd frontend && PFORTE_BIN=$(CURDIR)/bin/pforte E2E_OUT=$(CURDIR)/$(OUT) npm run e2e

test-desktop: bin/pforte-desktop
	scripts/install-deps.sh test
	mkdir -p $(OUT)
	scripts/desktop-smoke.sh bin/pforte-desktop $(OUT)

clean:
	rm -rf bin frontend/dist/assets frontend/dist/index.html $(OUT)
