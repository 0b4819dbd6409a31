# Stepwise: `make run` starts the dashboard, `make test` runs every test. Both set up what they need.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
STUDENTS ?= 200
# On SIGTERM, open streams get their final event and requests finish within this many seconds
# (the same in the Dockerfile's CMD; streams get 2 s of it, see app/api/run_stream.py).
SHUTDOWN_SECONDS := 3
# How long an idle keep-alive connection stays open (the same in the Dockerfile's CMD). Longer
# than nginx's 60 s for its upstream connections, and than a busy class's pauses: uvicorn's
# 5 s default closed connections just as requests were sent on them (bench/load_class.py).
KEEP_ALIVE_SECONDS := 75
BIN := $(VENV)/bin
# axe-core, the accessibility checker the browser tests load into each page (tests/e2e).
AXE := tests/e2e/node_modules/axe-core/axe.min.js
# Plotly.js and dagre, the pages' browser libraries, served by the app itself
# (app/api/vendor_assets.py); npm writes this file when it has installed them.
VENDOR := vendor/node_modules/.package-lock.json
# Lighthouse, the page-speed audit of `make bench-page` (bench/page_lighthouse.py).
LIGHTHOUSE := bench/lighthouse/node_modules/.package-lock.json
# apt-get needs root; use sudo when not root and sudo exists.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.PHONY: run test test-fast test-js test-containers lint bench bench-page bench-class chromium node npm clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## Start the dashboard on http://$(HOST):$(PORT) (HOST=0.0.0.0 to serve a classroom): one
## uvicorn process with the HTTP limits of app/serve.py.
run: $(VENV)/.runtime $(VENDOR)
	$(BIN)/python -m app.serve --host $(HOST) --port $(PORT) \
		--timeout-graceful-shutdown $(SHUTDOWN_SECONDS) --timeout-keep-alive $(KEEP_ALIVE_SECONDS)

## Run every test: engine, store, API, a real server process, Chromium in the browser, and the
## front end's pure modules under Node. Spread over the cores by pytest-xdist, one test file
## to a worker at a time, so that a file's server processes start once.
test: $(VENV)/.dev chromium $(AXE) test-js
	$(BIN)/pytest -n auto --dist loadfile

## The fast tier, after each change: everything in-process (no server process, Chromium,
## nginx, PostgreSQL or fuzzer), on SQLite, spread over the machine's cores (pytest-xdist).
test-fast: $(VENV)/.dev test-js
	$(BIN)/pytest -m "not slow" -n auto

## The front end's pure modules (static/js/model, lib, …) with Node's own test runner: no
## browser, no build step; the graph's layout runs with the dagre the app serves.
test-js: node $(VENDOR)
	node --test tests/js/

## The image and compose.yaml's topology built and run in Docker (needs root or the docker
## group): starts the engine if none answers, builds stand-ins for the official base images.
test-containers: $(VENV)/.dev chromium $(VENDOR)
	bash .ci/containers

## Lint and type-check the code and the Dockerfiles (the image's and the stand-ins').
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile .ci/stand-ins/*/Dockerfile

## Print the benchmark table (seconds per step and ratios against the sample's own loop).
bench: $(VENV)/.dev
	$(BIN)/python -m bench.table

## Print what a browser transfers to open a run page, its frame times with a long history, and
## Lighthouse's page-speed figures (LIGHTHOUSE_RUNS runs of each, 3 by default).
bench-page: $(VENV)/.dev chromium $(VENDOR) $(LIGHTHOUSE)
	$(BIN)/python -m bench.page_transfer
	$(BIN)/python -m bench.page_frames
	$(BIN)/python -m bench.page_lighthouse

## A class of $(STUDENTS) at once on a server of its own: errors, latencies, steps/s, peak memory.
bench-class: $(VENV)/.dev
	$(BIN)/python -m bench.load_class --students $(STUDENTS)

## Debian's Chromium for the browser tests (Playwright's own browser download is not used),
## with CJK fonts so screenshots of the Chinese page show its text.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; }

node:
	@command -v node >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs; }

npm: node
	@command -v npm >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }

## The browser tests' npm packages (tests/e2e/package.json), at the lock file's versions.
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json | npm
	npm ci --prefix tests/e2e --no-audit --no-fund
	touch $@

## The browser libraries the app serves (vendor/package.json), at the lock file's versions and
## checksums, with Brotli copies of their scripts; only the files the pages load are served.
$(VENDOR): vendor/package.json vendor/package-lock.json $(VENV)/.runtime | npm
	npm ci --prefix vendor --no-audit --no-fund
	$(BIN)/python -m app.api.vendor_assets
	touch $@

## Lighthouse for `make bench-page` (bench/lighthouse/package.json), at the lock file's versions:
## Lighthouse 12.2.3 (13 needs Node 22).
$(LIGHTHOUSE): bench/lighthouse/package.json bench/lighthouse/package-lock.json | npm
	npm ci --prefix bench/lighthouse --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .mypy_cache .ruff_cache tests/e2e/node_modules vendor/node_modules \
		bench/lighthouse/node_modules
