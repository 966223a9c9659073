"""Chromium and a local server, for the tools, the benchmarks and the tests; the book printed to PDF.

    python -m tools.browser pdf [--site _build/html]   the book as one PDF (`make pdf`; `make book` makes it)

The PDF is the single-page build printed once MathJax has typeset it and every image has loaded: tagged, with an
outline from the headings, page numbers, and a contents page that gives each entry its page.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from tools import ROOT, site_config
from tools.chapters import toc_chapters

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
PDF_NAME = "book.pdf"
READY = r"""async () => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; });
  for (let i = 0; i < 400 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;
  await Promise.all([...document.images].map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const math = [...document.querySelectorAll('.math')];
  return {
    titles: [...document.querySelectorAll('section > h2')].map(h =>
        h.textContent.replace(/#$/, '').replace(/^[0-9.]+\s*/, '').trim()),
    math: math.length,
    untypeset: math.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60)),
    images: document.images.length,
    broken: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
  };
}"""
# The headings the outline is made of, as the printed page shows them.
HEADINGS = r"""() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')]
  .filter(h => h.getClientRects().length)
  .map(h => [...h.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink')))
                             .map(n => n.textContent).join('').replace(/\s+/g, ' ').trim())"""
# The longest line of each code box wider than the printed column.
OVERFLOWING = r"""() => [...document.querySelectorAll('pre')]
  .filter(p => p.getClientRects().length && p.scrollWidth > p.clientWidth + 1)
  .map(p => p.textContent.split('\n').reduce((a, l) => l.length > a.length ? l : a, ''))"""
MARGIN = {"top": "15mm", "bottom": "18mm", "left": "12mm", "right": "12mm"}
COLUMN = round((210 - 12 - 12) / 25.4 * 96)  # the printed column (A4 less the margins) in CSS pixels
FOOTER = (
    '<div style="width: 100%; font-size: 8pt; text-align: center; color: #555;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def build_single_page(output: Path, env: dict) -> Path:
    """The singlehtml build of the book into output/_build/singlehtml; returns the page to print."""
    result = site_config.jupyter_book(ROOT, output, env, "singlehtml")
    if result.returncode != 0:
        raise RuntimeError(f"the single-page build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    # The page is named after the first chapter; its links are relative to the build's top folder.
    folder = output / "_build" / "singlehtml"
    shutil.copyfile(folder / toc_chapters(ROOT)[0].relative_to(ROOT).with_suffix(".html"), folder / "book-print.html")
    return folder / "book-print.html"


def print_pdf(page: Path, pdf: Path) -> dict:
    """Print the single page to `pdf` once it is ready; return what it held (titles, formulas, images, code wider
    than the paper, contents entries, bookmarks, pages)."""
    from playwright.sync_api import sync_playwright

    pdf.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            tab = browser.new_page()
            tab.set_default_timeout(300_000)
            tab.goto(page.resolve().as_uri(), wait_until="load")
            report = tab.evaluate(READY)
            tab.emulate_media(media="print")

            def print_page(path: Path) -> None:
                tab.pdf(path=str(path), format="A4", print_background=True, outline=True, tagged=True,
                        display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                        margin=MARGIN)  # fmt: skip

            report["contents"] = print_numbered(tab, pdf, print_page)
            tab.set_viewport_size({"width": COLUMN, "height": 1000})
            headings = tab.evaluate(HEADINGS)
            report["overflowing"] = tab.evaluate(OVERFLOWING)
        finally:
            browser.close()
    report["bookmarks"], report["pages"] = finish(pdf, headings)
    report["bytes"] = pdf.stat().st_size
    return report


# Page numbers on the contents page (Chromium ignores CSS `target-counter()`): print, read each entry's page from
# the PDF's named destinations, write the numbers in, and print again until none moves.  Headings without an id
# get ANCHOR and the entry's number.
ANCHOR = "contents-entry-"
# Each contents link retargeted to its heading, with a leader and a placeholder number; returns the ids.
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
FILL = r"""(pages) => document.querySelectorAll('#jb-print-toc .toc-page').forEach(span => {
  span.textContent = String(pages[span.dataset.heading]);
})"""
PASSES = 4


def destination_pages(pdf: Path) -> dict[str, int]:
    """{name: page from 1} of the named destinations of `pdf`."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        numbers = {page.objgen: number for number, page in enumerate(document.pages, 1)}
        dests, names = document.Root.get("/Dests"), document.Root.get("/Names")
        old = dests.items() if dests is not None else []  # PDF 1.1's dictionary, then 1.2's name tree
        found = {name.lstrip("/"): numbers.get(destination[0].objgen) for name, destination in old}
        tree = pikepdf.NameTree(names.Dests).items() if names is not None and "/Dests" in names else []
        for name, destination in tree:
            destination = destination.D if isinstance(destination, pikepdf.Dictionary) else destination
            found[name] = numbers.get(destination[0].objgen)
        return found


def print_numbered(tab, pdf: Path, print_page: Callable[[Path], None]) -> list[list]:
    """Print `tab` to `pdf` with `print_page` until each contents entry has its heading's page; [[text, page]]."""
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


def _bookmarks(items, depth: int = 0):
    """(depth, bookmark) of every bookmark under `items`, in document order."""
    for item in items:
        yield depth, item
        yield from _bookmarks(item.children, depth + 1)


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """The bookmarks of `pdf` in document order: (depth, title, page number from 1)."""
    import pikepdf

    with pikepdf.open(pdf) as document, document.open_outline() as tree:
        pages = {page.objgen: number for number, page in enumerate(document.pages, 1)}
        return [
            (depth, item.title, pages.get(item.destination[0].objgen) if item.destination is not None else None)
            for depth, item in _bookmarks(tree.root)
        ]


def finish(pdf: Path, headings: list[str]) -> tuple[list[list], int]:
    """Title the bookmarks with the headings' text when the two match (Chromium mangles wrapped headings) and
    compress the PDF's objects; return the bookmarks [depth, title, page] and the number of pages."""
    import pikepdf

    entries = outline(pdf)
    retitle = len(entries) == len(headings) and all(_same(t, h) for (_, t, _), h in zip(entries, headings))
    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        if retitle:
            with document.open_outline() as tree:
                for (_, item), heading in zip(_bookmarks(tree.root), headings):
                    item.title = heading
        document.save(pdf, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
        count = len(document.pages)
    if retitle:
        entries = [(depth, heading, page) for (depth, _, page), heading in zip(entries, headings)]
    return [list(entry) for entry in entries], count


def _same(title: str, heading: str) -> bool:
    """Spaces aside, the bookmark `title` holds `heading` in order, and is at most twice as long."""
    title, heading = re.sub(r"\s+", "", title), re.sub(r"\s+", "", heading)
    rest = iter(title)
    return bool(heading) and len(title) <= 2 * len(heading) and all(char in rest for char in heading)


def make(output: Path, site: Path | None, env: dict | None = None) -> dict:
    """Print the single page to output/_build/pdf/book.pdf (its report in report.json) and copy it into `site`;
    raise when the page was not ready."""
    page = build_single_page(Path(output).resolve(), site_config.cli_env(ROOT) if env is None else env)
    pdf = Path(output).resolve() / "_build" / "pdf" / PDF_NAME
    report = print_pdf(page, pdf)
    (pdf.parent / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    problems = report["untypeset"] + report["broken"]
    if problems:
        raise RuntimeError(
            f"the single page was not ready to print (untypeset formulas, broken images): {problems[:10]}"
        )
    if site:
        shutil.copyfile(pdf, Path(site) / PDF_NAME)
    return report


# -- the browser and the local server, shared by the PDF, the live-start benchmark and the tests ------------------

# No background requests, and no host but 127.0.0.1 resolves: nothing a page asks for can leave the machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def launch(playwright, args=CHROMIUM_ARGS):
    """Debian's Chromium (or CHROMIUM=...), driven by Playwright."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(args))


class Server(str):
    """http://127.0.0.1:PORT; `answers` holds (path, HTTP status) of every request."""

    answers: list

    @property
    def origin(self) -> str:
        return str(self)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    cache_s = 600

    def log_message(self, format, *args):
        pass

    def log_request(self, code="-", size="-"):  # also the requests no page event shows (the page's icon)
        self.server.answers.append((self.path, int(code) if str(code).isdigit() else 0))

    def end_headers(self):
        if self.cache_s:  # GitHub Pages says max-age=600
            self.send_header("Cache-Control", f"max-age={self.cache_s}")
        super().end_headers()


@contextmanager
def serve(directory: Path, cache_s: int = 600):
    """Serve `directory` on 127.0.0.1 (a free port) with max-age=`cache_s` (0: no Cache-Control); yield its Server."""
    handler = functools.partial(type("Handler", (_Quiet,), {"cache_s": cache_s}), directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.answers = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        origin = Server(f"http://127.0.0.1:{server.server_address[1]}")
        origin.answers = server.answers
        yield origin
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.browser", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pdf = commands.add_parser("pdf", help="the whole book as one PDF")
    pdf.add_argument("--output", type=Path, default=ROOT, help="folder to build in (default: here)")
    pdf.add_argument("--site", type=Path, default=None, help="copy the PDF into this site as book.pdf")
    args = parser.parse_args(argv)
    try:
        report = make(args.output, args.site)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    where = args.site / PDF_NAME if args.site else args.output / "_build" / "pdf" / PDF_NAME
    print(f"The book as one PDF: {where} ({report['bytes'] / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
