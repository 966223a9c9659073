"""Shared test setup: import `micrograd` and `tools` from this checkout, and build the book once.

Nothing here needs more than pytest, so that the package's own tests need only what they import (no Jupyter Book:
the Pages workflow runs them on the oldest Python the package supports)."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The whole book, built once, clean and strict, for every test that looks at the site.

    `make book` sets BOOK_OUTPUT to the repository so that the site lands in _build/html; otherwise it is built
    in a temporary folder.  BOOK_EXECUTION_CACHE and GITHUB_REPOSITORY act as in tools/site_config.py.
    BOOK_SITE=_build/html skips the build and looks at a site built before (to iterate on the site's tests).
    """
    if os.environ.get("BOOK_SITE"):
        return Path(os.environ["BOOK_SITE"]).resolve()
    from tools import site_config   # Jupyter Book's configuration, and the build

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
