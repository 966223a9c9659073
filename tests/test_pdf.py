"""The whole book as one PDF (tools/book_pdf.py): a single-page build of the site printed by Chromium, in the site
as book.pdf and offered by every page's download menu.  It holds every chapter's title, every formula typeset by
MathJax (no TeX left as text) and every figure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tools.chapters import toc_chapters

ROOT = Path(__file__).resolve().parent.parent
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
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
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
