# The two commands of the README: `make build` (the main job, end to end) and `make test`.
# Everything is installed into .venv from PyPI; nothing needs to be installed by hand but python3 and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# DATA=demo (generated synthetic data, default) or DATA=cumcm (the real CUMCM 2020 C files).
DATA ?= demo
ENTERPRISES ?= 1000
SEED ?= 42
CUMCM_DIR ?= ../shared/data/cumcm2020c
# bench: invoice rows to generate and build (see `sme-credit bench --help`).
INVOICES ?= 10000000

export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DBT_INDIRECT_SELECTION := buildable
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: build test install bench docs clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
ifeq ($(DATA),cumcm)
	$(BIN)/sme-credit build --data cumcm $(CUMCM_DIR)
	$(BIN)/sme-credit report --html --serving warehouse/cumcm2020c_serving.duckdb --site-dir reports/risk_report_cumcm2020c
else
	$(BIN)/sme-credit build --data demo --enterprises $(ENTERPRISES) --seed $(SEED)
	$(BIN)/sme-credit report --html
endif

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The risk report's browser test needs Debian's chromium (CI runs as root).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed (not root?): the browser tests will be skipped"

bench: $(STAMP)
	$(BIN)/sme-credit bench --invoices $(INVOICES)

docs: $(STAMP)
	$(BIN)/sme-credit dbt -- docs generate

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/*.wal warehouse/*.tmp data/demo data/cumcm2020c
	rm -rf warehouse/*serving warehouse/.*serving_versions warehouse/*serving_publication_log.jsonl
