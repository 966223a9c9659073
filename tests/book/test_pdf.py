"""The whole book as one PDF (tools/browser.py): a single-page build of the site printed by Chromium, in the site
as book.pdf and offered by every page's download menu.  It holds every chapter's title, every formula typeset by
MathJax (no TeX left as text) and every figure; it is tagged, has a bookmark for every chapter, appendix and
section, numbers its pages, prints none of the live cells' controls and cuts no code line at the page's edge."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tools import ROOT
from tools.browser import outline
from tools.chapters import toc_chapters

CHAPTERS = toc_chapters(ROOT)

pytestmark = pytest.mark.book


def _report(site: Path) -> dict:
    path = site.parent / "pdf" / "report.json"
    assert path.is_file(), f"{path} is missing: the PDF was not printed"
    return json.loads(path.read_text(encoding="utf-8"))


def _title(page: Path) -> str:
    h1 = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("article h1")
    return h1.get_text(" ", strip=True).rstrip("#").strip()


def _normal(text: str) -> str:
    return re.sub(r"^[0-9.]+\s*", "", re.sub(r"\s+", " ", text)).strip()


def test_the_site_offers_the_book_as_one_pdf(site):
    pdf = site / "book.pdf"
    assert pdf.is_file()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    from pypdf import PdfReader

    pages = len(PdfReader(pdf).pages)
    assert pages > 10 * len(CHAPTERS) // 2, f"only {pages} pages"
    for chapter in CHAPTERS:
        page = site / chapter.relative_to(ROOT).with_suffix(".html")
        links = [a.get("href", "") for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("a")]
        assert "../book.pdf" in links, f"{page.name}: the download menu does not offer book.pdf"


def test_every_chapter_title_is_in_the_pdf(site):
    titles = {_normal(t) for t in _report(site)["titles"]}
    for chapter in CHAPTERS[1:]:
        title = _normal(_title(site / chapter.relative_to(ROOT).with_suffix(".html")))
        assert title in titles, f"{chapter.stem}: {title!r} is not in the PDF"


def test_no_tex_is_left_untypeset_and_every_figure_is_printed(site):
    report = _report(site)
    assert report["math"] > 100 and not report["untypeset"], report["untypeset"][:10]
    figures = sum(
        len(BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").select("article img"))
        for p in (site / c.relative_to(ROOT).with_suffix(".html") for c in CHAPTERS)
    )
    assert report["images"] >= figures and not report["broken"], (report["images"], figures, report["broken"])


@pytest.fixture(scope="module")
def pdf_pages(site) -> list[str]:
    """The text of each page of book.pdf."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(site / "book.pdf").pages]


def test_every_chapter_and_section_has_a_bookmark(site):
    from pypdf import PdfReader

    root = PdfReader(site / "book.pdf").root_object
    assert root.get("/MarkInfo", {}).get("/Marked") and "/StructTreeRoot" in root, "book.pdf is not tagged"
    bookmarks = outline(site / "book.pdf")
    titles = [_normal(title) for _, title, _ in bookmarks]
    found = []
    for chapter in CHAPTERS:
        page = BeautifulSoup((site / chapter.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8"),
                             "html.parser")  # fmt: skip
        title = _normal(_title(site / chapter.relative_to(ROOT).with_suffix(".html")))
        assert title in titles, f"{chapter.stem}: no bookmark for the chapter {title!r}"
        found.append(titles.index(title))
        for h2 in page.select("article section > h2"):
            section = _normal(h2.get_text(" ", strip=True).rstrip("#"))
            assert section in titles, f"{chapter.stem}: no bookmark for the section {section!r}"
    assert found == sorted(found), "the chapters' bookmarks are not in the book's order"
    pages = [page for _, _, page in bookmarks]
    assert pages == sorted(pages), "the bookmarks' pages do not follow the book's order"


def test_every_page_is_numbered(pdf_pages):
    total = len(pdf_pages)
    for number, text in enumerate(pdf_pages, 1):
        assert text.rstrip().endswith(f"{number} / {total}"), f"page {number} has no page number in its footer"


def test_the_pdf_prints_no_live_controls_and_cuts_no_code(site, pdf_pages):
    controls = ("\u25b6 Run", "\u21ba Reset", "\u25a0 Stop", "code cells on this page", "Skipped here:")
    for number, text in enumerate(pdf_pages, 1):
        printed = [control for control in controls if control in text]
        assert not printed, f"page {number} prints the live cells' {printed}"
    assert not _report(site)["overflowing"], f"code lines wider than the page: {_report(site)['overflowing']}"
