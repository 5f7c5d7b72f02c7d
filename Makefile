# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: demo demo-cli test build bench

GO ?= go

# procmine and procmine-layout, which draws its maps and models (it must
# stay beside procmine, or on PATH).
build:
	$(GO) build -o bin/ ./cmd/...

# Starts the server on a fresh demo environment; prints users and passwords.
demo: build
	bin/procmine demo

# Generates a synthetic purchase-to-pay log and mines it offline.
demo-cli: build
	mkdir -p demo
	bin/procmine generate --cases 1000 -o demo/p2p.xes
	bin/procmine stats demo/p2p.xes
	bin/procmine variants demo/p2p.xes --top 5
	bin/procmine map demo/p2p.xes --view performance --paths 70% -o demo/p2p-map.svg
	@echo "Process map written to demo/p2p-map.svg"

# Every check and test; what CI runs.
test:
	./scripts/test

bench:
	$(GO) test -run '^$$' -bench . -benchtime 10x ./...
