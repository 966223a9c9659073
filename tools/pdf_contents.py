"""Page numbers on the PDF's contents page (tools/book_pdf.py prints the book; this numbers its contents).

Chromium cannot number a contents page itself: it parses CSS `target-counter()` but prints nothing for it.  So
the page is printed, each contents entry's page is read back from the PDF, and the numbers are written into the
entries for the next print; printing stops once a print shows every entry on the page its number says (the
numbers take the room a placeholder held in the first print, so the pages stay where they were; a second print
is the usual end).

Each entry links to the heading it names (the single-page build links it to an empty marker just before the
chapter, which can fall on the page before the heading), so its page is that of the heading, the one the
heading's bookmark opens, and a click on the entry opens that page too.  Chromium writes a named destination
for every element a link points to; the page of each is in the PDF's /Dests.  The leader and the number are
styled by the print rules of _static/book.css.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# The ids the headings the contents name are given (when they have none): ANCHOR and the entry's number from 1.
ANCHOR = "contents-entry-"
# The contents' links, retargeted to the heading each one names, each given a leader and a placeholder as wide as
# a page number; returns the headings' ids, one for each entry.
PREPARE = r"""(anchor) => {
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')];
  const ids = [];
  document.querySelectorAll('#jb-print-toc a[href^="#"]').forEach((link, n) => {
    const target = document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
    if (!target) return;
    const heading = headings.find(h => h === target || target.contains(h) ||
        (target.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING));
    if (!heading) return;
    if (!heading.id) heading.id = anchor + (n + 1);
    link.setAttribute('href', '#' + heading.id);
    const leader = document.createElement('span');
    leader.className = 'toc-leader';
    leader.setAttribute('aria-hidden', 'true');
    const page = document.createElement('span');
    page.className = 'toc-page';
    page.dataset.heading = heading.id;
    page.textContent = '000';
    link.append(leader, page);
    ids.push(heading.id);
  });
  return ids;
}"""
# Write each entry's page number ({heading id: page}).
FILL = r"""(pages) => document.querySelectorAll('#jb-print-toc .toc-page').forEach(span => {
  span.textContent = String(pages[span.dataset.heading]);
})"""
PASSES = 4


def destination_pages(pdf: Path) -> dict[str, int]:
    """The page (from 1) of each named destination of `pdf`, by name."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        numbers = {page.objgen: number for number, page in enumerate(document.pages, 1)}
        found = {}
        dests = document.Root.get("/Dests")
        if dests is not None:
            for name, destination in dests.items():
                found[name.lstrip("/")] = numbers.get(destination[0].objgen)
        names = document.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for name, destination in pikepdf.NameTree(names.Dests).items():
                if isinstance(destination, pikepdf.Dictionary):
                    destination = destination.D
                found[name] = numbers.get(destination[0].objgen)
        return found


def print_numbered(tab, pdf: Path, print_page: Callable[[Path], None]) -> list[list]:
    """Print `tab` (a Playwright page, in print media) to `pdf` with `print_page` until its contents page numbers
    every entry with the page the entry's heading is on; returns [entry's text, page] for each entry."""
    ids = tab.evaluate(PREPARE, ANCHOR)
    written: dict[str, int] = {}
    for _ in range(PASSES):
        print_page(pdf)
        pages = destination_pages(pdf)
        found = {heading: pages.get(heading) for heading in ids}
        missing = [heading for heading, page in found.items() if page is None]
        if missing:
            raise RuntimeError(f"the PDF has no destination for the contents' entries {missing[:5]}")
        if found == written:
            break
        tab.evaluate(FILL, found)
        written = found
    else:
        raise RuntimeError(f"the contents' page numbers still moved after {PASSES} prints")
    texts = tab.evaluate(
        """() => [...document.querySelectorAll('#jb-print-toc a')].filter(a => a.querySelector('.toc-page'))
                  .map(a => a.firstChild.textContent.replace(/\\s+/g, ' ').trim())"""
    )
    return [[text, written[heading]] for text, heading in zip(texts, ids)]
