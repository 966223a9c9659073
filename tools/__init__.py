"""The book's tooling; README.md's "How the code flows" says what each module does."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: _toc.yml, book/, micrograd/, notebooks/
