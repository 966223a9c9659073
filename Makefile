# How Neural Networks Learn -- the book and the `micrograd` package it tangles itself into.
#
#   make book       build the book: set up, lint, check that micrograd/ and notebooks/ are what the chapters
#                   say, then the strict build of the site into _build/html and the whole book as one PDF in it
#                   (_build/html/book.pdf).  It runs no tests.
#   make test       the complete gate (CI runs it): `make book` when _build/html is missing or older than what
#                   it is built from (the tests start while its PDF prints), then every test on that site, the
#                   browser tests included (a screenshot of each chapter in _build/screenshots)
#   make check      the quick loop while editing (about a minute): lint, the same drift checks, and the tests
#                   that need neither the built book nor a browser
#   make tangle     write micrograd/ and notebooks/ from the chapters
#   make notebooks  write only notebooks/ (one notebook per chapter, for Colab, Binder and downloads)
#   make html       only the strict build of the site into _build/html
#   make pdf        add the whole book as one PDF to it (_build/html/book.pdf, which `make book` makes too)
#   make serve      preview _build/html on http://127.0.0.1:8000 (works with no network); the chapters' code
#                   cells run there in the browser (live cells: Pyodide, served by the site itself)
#   make clean      remove build output (keeps .venv);  make distclean also removes .venv
#
# Everything a fresh clone needs is set up here: the virtual environment .venv with the pinned
# requirements, Graphviz's `dot` (the Debian package graphviz), which draws the computation graphs,
# Chromium (the Debian package chromium), in which the tests open every page of the site, and node_modules/:
# the browser runtimes of the live cells -- Pyodide (Python in WebAssembly) and viz-js (Graphviz in
# WebAssembly) -- and axe-core, the accessibility checker of the browser test, installed by `npm ci` exactly as
# package-lock.json pins them (Node.js's npm: the Debian packages nodejs and npm).  The build copies the
# runtimes into the site; no page asks a CDN for anything.

SHELL    := /bin/bash
PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
PORT     ?= 8000
# pytest-xdist: one worker per core, sharing the tests as tests/conftest.py says (a module in one piece, unless it
# spreads), in the order it sorts them.
PYTEST_JOBS ?= -n auto
TEST_SITE := BOOK_SITE=$(CURDIR)/_build/html $(PY) -m pytest
PRINT_PDF := $(PY) -m tools.browser pdf --site _build/html
PDF_LOG  := _build/pdf.log
# The browser of the browser tests and the PDF (tools/browser.py); Playwright drives it, and never downloads its own.
CHROMIUM ?= /usr/bin/chromium
NPM      ?= npm
# Written after `npm ci` succeeded; older than package.json or package-lock.json means node_modules is stale.
NODE_STAMP := node_modules/.installed

# The chapters and the tests import `micrograd` from this checkout, not from an installed copy.
export PYTHONPATH := $(CURDIR)
export CHROMIUM

.PHONY: book test site check lint generated tangle notebooks html pdf serve clean distclean setup venv dot chromium node \
        bench live-bench

# Nothing is tangled here: a change to micrograd/ or notebooks/ that the chapters do not make fails.  The build
# comes first; the tests look at what it built (tests/conftest.py's `site`), and never build the book.
book: setup lint generated site
	@echo "The book is in _build/html; open _build/html/index.html or run 'make serve'."

# A stale site is rebuilt first; its PDF is then printed while the tests that do not read it run (printing keeps
# one core busy, the tests both), and the tests marked `pdf` run last.
test: setup lint generated
	@if $(PY) -m tools.site_config fresh; then $(TEST_SITE) $(PYTEST_JOBS); else \
	  $(PY) -m tools.site_config build || exit 1; \
	  echo "Printing the PDF (log: $(PDF_LOG)) while the tests that do not read it run."; \
	  $(PRINT_PDF) >$(PDF_LOG) 2>&1 & printing=$$!; \
	  $(TEST_SITE) $(PYTEST_JOBS) -m "not pdf"; tests=$$?; \
	  wait $$printing; printed=$$?; cat $(PDF_LOG); [ $$printed = 0 ] || exit 1; \
	  $(PY) -m tools.site_config stamp && $(TEST_SITE) -m pdf -p no:xdist && exit $$tests; \
	fi

# The site, then its PDF, then a record of what they were built from (tools/site_config.py: stamp, fresh).
site: setup
	$(PY) -m tools.site_config build
	$(PRINT_PDF)
	$(PY) -m tools.site_config stamp

check: venv lint generated
	$(PY) -m pytest -m "not book" -q $(PYTEST_JOBS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# micrograd/ and notebooks/ are exactly what the chapters give.
generated: venv
	$(PY) -m tools.tangle --check
	$(PY) -m tools.notebooks --check

tangle: venv
	$(PY) -m tools.tangle
	$(PY) -m tools.notebooks

notebooks: venv
	$(PY) -m tools.notebooks

html: venv dot node
	$(PY) -m tools.site_config build

# The whole book as one PDF into the site built before (_build/html/book.pdf; `make book` makes it too): a
# single-page build printed by Chromium (tools/browser.py).
pdf: setup
	@test -f _build/html/index.html || $(MAKE) --no-print-directory html
	$(PRINT_PDF)

# The benchmark suite (benchmarks/README.md): writes benchmarks/results/report.json and chart.png.  Then the
# live cells' start-up in Chromium (benchmarks/live_start.py): first click to first output, cold and warm cache,
# on the site in _build/html (built when missing), written to _build/live-bench.json.
bench: $(STAMP)
	$(PY) -m benchmarks.run
	$(MAKE) --no-print-directory live-bench

live-bench: setup
	@test -f _build/html/index.html || $(MAKE) --no-print-directory html
	$(PY) -m benchmarks.live_start _build/html

serve:
	@test -f _build/html/index.html || { echo "No site yet: run 'make book' or 'make html' first."; exit 1; }
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# venv: what tangling and the quick loop need (never apt-get); setup adds Graphviz's dot, the browser of the
# browser tests and the live cells' runtimes (node_modules/, which building the site needs too).
venv: $(STAMP)
setup: venv dot chromium node
node: $(NODE_STAMP)

# --no-compile: Python compiles a module when it is first imported; most of the 12,000 files never are.
$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile --requirement requirements.txt
	touch $@

# $(call debian-package,TEST,PACKAGE,WHAT): when the shell test TEST fails, install the Debian package PACKAGE
# (as root, or with password-less sudo); stop with a message naming the package when that is not possible.
define debian-package
	@if ! $(1) >/dev/null 2>&1; then \
	  echo "$(3) is missing: installing the Debian package $(2)."; \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
	    sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  fi; \
	  $(1) >/dev/null 2>&1 || { echo "error: $(3) is required. Install the system package '$(2)'" \
	    "(Debian/Ubuntu: apt-get install $(2)) and run make again."; exit 1; }; \
	fi
endef

$(NODE_STAMP): package.json package-lock.json
	$(call debian-package,command -v $(NPM),nodejs npm,Node.js's npm (it installs the live cells' runtimes))
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

dot:
	$(call debian-package,command -v dot,graphviz,Graphviz's 'dot' program (it draws the book's graphs))

# Debian's Chromium: Playwright's own browser download needs a network this machine does not have.
chromium:
	$(call debian-package,test -x $(CHROMIUM),chromium,Chromium ($(CHROMIUM): the browser test opens the site in it))

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .jupyter_cache node_modules
