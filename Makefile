# How Neural Networks Learn -- the book and the `micrograd` package it tangles itself into.
#
#   make book    set up, tangle, run every test (including a strict build), leave the site in _build/html
#   make test    set up, check that micrograd/ is what the chapters say, run every test   (CI runs this)
#   make tangle  write micrograd/ from the chapters' code cells
#   make html    only the strict build of the site into _build/html
#   make serve   preview _build/html on http://127.0.0.1:8000
#   make clean   remove build output (keeps .venv);  make distclean also removes .venv
#
# Everything a fresh clone needs is set up here: the virtual environment .venv with the pinned
# requirements, and Graphviz's `dot` (the Debian package graphviz), which draws the computation graphs.

SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PORT    ?= 8000

# The chapters and the tests import `micrograd` from this checkout, not from an installed copy.
export PYTHONPATH := $(CURDIR)
# Matplotlib and Jupyter write caches under $HOME; keep the build quiet about it on read-only homes.
export MPLBACKEND := Agg

.PHONY: book test tangle html serve clean distclean setup dot

book: setup tangle
	BOOK_OUTPUT=$(CURDIR) $(PY) -m pytest
	@echo "The book is in _build/html; open _build/html/index.html or run 'make serve'."

test: setup
	$(PY) -m tools.tangle --check
	$(PY) -m pytest

tangle: setup
	$(PY) -m tools.tangle

html: setup
	rm -rf _build
	$(VENV)/bin/jupyter-book build . --all -W -n --keep-going

serve:
	@test -f _build/html/index.html || { echo "No site yet: run 'make book' first."; exit 1; }
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

setup: $(STAMP) dot

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --requirement requirements.txt
	touch $@

dot:
	@if ! command -v dot >/dev/null 2>&1; then \
	  echo "Graphviz's dot is missing: installing the Debian package graphviz."; \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
	    sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  fi; \
	  command -v dot >/dev/null 2>&1 || { echo "error: Graphviz's 'dot' program is required to draw the book's graphs." \
	    "Install the system package 'graphviz' (Debian/Ubuntu: apt-get install graphviz) and run make again."; exit 1; }; \
	fi

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
