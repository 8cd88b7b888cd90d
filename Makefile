# Kumo: the two contract commands are `make run` and `make test`.
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
DATA_DIR ?= $(HOME)/.kumo
LISTEN ?= 127.0.0.1:8773

.PHONY: all setup build run test unit e2e bench generate fmt vet clean

all: build

setup:
	@scripts/setup.sh

build: setup
	@$(GO) build -o bin/kumo ./cmd/kumo

run: build
	bin/kumo serve --listen $(LISTEN) --data-dir $(DATA_DIR)

test: build unit e2e

unit:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

e2e: build
	scripts/e2e-cli.sh

bench: build
	$(GO) run ./cmd/kumo-bench

generate:
	$(GO) generate ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
