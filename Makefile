# `make run`: install, create the database, load the demo, start the server.
# `make test`: install what the tests need, lint, run every test (browser tests included).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Debian packages the product and its tests use: Chromium for browser tests, Pango for PDFs.
APT_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# Compiled bytecode is kept, under the venv (not in the tree), even where the machine's
# environment sets PYTHONDONTWRITEBYTECODE: every server, worker and command a test starts would
# otherwise compile the project's 200 modules again (0.6 s of CPU each).
export PYTHONDONTWRITEBYTECODE :=
export PYTHONPYCACHEPREFIX := $(abspath $(VENV))/pycache

.PHONY: run test test-fast screenshots install install-dev system-packages catalogs messages \
        lint clean test-postgres bench-live bench-board bench-certificates e2e-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the project's metadata changes; the stamp keeps a second run fast.
$(VENV)/.installed: pyproject.toml hatch_build.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml hatch_build.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed catalogs
install-dev: $(VENV)/.installed-dev catalogs

# Compile the translation catalogs (.po -> .mo); the .mo files are never committed.
catalogs: | $(BIN)/python
	@$(BIN)/pybabel -q compile --directory competition/translations --domain messages

# For developers: collect the translatable strings and merge them into the catalogs.
messages: | $(BIN)/python
	$(BIN)/python -m competition.i18n_tool update

# Installs missing Debian packages when run as root; otherwise says what to install.
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing — install them with: sudo apt-get install$$missing"; \
	  fi; \
	fi

run: install
	@$(BIN)/competition db upgrade
	@$(BIN)/competition demo --if-empty
	@echo "To see boards move, let demo judges enter marks (in another terminal): $(BIN)/competition simulate --url http://$(HOST):$(PORT)"
	@$(BIN)/competition run --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .

# axe-core for the accessibility tests, from tests/e2e/package-lock.json. Without npm those tests
# skip (and fail with CI=true): install Node.js with npm.
e2e-packages:
	@if command -v npm >/dev/null; then \
	  cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error; \
	else \
	  echo "npm not found: the accessibility tests need it (install Node.js with npm)"; \
	fi

# Two test processes per core (pytest-xdist): the tests spend much of their time waiting on the
# servers and browsers they start. TEST_PROCESSES=1 for a serial run.
TEST_PROCESSES ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$((2 * n)))

# Every test once: those that run the app in the test process on PostgreSQL when its server
# answers (always with CI=true), the live servers, browsers and the tests about SQLite on SQLite
# (tests/conftest.py). Without a PostgreSQL server, all on SQLite, and the tests written for
# PostgreSQL or Redis skip, saying what they need (with CI=true they fail instead).
test: install-dev system-packages e2e-packages
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@$(MAKE) --no-print-directory test-js
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist worksteal --durations=25

# For the edit loop: ruff and the tests not marked slow, on SQLite only.
test-fast: install-dev
	$(BIN)/ruff check .
	COMPETITION_TEST_DATABASE=sqlite $(BIN)/python -m pytest -n $(TEST_PROCESSES) -m "not slow"

# The tablet's sync protocol and state under Node's own test runner (tests/js/*.test.mjs: node:test,
# no npm packages, no browser). Node.js 20.19, 22.7 or later: older ones do not load static/js's
# ES modules (there is no package.json saying "type": "module"). Without such a Node the tests
# are skipped with a message; with CI=true they fail.
.PHONY: test-js
test-js:
	@if ! command -v node >/dev/null; then \
	  echo "node not found: the JavaScript tests (tests/js) need Node.js 20.19, 22.7 or later"; \
	  [ "$$CI" != true ] || exit 1; \
	elif ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 7) || (a === 20 && b >= 19) ? 0 : 1)'; then \
	  echo "Node.js $$(node --version) is too old for the JavaScript tests (tests/js): they need 20.19, 22.7 or later"; \
	  [ "$$CI" != true ] || exit 1; \
	else \
	  echo "node --test tests/js/*.test.mjs"; node --test tests/js/*.test.mjs; \
	fi

# The PostgreSQL pass with the live-server and slow tests too (not part of `test`: its time).
test-postgres: install-dev system-packages
	COMPETITION_TEST_DATABASE=postgres-full $(BIN)/python -m pytest -n $(TEST_PROCESSES)

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
	find competition/translations -name '*.mo' -delete

# Regenerate the README's screenshots (docs/screenshots/) from the browser tests.
screenshots: install-dev system-packages e2e-packages
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -q

# The live path's benchmark (bench/bench_live.py): needs Node.js and npm (apt-get install nodejs
# npm); the load generator's packages come from bench/live/package-lock.json. Not part of `test`.
# BENCH_ARGS=--quick for a smoke run.
bench-live: install-dev
	@command -v npm >/dev/null || { echo "bench-live needs Node.js and npm: sudo apt-get install nodejs npm"; exit 1; }
	cd bench/live && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/bench_live.py $(BENCH_ARGS)

# The public standings endpoint (GET /board/<ref>/snapshot.json) under 50 HTTP clients, beside a
# static file and a bare Flask "hello" on gevent (bench/bench_board_http.py). Needs wrk: installed
# here when run as root. Not part of `test`. BENCH_ARGS="--duration 5" for a shorter run.
bench-board: install
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian package: wrk"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "bench-board needs wrk: sudo apt-get install wrk"; exit 1; \
	  fi; }
	$(BIN)/python bench/bench_board_http.py $(BENCH_ARGS)

# Certificates for 1,500 competitors through `competition certificates`, beside a bare WeasyPrint
# render of the same template (bench/bench_certificates.py). Not part of `test`.
bench-certificates: install-dev system-packages
	$(BIN)/python bench/bench_certificates.py $(BENCH_ARGS)
