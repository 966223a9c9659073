"""Shared test setup: import `micrograd` and `tools` from this checkout, build the book once, and the helpers that
several test modules use (`from conftest import T, assert_close`: pytest puts tests/ on sys.path).  Test modules
import helpers from here, never from each other."""
import math
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools import site_config  # noqa: E402  (needs the path above)

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
        f"{what}: micrograd {actual!r} != expected {expected!r} (rel {rel:g}, abs {abs_:g})")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The whole book, built once, clean and strict, for every test that looks at the site.

    `make book` sets BOOK_OUTPUT to the repository so that the site lands in _build/html; otherwise it is built
    in a temporary folder.  BOOK_EXECUTION_CACHE and GITHUB_REPOSITORY act as in tools/site_config.py.
    BOOK_SITE=_build/html skips the build and looks at a site built before (to iterate on the site's tests).
    """
    if os.environ.get("BOOK_SITE"):
        return Path(os.environ["BOOK_SITE"]).resolve()
    output = Path(os.environ.get("BOOK_OUTPUT") or tmp_path_factory.mktemp("book"))
    result = site_config.build(ROOT, output)
    assert result.returncode == 0, f"strict build failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return output / "_build" / "html"


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium (or CHROMIUM=...), which Playwright drives; it never downloads a browser of its own."""
    path = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if not path.is_file():
        pytest.fail(f"{path} is missing: the browser tests need Debian's chromium package (`make setup` installs "
                    "it; or point CHROMIUM at a Chromium or Chrome)")
    return path
