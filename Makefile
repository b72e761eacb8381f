# Waymark: `make run` starts the product, `make test` checks it. Both install what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Where emails (stall alerts, review reminders) link to: the port `make run` serves.
SITE_URL ?= http://127.0.0.1:$(PORT)
CHROMIUM ?= /usr/bin/chromium
TEST_ENV := DJANGO_SETTINGS_MODULE=config.settings.test
# pytest processes (pytest-xdist): the suite waits on commits, subprocesses and the browser as much
# as it computes, so CI's 2 cores run two side by side; each test module stays in one process
# (README, `make test`).
TEST_WORKERS ?= 2

.PHONY: install run test lint browser bench

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py install_starter_kit
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py analytics_snapshot --backfill-days 30
	@echo "Waymark: http://127.0.0.1:$(PORT)/  (admin: /admin/, API docs: /api/docs/)"
	@# Honcho gives each process its own PORT (worker PORT+100...): emails link to the web's.
	SITE_URL="$(SITE_URL)" PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --no-prefix -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's Chromium drives the browser tests; Playwright cannot download its own here.
browser:
	@test -x $(CHROMIUM) || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

test: lint browser
	$(TEST_ENV) $(BIN)/python manage.py check --fail-level WARNING
	$(TEST_ENV) DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) CHROMIUM=$(CHROMIUM) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

# Speed and memory targets, each against a baseline measured in the same run (README).
bench: install
	$(TEST_ENV) DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/waymark_bench} \
		$(BIN)/python manage.py bench
