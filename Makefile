# The two jobs the README promises (ui, test), the real-browser tests, and the benchmarks. Every
# target installs what it needs from PyPI, so each works on a fresh machine as any user; only
# `browser` / `test-browser` need more (Debian's chromium + CJK fonts through apt-get, as root).
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# Extra pytest arguments, e.g. make test PYTEST_ARGS='-m "not browser"'
PYTEST_ARGS ?=

.PHONY: install install-test browser ui test test-browser bench lint docs

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
# Needs root and apt-get; waits for a held dpkg lock instead of failing on it.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      -o DPkg::Lock::Timeout=600 chromium fonts-noto-cjk >/dev/null; }

# Everything but a browser: PyPI packages only, any user. The browser tests skip themselves without
# Chromium and say so in the summary (pytest -ra): run `make test-browser` for them.
test: install-test
	$(PYTHON) -m pytest -q $(PYTEST_ARGS)

# The real-browser tests only, with Chromium installed first; here a missing browser fails instead of skipping.
test-browser: install-test browser
	XUNCHA_REQUIRE_BROWSER=1 $(PYTHON) -m pytest -q -m browser tests/test_browser.py

# By hand (tens of minutes on 2 cores): each script records its figures in bench/results/ and RESULTS.md.
# Run from the repo root as modules (`python -m bench.NAME`): bench is a package, no sys.path edits.
bench: install-test browser
	$(PYTHON) -m bench.bench_parse
	$(PYTHON) -m bench.entities_eval
	$(PYTHON) -m bench.bench_encode
	$(PYTHON) -m bench.fit_calibration
	$(PYTHON) -m bench.eval_shipped
	$(PYTHON) -m bench.eval_search
	$(PYTHON) -m bench.bench_search
	$(PYTHON) -m bench.eval_themes
	$(PYTHON) -m bench.concreteness_eval
	$(PYTHON) -m bench.eval_types
	$(PYTHON) -m bench.outside_labels
	$(PYTHON) -m bench.recurring_eval
	$(PYTHON) -m bench.bench_ui

lint:
	$(PYTHON) -m ruff check reports graph embeddings ui tests bench

# docs/cli.md from the real --help texts and ui/cli/contract.py (tests/test_cli_docs.py checks it is current).
docs:
	$(PYTHON) -m ui.cli.reference docs/cli.md
