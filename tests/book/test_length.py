"""The book's length, measured on the built site as a reader meets it.

The chapters teach; detours live in the appendices.  So chapters 1-18 together hold at most BOOK_WORDS words of
prose and BOOK_CODE_LINES lines of visible code, and no chapter more than CHAPTER_WORDS words of prose.

- Prose: the text of a chapter's article, with code cells, their outputs and code blocks left out, a formula
  counting as one word, and the "#" links of headings dropped.
- Visible code: the non-blank lines of the code cells a page shows (folded solutions and figure code that can be
  unfolded included; cells the build hides are not on the page).
"""

from __future__ import annotations

import re

import pytest

CHAPTER_WORDS = 3_500
BOOK_WORDS = 43_000
BOOK_CODE_LINES = 5_000
WORD = re.compile(r"[A-Za-z0-9][\w'’.,-]*")


def measure(page) -> tuple[int, int]:
    """(prose words, visible code lines) of one built chapter page."""
    from bs4 import BeautifulSoup

    article = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").select_one("article")
    code = sum(1 for cell in article.select("div.cell_input") for line in cell.get_text().splitlines() if line.strip())
    for element in article.select("div.cell, pre, script, style, a.headerlink"):
        element.decompose()
    for formula in article.select(".math"):
        formula.replace_with(" x ")
    return len(WORD.findall(article.get_text(" "))), code


def test_words_count_prose_and_code_lines_count_code(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><article><h1>Title<a class='headerlink' href='#t'>#</a></h1>"
        "<p>Two words and <span class='math'>\\(x^2 + y\\)</span>.</p>"
        "<div class='cell'><div class='cell_input'><pre>a = 1\n\nb = 2\n</pre></div>"
        "<div class='cell_output'><pre>many words of output here</pre></div></div></article></body></html>",
        encoding="utf-8",
    )
    assert measure(page) == (5, 2)  # Title, Two, words, and, the formula; two lines of code


@pytest.mark.book
def test_the_chapters_are_as_long_as_a_reader_reads(site):
    pages = sorted((site / "book").glob("[0-9][0-9]-*.html"))
    chapters = {page.stem: measure(page) for page in pages if not page.name.startswith("00-")}
    assert len(chapters) == 18, sorted(chapters)
    table = "\n".join(f"{name}: {words} words, {code} lines of code" for name, (words, code) in chapters.items())
    long = [name for name, (words, _) in chapters.items() if words > CHAPTER_WORDS]
    assert not long, f"over {CHAPTER_WORDS} words of prose: {long}\n{table}"
    assert sum(words for words, _ in chapters.values()) <= BOOK_WORDS, table
    assert sum(code for _, code in chapters.values()) <= BOOK_CODE_LINES, table
