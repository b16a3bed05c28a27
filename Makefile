# Newcomer path: `make run` (app with demo data on SQLite) and `make test` (the whole suite).
# Each target does its own set-up. Variables can be overridden: `make run PORT=8001`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
export FLASK_APP := wsgi

# The stamp is rebuilt when the dependencies change.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

.PHONY: install
install: $(BIN)/.installed

.PHONY: catalogues
catalogues: install  ## compile translations/*/LC_MESSAGES/messages.po into .mo
	@PYTHONWARNINGS="ignore:SECRET_KEY is not set" $(BIN)/flask translate compile

.PHONY: extract
extract: install  ## refresh translations/messages.pot from the code and templates
	$(BIN)/flask translate extract
	$(BIN)/flask translate update

.PHONY: db
db: install  ## migrate the database, then load reference and demo data (idempotent)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed --demo

.PHONY: run
run: catalogues db  ## serve the app with demo data at http://$(HOST):$(PORT)/
	@echo
	@echo "  PCN is starting at http://$(HOST):$(PORT)/"
	@echo "  Sign in with one of the demo accounts listed above."
	@echo
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile - wsgi:app

AXE_VERSION := 4.14.1

.PHONY: browser
browser:  ## the browsers the real-browser tests drive (Debian's Chromium and its headless shell), and axe-core
	@{ command -v chromium && command -v chromium-headless-shell; } >/dev/null 2>&1 || { \
		echo "Installing Chromium and its headless shell for the browser tests (apt-get)…"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-headless-shell >/dev/null; }
	@grep -qs '"version": "$(AXE_VERSION)"' node_modules/axe-core/package.json || { \
		echo "Installing axe-core $(AXE_VERSION) for the accessibility tests (npm)…"; \
		npm install --no-save --no-package-lock --no-audit --no-fund --silent axe-core@$(AXE_VERSION); }

.PHONY: nginx
nginx:  ## nginx, which tests/test_deploy.py runs in front of gunicorn with docs/deploy/nginx.conf
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
		echo "Installing nginx for the deployment test (apt-get)…"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null; }

# Tests run on TEST_WORKERS processes (pytest-xdist), handed out one at a time: the
# browser tests spend most of their time waiting for timers and servers, not computing.
TEST_WORKERS ?= 3

.PHONY: test
test: catalogues browser nginx  ## the whole suite (TEST_DATABASE_URL=postgresql://… to run it on PostgreSQL)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

# Benchmarks (docs/PERFORMANCE.md). Locust comes from the `bench` extra, installed on first use.
$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

.PHONY: load
load: catalogues $(BIN)/.bench-installed  ## 100 tablets syncing for 60 s against gunicorn on PostgreSQL (LOAD_ARGS=--sweep)
	$(BIN)/python bench/load.py $(LOAD_ARGS)

.PHONY: lighthouse
lighthouse: catalogues browser  ## Lighthouse 12, mobile, on the sign-in page, the record form and the dashboard
	bench/lighthouse.sh

.PHONY: screenshots
screenshots: catalogues browser  ## the record form in each kind, phone and tablet, into docs/screenshots/ (PNG)
	$(BIN)/python scripts/form_screenshots.py

.PHONY: clean
clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache
	find translations -name '*.mo' -delete
