"""Shared test setup: import `micrograd` and `tools` from this checkout, find the built book, and the helpers that
several test modules use (`from conftest import T, assert_close`: pytest puts tests/ on sys.path); the tests are
sorted into folders by what they need: package/ (micrograd alone), book/ (the book's tooling, or the built site),
browser/ (the built site in Chromium).  Test modules
import helpers from here, never from each other.

Importing this module needs nothing but pytest, so that the package's own tests need only what they import (no
Jupyter Book: the Pages workflow runs them on the oldest Python the package supports)."""

import math
import os
import shutil
import sys
from pathlib import Path

import pytest

# This checkout's `micrograd` and `tools` first on the path; its ROOT is tools' (importing `tools` alone needs
# nothing but the standard library).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import ROOT  # noqa: E402

# The front matter that makes a MyST markdown file a chapter Jupyter Book executes.
FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

# Default tolerance of `assert_close`: float64 results that should agree up to a few roundings.
REL = 1e-12
ABS = 1e-12


def T(x):
    """A float64 PyTorch leaf that records its gradient (the twin of `Value(x)`)."""
    import torch  # here, not at the top: the tests that need no PyTorch should not pay for importing it

    return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)


def assert_close(actual, expected, what="", rel=REL, abs_=ABS):
    """`actual` (micrograd's) equals `expected` up to `rel` relative or `abs_` absolute difference, whichever is
    larger; two equal infinities are equal.  `abs_=0` makes the comparison purely relative."""
    assert math.isclose(float(actual), float(expected), rel_tol=rel, abs_tol=abs_), (
        f"{what}: micrograd {actual!r} != expected {expected!r} (rel {rel:g}, abs {abs_:g})"
    )


def build_mini(source: Path, output: Path, **env):
    """Build a small book strictly, as a local build: no repository buttons, no execution cache (unless `env`
    says otherwise)."""
    from tools.site_config import build

    base = {k: v for k, v in os.environ.items() if k not in ("GITHUB_REPOSITORY", "BOOK_EXECUTION_CACHE")}
    return build(source, output, env={**base, **env})


def copy_config(source: Path) -> None:
    """The book's _config.yml into the small book in `source`, with the files it names (the icon)."""
    shutil.copy(ROOT / "_config.yml", source / "_config.yml")
    shutil.copytree(ROOT / "book" / "_static", source / "book" / "_static", dirs_exist_ok=True)


# How pytest-xdist shares the tests between its workers (`pytest -n`): a module's tests stay on one worker, in one
# piece, because they share module-wide fixtures (a browser, a crawl of the site), except in the modules named in
# SPREAD, whose tests each stand alone (the live cells chapter by chapter, axe in shards of the pages): any free
# worker takes the next one.  The slow folders go first, so that the quick tests fill the gaps at the end.
SPREAD = {"test_live.py", "test_devices.py"}
FOLDER_ORDER = ("browser", "book", "package")


def pytest_collection_modifyitems(config, items):
    def folder(item) -> int:
        name = Path(str(item.path)).parent.name
        return FOLDER_ORDER.index(name) if name in FOLDER_ORDER else len(FOLDER_ORDER)

    items.sort(key=folder)


@pytest.hookimpl(optionalhook=True)  # (a hook of pytest-xdist, which the package tests may run without)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return nodeid if Path(module).name in SPREAD else module

    config.option.loadscopereorder = False  # the order of the collection, not the largest module first
    return ByModule(config, log)


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site, for every test that looks at it: tests look at what `make book` built and never build the
    book themselves.  `make test` builds it first when it is missing or stale (tools/site_config.py: fresh), then
    points BOOK_SITE at _build/html; without BOOK_SITE the tests look at _build/html, which must be up to date."""
    if os.environ.get("BOOK_SITE"):
        path = Path(os.environ["BOOK_SITE"]).resolve()
    else:
        from tools import site_config

        path = ROOT / "_build" / "html"
        if not site_config.fresh(ROOT):
            pytest.fail(f"{path} is missing or older than the book: run `make book` (or `make test`) first")
    if not (path / "index.html").is_file():
        pytest.fail(f"no site in {path}: run `make book` (or `make test`, which builds it when needed)")
    return path


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium (or CHROMIUM=...), which Playwright drives; it never downloads a browser of its own."""
    path = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: the browser tests need Debian's chromium package (`make setup` installs "
            "it; or point CHROMIUM at a Chromium or Chrome)"
        )
    return path
