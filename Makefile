# Two commands for a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
HOST   ?= 127.0.0.1
PORT   ?= 7860
# What is installed depends on these two files: a change to either reinstalls.
HASH   := $(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
RUN_EXTRAS  := web
TEST_EXTRAS := web,test,cluster
RUN_STAMP   := $(VENV)/.installed-run-$(HASH)
TEST_STAMP  := $(VENV)/.installed-test-$(HASH)

.PHONY: run test lint setup browser bench clean

$(PY):
	@echo "==> creating the virtual environment in $(VENV)/"
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# $(call install,EXTRAS,KIND): torch first, then the package with EXTRAS, both under
# constraints.txt; then a stamp so the next make skips this until the files change.
define install
	@echo "==> installing torch (the CPU build pinned in constraints.txt; the largest part, may take minutes)"
	$(PIP) install -c constraints.txt torch
	@echo "==> installing qa-news[$(1)] and its dependencies (may take minutes on a fresh machine)"
	$(PIP) install -c constraints.txt -e '.[$(1)]'
	@rm -f $(VENV)/.installed-$(2)-* && touch $(VENV)/.installed-$(2)-$(HASH)
	@echo "==> installed into $(VENV)/"
endef

$(RUN_STAMP): pyproject.toml constraints.txt | $(PY)
	$(call install,$(RUN_EXTRAS),run)

$(TEST_STAMP): pyproject.toml constraints.txt | $(PY)
	$(call install,$(TEST_EXTRAS),test)

setup: $(RUN_STAMP)

# Headless Chromium and its driver from Debian, for the browser tests.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "==> installing Debian's chromium and chromium-driver (browser tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

## Set up, index corpus/ (incrementally) and serve the chat on http://$(HOST):$(PORT)
run: $(RUN_STAMP)
	@echo "==> indexing corpus/ (only new or changed articles)"
	$(VENV)/bin/qa index corpus
	@echo "==> serving the chat on http://$(HOST):$(PORT) (Ctrl-C stops)"
	$(PY) app.py --host $(HOST) --port $(PORT)

## Set up and run every test
test: $(TEST_STAMP) browser
	@echo "==> running the tests"
	$(PY) -m pytest

## Lint with ruff (configured in pyproject.toml)
lint: $(TEST_STAMP)
	@echo "==> ruff check ."
	$(VENV)/bin/ruff check .

bench: $(TEST_STAMP)
	@echo "==> installing the bench extra"
	$(PIP) install -q -c constraints.txt -e '.[bench]'
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) index
