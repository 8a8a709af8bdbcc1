# The two jobs the README promises, plus the benchmarks. Every target installs what it needs,
# so each works on a fresh machine.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-test ui test bench lint

# torch first and pinned: 2.13.0 is the local CPU wheel; an unpinned torch pulls a multi-GB CUDA build.
install:
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e .

install-test:
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[test]"

ui: install
	xuncha ui

test: install-test
	$(PYTHON) -m pytest -q

bench: install-test
	$(PYTHON) bench/run_all.py

lint:
	$(PYTHON) -m ruff check reports graph embeddings ui tests bench
