# piaops — the two commands a new developer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
PIAOPS := $(BIN)/piaops
# `make run` is a real installation: DEBUG off unless the developer asks (PIAOPS_DEBUG=1 make run), read before
# the default below. Plain HTTP on the loopback address, so no HTTPS redirect and no Secure-only cookies.
RUN_DEBUG := $(if $(filter environment command line,$(origin PIAOPS_DEBUG)),$(PIAOPS_DEBUG),0)
RUN_ENV := PIAOPS_DEBUG=$(RUN_DEBUG) PIAOPS_SSL_REDIRECT=0 PIAOPS_SECURE_COOKIES=0
export PIAOPS_DEBUG ?= 1
PIAOPS_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/piaops_test

.PHONY: run test lint types migrations-check tests-sqlite tests-postgres bench install dev clean vendor-refresh manual-images

$(BIN)/python:
	scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Runtime install: re-run only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

# The secret key is generated once into var/secret_key and read by every later `piaops` command (settings.py).
run: install
	mkdir -p var
	$(BIN)/python -m piaops.secretkey var/secret_key
	$(RUN_ENV) $(PIAOPS) migrate --no-input
	$(RUN_ENV) $(PIAOPS) demo
	# The background worker (imports confirmed on the web, ZIPs) runs beside the server and stops with it.
	$(RUN_ENV) $(PIAOPS) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(PIAOPS) runserver 127.0.0.1:$(PORT)

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: dev
	$(BIN)/mypy

migrations-check: dev
	mkdir -p var
	$(PIAOPS) makemigrations --check --dry-run

# Development time only (needs npm): re-vendor the DADS design tokens and axe-core at the versions pinned in the script.
vendor-refresh:
	scripts/refresh-vendored-assets.sh

# The 操作マニュアル's screenshots (docs/manual/images/), taken again from the demo data by the browser test that
# checks them in `make test` (there it writes to a temporary folder). Commit the PNGs it writes.
manual-images: dev
	PIAOPS_REQUIRE_BROWSER=1 PIAOPS_MANUAL_IMAGES=docs/manual/images $(BIN)/pytest tests/browser/test_manual_images.py

tests-sqlite: dev
	@echo "======== tests on SQLite ========"
	$(BIN)/pytest

# PostgreSQL: skipped with a note when no server answers, unless PIAOPS_REQUIRE_POSTGRES=1.
tests-postgres: dev
	@echo "======== tests on PostgreSQL ($(PIAOPS_TEST_DATABASE_URL)) ========"
	@if $(BIN)/python -m piaops.dbcheck "$(PIAOPS_TEST_DATABASE_URL)"; then \
		PIAOPS_TEST_DATABASE_URL="$(PIAOPS_TEST_DATABASE_URL)" PIAOPS_TEST_DB=postgres $(BIN)/pytest; \
	elif [ "$$PIAOPS_REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL is required (PIAOPS_REQUIRE_POSTGRES=1) but does not answer at $(PIAOPS_TEST_DATABASE_URL)"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL tests (no server at $(PIAOPS_TEST_DATABASE_URL))"; \
	fi

# The two suites run side by side (one per core; each starts its own servers on free ports under its own temporary
# directories). `--output-sync` keeps each suite's output whole, printed under its header when it ends, with its ten
# slowest tests (pytest's --durations=10); make fails when either suite fails.
test: lint types migrations-check
	@$(MAKE) --no-print-directory -j2 --keep-going --output-sync=target tests-sqlite tests-postgres

# The load test (bench/load: locust, gunicorn, PostgreSQL at PIAOPS_LOAD_DATABASE_URL) exits non-zero on any
# error or lost answer; PIAOPS_LOAD_SECONDS sets how long the users work (default 60). Twice: 55 users of a
# 2,000-person municipality at a self-inspection deadline, then 20 admins of a city (15,000 staff, 400 units,
# 5 年度: issue 17's dashboard and home goals), its prepared database kept for the next run.
bench: dev
	$(BIN)/python -m bench
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.load --people 15000 --database-url postgresql://postgres@127.0.0.1:5432/piaops_load_city

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache

# Offline installation (README "本番運用"): on a connected machine of the server's platform (Linux x86_64,
# Python 3.11), collect piaops and every runtime wheel (gunicorn included) into ./wheelhouse/; on the server:
# pip install --no-index --find-links wheelhouse piaops
.PHONY: wheelhouse
wheelhouse: | $(BIN)/python
	$(BIN)/pip wheel --quiet --wheel-dir wheelhouse .
	@ls wheelhouse | wc -l | xargs echo "wheels in ./wheelhouse:"
