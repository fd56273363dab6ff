# rentflow — every command README, .ci/run and developers use. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# what the service needs to run (WeasyPrint: pango + harfbuzz-subset, ~7x faster PDF writing)
APT_RUNTIME := python3 python3-venv python3-dev build-essential libjs-jquery \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core libqrencode4
# what the tests need besides: QR decoding from PDFs, PostgreSQL, Redis, a browser (the
# headless build of Debian's chromium: the same engine at under half the CPU of the desktop one)
APT_TEST := poppler-utils zbar-tools libzbar0 postgresql redis-server chromium-headless-shell \
	libjs-jquery

.PHONY: help system system-test venv install install-dev serve demo test test-unit test-browser lint format messages

help:  ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

system:  ## install the Debian packages the service needs
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_RUNTIME)

system-test: system  ## plus the Debian packages the tests need (zbar, poppler, PostgreSQL, Redis, headless chromium)
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_TEST)

venv:
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: system venv  ## install rentflow and its runtime dependencies
	$(BIN)/pip install -q -e .

install-dev: system-test venv  ## install rentflow with the test and lint tools
	$(BIN)/pip install -q -e '.[dev]'

serve: install  ## run web + worker + beat on embedded defaults with the sandbox seeded
	RENTFLOW_SANDBOX=1 $(BIN)/rentflow serve

demo: install  ## run three simulated months on the sandbox CRMs into demo-out/ (no account needed)
	$(BIN)/rentflow demo --out demo-out

# two pytest processes per core and one more: the tests wait on subprocesses, sockets, the
# broker and the fault suite's outages a good part of the time, and the extra one fills the
# time the fault tests' workers wait (2 cores: 4 workers left 24-29 core-s idle, 5 leave 9-13;
# 142-145 s -> 136-140 s); three per core made the browser's and serve's waits time out on a
# busy machine. tests/scheduling.py hands out the slowest work first (tests/durations.json)
# and keeps at most half the workers on the (mostly waiting) fault tests
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))
test: install-dev  ## run linters and the whole test suite (SQLite, plus PostgreSQL/Redis when up)
	$(MAKE) lint
	@# rentflow's modules compiled once (~0.4 s): the suite's ~60 Python processes then load
	@# them instead of each compiling them again where PYTHONDONTWRITEBYTECODE is set
	$(BIN)/python -m compileall -q -j 0 backend crm_mappings documents jobs sandbox tests >/dev/null
	bash scripts/test-services.sh $(BIN)/pytest -n $(TEST_WORKERS) --durations=20

test-unit:  ## unit tests only, no services
	$(BIN)/pytest tests/unit -q

lint:  ## ruff, mypy, import-linter, bandit (0 medium/high findings)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backend crm_mappings documents jobs sandbox
	$(BIN)/lint-imports
	$(BIN)/bandit -ll -q -r backend crm_mappings documents jobs sandbox
# pip-audit (a dev dependency) is not run here: it asks the PyPI/OSV advisory services online,
# and no package registry ships an advisory database it can read offline. Run by hand:
# `$(BIN)/pip-audit` on a machine with internet access.

test-browser:  ## the browser suite only (Playwright driving Debian's headless chromium)
	$(BIN)/pytest tests/browser -q

messages:  ## extract the pages' texts and merge them into the .po catalogues (compiled at start)
	mkdir -p var && $(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --add-location=file -w 100 -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d backend/web/translations --no-fuzzy-matching -w 100

format:  ## reformat the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
