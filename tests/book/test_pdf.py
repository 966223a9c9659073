"""The whole book as one PDF (tools/browser.py): a single-page build of the site printed by Chromium, in the site
as book.pdf and offered by every page's download menu.  It holds every chapter's title, every formula typeset by
MathJax (no TeX left as text) and every figure; it is tagged, has a bookmark for every chapter, appendix and
section, numbers its pages, gives each entry of its contents page the page its bookmark opens, prints none of the
live cells' controls and cuts no code line at the page's edge."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tools import ROOT
from tools.browser import ANCHOR, destination_pages, outline, print_numbered
from tools.chapters import toc_chapters

CHAPTERS = toc_chapters(ROOT)

pytestmark = [pytest.mark.book, pytest.mark.pdf]


def _report(site: Path) -> dict:
    path = site.parent / "pdf" / "report.json"
    assert path.is_file(), f"{path} is missing: the PDF was not printed"
    return json.loads(path.read_text(encoding="utf-8"))


def _title(page: Path) -> str:
    h1 = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").select_one("article h1")
    return h1.get_text(" ", strip=True).rstrip("#").strip()


def _normal(text: str) -> str:
    return re.sub(r"^[0-9.]+\s*", "", re.sub(r"\s+", " ", text)).strip()


def test_the_site_offers_the_book_as_one_pdf(site):
    pdf = site / "book.pdf"
    assert pdf.is_file()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    import pikepdf

    with pikepdf.open(pdf) as document:
        pages = len(document.pages)
    assert pages > 10 * len(CHAPTERS) // 2, f"only {pages} pages"
    for chapter in CHAPTERS:
        page = site / chapter.relative_to(ROOT).with_suffix(".html")
        links = [a.get("href", "") for a in BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").select("a")]
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
        len(BeautifulSoup(p.read_text(encoding="utf-8"), "lxml").select("article img"))
        for p in (site / c.relative_to(ROOT).with_suffix(".html") for c in CHAPTERS)
    )
    assert report["images"] >= figures and not report["broken"], (report["images"], figures, report["broken"])


def page_texts(pdf: Path, first: int = 0, last: int | None = None) -> list[str]:
    """The text of pages first..last-1 of `pdf` (PDFium's reading, lines ending in "\\n")."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            re.sub(r"\r\n?", "\n", document[index].get_textpage().get_text_range())
            for index in range(first, len(document) if last is None else min(last, len(document)))
        ]
    finally:
        document.close()


@pytest.fixture(scope="module")
def pdf_pages(site) -> list[str]:
    """The text of each page of book.pdf."""
    return page_texts(site / "book.pdf")


