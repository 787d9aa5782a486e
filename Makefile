# Ember — the two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# System packages the build, the tests and the peer comparisons need (Debian names).
APT_PACKAGES := pkg-config libsqlite3-dev libcurl4-openssl-dev zlib1g-dev sqlite3 curl openssl python3 python3-pip \
	prometheus prometheus-alertmanager prometheus-node-exporter victoria-metrics chromium
# Python packages the tests use (real OpenMetrics producers, SMTP server, HTTP client for the API comparison).
PIP_PACKAGES := prometheus_client aiosmtpd requests
SWIFT ?= swift
LISTEN ?= 127.0.0.1:9090
DATA ?= data

.PHONY: help deps test-deps build release run test test-swift bench clean

help:
	@echo "make run    install missing system packages, build, start ember server on $(LISTEN) (data in ./$(DATA))"
	@echo "make test   install missing system packages, build and run the whole test suite"
	@echo "make bench  run the package-benchmark suites in Benchmarks/"

# Installs what is missing with apt-get when run as root; otherwise says what to install.
deps:
	@command -v $(SWIFT) >/dev/null || { echo "error: Swift 6.1 or later is required (https://www.swift.org/install/linux/)"; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing:$$missing"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
		else \
			echo "Missing system packages:$$missing"; \
			echo "Install them with: sudo apt-get install -y$$missing"; exit 1; \
		fi; \
	fi

test-deps: deps
	@for p in $(PIP_PACKAGES); do python3 -c "import $$p" 2>/dev/null || python3 -m pip install --quiet $$p || \
		{ echo "Install the Python package $$p (python3 -m pip install $$p)"; exit 1; }; done

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	.build/release/ember server --web.listen-address $(LISTEN) --storage.tsdb.path $(DATA)

# Build once (with tests), then run each test target in its own process (see scripts/test.sh).
test: test-deps
	$(SWIFT) build --build-tests
	SWIFT=$(SWIFT) scripts/test.sh

bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

clean:
	rm -rf .build
