# dualmark — build, test and benchmark targets.
GO ?= go
BENCHTIME ?= 1x

.PHONY: all build test bench fuzz race vet lint vulnself fmt clean

all: build

build:
	$(GO) build -o bin/dualmark ./cmd/dualmark

# The test command of the README and of CI.
test:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal)" || { echo "gofmt needed:"; gofmt -l cmd internal; exit 1; }
	$(GO) test -count=1 ./...

# Benchmarks with the figures recorded in docs/BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# A short fuzzing pass over every fuzz target (FUZZTIME per target, one
# worker each: FUZZPARALLEL). .ci/fuzzrate prints each target's executions,
# median rate and ticks at 0/s, and fails the pass when a target fails or
# stalls (more than 3 progress ticks in a row at 0/s). The minimisation of
# each new input is capped by a count (FUZZMINIMIZE), not a time: Go does
# not count the runs made while minimising, and a 5 s wall-clock cap on a
# loaded machine held several targets at 0 execs/s for most of a run; 100
# runs take under 3 s even where one run takes 20 ms (docs/HARDENING.md).
FUZZTIME ?= 30s
FUZZMINIMIZE ?= 100x
FUZZPARALLEL ?= 1
fuzz:
	@for pkg in $$($(GO) list ./internal/...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			GO=$(GO) .ci/fuzzrate $$pkg $$f $(FUZZTIME) $(FUZZMINIMIZE) $(FUZZPARALLEL) || exit 1; \
		done; \
	done

# The race detector over every package but RACE_EXCLUDE (a grep -E pattern,
# none by default). -short shrinks the tests that read the largest real data
# (all 44,402 CVE records, the 20 MB benchmark SBOMs) to small real-data
# variants. match and monitor take about 4 minutes each under -race on a
# quiet machine; make race RACE_EXCLUDE='/internal/(match|monitor)$$' leaves
# them out for a quicker run.
RACE_EXCLUDE ?= ^$$
race:
	$(GO) test -race -short -count=1 -timeout 45m $$($(GO) list ./... | grep -Ev '$(RACE_EXCLUDE)')

vet:
	$(GO) vet ./...

# staticcheck at a pinned version, run from the module proxy (not a go.mod
# dependency); clean as of issue 16 (docs/HARDENING.md).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint: vet
	$(GO) run $(STATICCHECK) ./...

# dualmark's own dependencies scanned by dualmark, the stand-in for
# govulncheck (whose database is not reachable here): the modules linked
# into bin/dualmark (go version -m) as a CycloneDX SBOM of pkg:golang purls
# plus the Go standard library, against the staged Go vulnerability
# database, with the project's own VEX statements (docs/vex). Module-level,
# not symbol-level like govulncheck: a finding in a package dualmark does
# not import needs a VEX statement saying so (docs/HARDENING.md).
GOVULNDB ?= ../shared/data/advisories/osv/go-vulndb
vulnself: build
	@mkdir -p build
	$(GO) version -m bin/dualmark | awk 'BEGIN { printf "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"metadata\":{\"component\":{\"type\":\"application\",\"bom-ref\":\"dualmark\",\"name\":\"dualmark\"}},\"components\":[" } \
		NR == 1 { gv = $$2; sub(/^go/, "", gv) } \
		$$1 == "dep" || $$1 == "=>" { printf "{\"type\":\"library\",\"bom-ref\":\"%s\",\"name\":\"%s\",\"version\":\"%s\",\"purl\":\"pkg:golang/%s@%s\"},", $$2, $$2, $$3, $$2, $$3 } \
		END { printf "{\"type\":\"library\",\"bom-ref\":\"stdlib\",\"name\":\"stdlib\",\"version\":\"%s\",\"purl\":\"pkg:golang/stdlib@go%s\"}]}\n", gv, gv }' > build/dualmark-self.cdx.json
	bin/dualmark db import -q --db build/govulndb $(GOVULNDB)
	bin/dualmark scan build/dualmark-self.cdx.json --db build/govulndb --vex docs/vex/dualmark-self.openvex.json

fmt:
	gofmt -w cmd internal

clean:
	rm -rf bin build