def test_every_chapter_and_section_has_a_bookmark(site):
    import pikepdf

    with pikepdf.open(site / "book.pdf") as document:
        root = document.Root
        assert root.get("/MarkInfo", {}).get("/Marked") and "/StructTreeRoot" in root, "book.pdf is not tagged"
    bookmarks = outline(site / "book.pdf")
    titles = [_normal(title) for _, title, _ in bookmarks]
    found = []
    for chapter in CHAPTERS:
        page = BeautifulSoup((site / chapter.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8"),
                             "lxml")  # fmt: skip
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
    controls = ("\u25b6 Run", "\u21ba Reset", "\u25a0 Stop", "in your browser: edit", "Skipped here:")
    for number, text in enumerate(pdf_pages, 1):
        printed = [control for control in controls if control in text]
        assert not printed, f"page {number} prints the live cells' {printed}"
    assert not _report(site)["overflowing"], f"code lines wider than the page: {_report(site)['overflowing']}"


def _contents(pages: list[str], first_chapter: int) -> dict[str, int]:
    """The entries of the contents page (the pages before the first chapter): {title: page number}, each line that
    ends with a number."""
    entries = {}
    text = unicodedata.normalize("NFKC", "\n".join(pages[: first_chapter - 1]))
    # A number far from its title (a long leader) may be read as a line of its own: it belongs to the line above.
    for line in re.sub(r"\n[ \t]*(\d+)[ \t]*(?=\n|$)", r" \1", text).splitlines():
        match = re.fullmatch(r"(.*?\S)[\s.]+(\d+)", line.strip())
        if match and "/" not in match[1]:  # not the footer's "1 / 528"
            entries[_normal(match[1])] = int(match[2])
    return entries


def _chapters(site: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Each chapter's and appendix's title: the page its bookmark opens, and the number the contents page gives it
    (the contents page: the pages before the first chapter)."""
    bookmarks: dict[str, int] = {}
    for _, title, page in outline(site / "book.pdf"):
        bookmarks.setdefault(_normal(title), page)  # the chapter's own, not a section's of the same name
    titles = [_normal(_title(site / chapter.relative_to(ROOT).with_suffix(".html"))) for chapter in CHAPTERS[1:]]
    first = min(bookmarks[title] for title in titles if title in bookmarks)
    contents = _contents(page_texts(site / "book.pdf", 0, first - 1), first)
    return {t: bookmarks.get(t) for t in titles}, {t: contents[t] for t in titles if t in contents}


def test_the_contents_page_gives_each_chapter_the_page_of_its_bookmark(site):
    bookmarks, contents = _chapters(site)
    wrong = []
    for title, page in bookmarks.items():
        if title not in contents:
            wrong.append(f"{title!r} has no page number on the contents page")
        elif contents[title] != page:
            wrong.append(f"{title!r}: the contents page says {contents[title]}, its bookmark opens {page}")
    assert not wrong, "\n".join(wrong) + f"\n(the contents page read: {contents})"


def test_the_contents_page_links_open_the_pages_it_names(site):
    """A click on an entry opens the page its number names."""
    import pikepdf

    bookmarks, contents = _chapters(site)
    first = min(page for page in bookmarks.values() if page)
    pages = destination_pages(site / "book.pdf")
    with pikepdf.open(site / "book.pdf") as document:
        # The entries' links, which open the headings tools/browser.py named (the introduction after the
        # contents links to chapters as well); one name per entry, though Chromium writes an annotation for each
        # box of a link (its title, its number).
        links = {str(a.Dest).lstrip("/") for page in document.pages[: first - 1] for a in page.get("/Annots", [])
                 if a.get("/Subtype") == "/Link" and str(a.get("/Dest", "")).startswith("/" + ANCHOR)}  # fmt: skip
    assert contents and sorted(pages.get(link) for link in links) == sorted(contents.values()), (links, contents)


CONTENTS_PAGE = """<!DOCTYPE html><html><head><style>
  #jb-print-toc a.nav-link { display: flex; } #jb-print-toc .toc-leader { flex: 1; }
  section { break-before: page; } .tall { height: 1500px; }
</style></head><body>
<div id="jb-print-toc"><ul>
  <li><a class="nav-link" href="#document-one">One</a></li>
  <li><a class="nav-link" href="#document-two">Two</a></li>
  <li><a class="nav-link" href="#document-three">Three</a></li>
</ul></div>
<span id="document-one"></span><section><h2>One</h2><div class="tall"></div><div class="tall"></div></section>
<span id="document-two"></span><section><h2>Two</h2></section>
<div class="tall"></div><span id="document-three"></span><section><h2>Three</h2></section>
</body></html>"""


def test_the_contents_numbers_are_the_pages_of_the_headings(chromium, tmp_path):
    """On a small page (without the book): each entry gets the page its heading is printed on, even where the
    entry's link pointed at a marker left at the foot of the page before."""
    from playwright.sync_api import sync_playwright

    from tools.browser import launch

    page = tmp_path / "contents.html"
    page.write_text(CONTENTS_PAGE, encoding="utf-8")
    pdf = tmp_path / "contents.pdf"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            tab = browser.new_page()
            tab.goto(page.as_uri())
            tab.emulate_media(media="print")
            entries = print_numbered(tab, pdf, lambda path: tab.pdf(path=str(path), format="A4"))
        finally:
            browser.close()
    texts = page_texts(pdf)
    where = {name: next(n for n, text in enumerate(texts[1:], 2) if re.search(rf"^{name}$", text, re.M))
             for name in ("One", "Two", "Three")}  # fmt: skip
    assert entries == [[name, where[name]] for name in ("One", "Two", "Three")], (entries, where)
    assert where["Three"] > where["Two"] + 1, "the test page does not put a page between Two and Three"
    assert _contents(texts, 2) == {name: where[name] for name in ("One", "Two", "Three")}, texts[0]
