# The two jobs the README promises, plus the benchmarks. Every target installs what it needs,
# so each works on a fresh machine.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-test browser ui test bench lint

# torch first and pinned: 2.13.0 is the local CPU wheel; an unpinned torch pulls a multi-GB CUDA build.
install:
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e .

install-test:
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[test]"

ui: install
	xuncha ui

# Debian's Chromium (never a browser download) for the real-browser tests, CJK fonts for screenshots.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test: install-test browser
	$(PYTHON) -m pytest -q

# By hand (tens of minutes on 2 cores): each script records its figures in bench/results/ and RESULTS.md.
# Run from the repo root as modules (`python -m bench.NAME`): bench is a package, no sys.path edits.
bench: install-test browser
	$(PYTHON) -m bench.bench_parse
	$(PYTHON) -m bench.entities_eval
	$(PYTHON) -m bench.bench_encode
	$(PYTHON) -m bench.eval_search
	$(PYTHON) -m bench.bench_search
	$(PYTHON) -m bench.eval_themes
	$(PYTHON) -m bench.bench_ui

lint:
	$(PYTHON) -m ruff check reports graph embeddings ui tests bench
