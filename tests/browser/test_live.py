"""The live cells, in the real browser: every chapter's code runs in the page and prints what the book printed.

For every chapter with live cells (tools/sphinx_ext.py, book/_static/live.js), headless Chromium opens the page
from a server on 127.0.0.1, as a reader does, and presses every Run button in order (a button folded away with
its cell's code is pressed through the page).  Then every live output is compared with the build's output for
that cell, shown on the page:

- printed text and displayed values: equal, word by word (a cell tagged `live-loose`, whose output cannot
  repeat -- a timing, the last bit of a libm function, a message Python 3.13 words differently -- is compared
  with its digits masked, and a line may be a shorter wording of the build's);
- draw_dot's graphs, drawn in the page by Graphviz in WebAssembly: the same nodes with the same labels as the
  build's SVG;
- a cell that raises: the same exception and message as in the build;
- where the page shows no output for a cell (its output is removed), or the cell is tagged `live-fallback` (it
  checks less without PyTorch, and says so), the live output equals the one the build's own run of the live
  kernel recorded.

Then a reader's session: a number changed in every live cell of chapters 1-10 meets no error but the lesson's
own; a long loop keeps the page scrolling, says it is running, and stops; a run replaces the build's output, and
Reset brings the book's code back.

No page may log a console error or make a request that leaves the site's origin.  The time from the first
click to the first output is reported (`make bench` measures it, cold and warm), and screenshots of each
chapter before and after the run are kept under _build/live-screenshots/.  Opened from disk, a page's Run button
says that live code needs `make serve`.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tools import ROOT
from tools.chapters import toc_chapters

CHAPTERS = toc_chapters(ROOT)
SCREENSHOTS = ROOT / "_build" / "live-screenshots"  # (test_site.py empties _build/screenshots)
START_TIMEOUT_MS = 180_000  # the first run loads Python (13 MB) and starts it; two busy cores are slow
CELL_TIMEOUT_MS = 300_000  # the longest training cell, in WebAssembly

pytestmark = pytest.mark.book

# What the page shows of one cell's outputs: [{"kind": "text"|"graph"|"error", "text": ..., "nodes": [...]}].
BUILT = """async (n) => {
  const cell = document.querySelector('.live-cell-' + n);
  const box = cell && cell.querySelector('.cell_output');
  if (!box) return null;
  const found = [];
  for (const element of box.querySelectorAll('div.output, img, svg')) {
    if (element.closest('.live-output') || element.closest('button')) continue;  // (copy buttons' icons)
    if (element.tagName === 'DIV') {
      const pre = element.querySelector('pre');
      if (!pre) continue;
      const kind = element.classList.contains('traceback') ? 'error' : 'text';
      found.push({kind, text: pre.textContent});
    } else if (element.tagName === 'IMG' && element.src.endsWith('.svg')) {
      const svg = new DOMParser().parseFromString(await (await fetch(element.src)).text(), 'image/svg+xml');
      found.push({kind: 'graph', nodes: [...svg.querySelectorAll('g.node')].map(g =>
          [...g.querySelectorAll('text')].map(t => t.textContent.trim()).join(' | '))});
    } else if (element.tagName === 'svg' && !element.parentElement.closest('svg')) {
      found.push({kind: 'graph', nodes: [...element.querySelectorAll('g.node')].map(g =>
          [...g.querySelectorAll('text')].map(t => t.textContent.trim()).join(' | '))});
    }
  }
  return found;
}"""

LIVE = """(n) => {
  const cell = document.querySelector('.live-cell-' + n);
  const out = cell && cell.nextElementSibling;
  if (!(out && out.classList.contains('live-output'))) return null;
  const found = [];
  for (const element of out.children) {
    if (element.matches('pre.live-error')) found.push({kind: 'error', text: element.textContent});
    else if (element.matches('pre')) found.push({kind: 'text', text: element.textContent});
    else if (element.matches('.live-graph')) found.push({kind: 'graph', nodes:
        [...element.querySelectorAll('g.node')].map(g =>
            [...g.querySelectorAll('text')].map(t => t.textContent.trim()).join(' | ')),
        role: element.getAttribute('role'), label: element.getAttribute('aria-label')});
  }
  return {state: out.dataset.state, seconds: parseFloat(out.dataset.seconds || 'NaN'), outputs: found};
}"""

DONE = """(n) => {
  const cell = document.querySelector('.live-cell-' + n);
  const out = cell && cell.nextElementSibling;
  return !!out && out.classList.contains('live-output')
      && ['done', 'failed', 'unavailable'].includes(out.dataset.state);
}"""


def page_name(chapter: Path) -> str:
    return chapter.relative_to(ROOT).with_suffix(".html").as_posix()


def chapter_data(site: Path, chapter: Path) -> dict | None:
    path = site / "_static" / "live" / "chapters" / f"{chapter.stem}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _lines(text: str) -> list[str]:
    """The lines of printed text; blank lines left out (merging a cell's streams, myst-nb may add one)."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _mask(lines: list[str]) -> list[str]:
    return [re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", line) for line in lines]


def _error_line(text: str) -> str:
    """The last line of a traceback: `ExceptionName: message` (IPython's colours and frames aside)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _from_kernel(outputs: list[dict]) -> list[dict]:
    """The outputs book/_static/live_kernel.py recorded in the build, as the page would show them."""
    found = []
    for o in outputs:
        if o["type"] in ("stream", "text"):
            found.append({"kind": "text", "text": o["text"]})
        elif o["type"] == "error":
            found.append({"kind": "error", "text": o["traceback"]})
        elif o["type"] == "graph":
            found.append({"kind": "graph", "nodes": None})
    return found


def compare(built: list[dict], live: list[dict], loose: bool) -> str:
    """What differs between the live outputs and the build's ("" when nothing does)."""
    text = [line for o in built if o["kind"] == "text" for line in _lines(o["text"])]
    got = [line for o in live if o["kind"] == "text" for line in _lines(o["text"])]
    # Compared word by word: merging a cell's streams, myst-nb may break a line where a print flushed.
    same = " ".join(text).split() == " ".join(got).split()
    if not same and loose:  # digits masked; a line may be a shorter wording of the build's (Python 3.13's)
        text, got = _mask(text), _mask(got)
        same = " ".join(text).split() == " ".join(got).split() or (
            len(text) == len(got) and all(a.startswith(b) or b.startswith(a) for a, b in zip(text, got))
        )
    if not same:
        return f"printed\n{got!r}\nbut the build printed\n{text!r}"
    errors = [_error_line(o["text"]) for o in built if o["kind"] == "error"]
    got_errors = [_error_line(o["text"]) for o in live if o["kind"] == "error"]
    if errors != got_errors:
        return f"raised {got_errors!r}, but the build raised {errors!r}"
    graphs = [o["nodes"] for o in built if o["kind"] == "graph"]
    got_graphs = [o["nodes"] for o in live if o["kind"] == "graph"]
    if len(graphs) != len(got_graphs):
        return f"drew {len(got_graphs)} graphs, the build {len(graphs)}"
    for expected, drawn in zip(graphs, got_graphs):
        if expected is not None and sorted(expected) != sorted(drawn):
            return f"drew the nodes {sorted(drawn)!r}, the build {sorted(expected)!r}"
        if not drawn:
            return "drew an empty graph"
    return ""


class Report:
    def __init__(self):
        self.problems: list[str] = []
        self.console_errors: list[str] = []
        self.off_origin: list[str] = []
        self.live_cells = 0
        self.first_output_s = None
        self.seconds = 0.0


def _run_chapter(browser, origin: str, site: Path, chapter: Path) -> Report:
    from playwright.sync_api import Error as PlaywrightError

    report = Report()
    data = chapter_data(site, chapter)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(CELL_TIMEOUT_MS)
    page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: report.console_errors.append(f"uncaught: {e}"))
    page.on(
        "request",
        lambda r: None if r.url.startswith((origin, "data:", "blob:", "about:")) else report.off_origin.append(r.url),
    )
    began = time.monotonic()
    try:
        page.goto(f"{origin}/{page_name(chapter)}", wait_until="load")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{chapter.stem}-before.png"))
        described = json.loads(page.locator("#live-page").text_content())
        cells = [c for c in described["cells"] if c["live"] and c["shown"]]
        report.live_cells = len([c for c in described["cells"] if c["live"]])
        first = True
        for cell in cells:
            button = page.locator(f".live-cell-{cell['n']} button.live-run")
            if button.count() != 1:
                report.problems.append(f"cell {cell['n']}: {button.count()} Run buttons")
                continue
            name = button.get_attribute("aria-label") or button.text_content()
            if not name.startswith("Run"):
                report.problems.append(f"cell {cell['n']}: the button is named {name!r}")
            clicked = time.monotonic()
            if button.is_visible():
                button.click()
            else:  # folded away with its cell's code: pressed as a script would
                button.evaluate("b => b.click()")
            page.wait_for_function(DONE, arg=cell["n"], timeout=START_TIMEOUT_MS if first else CELL_TIMEOUT_MS)
            if first:
                report.first_output_s = time.monotonic() - clicked
                first = False
        page.evaluate("() => { const o = document.querySelector('.live-output:not(:empty)'); o && o.scrollIntoView() }")
        page.screenshot(path=str(SCREENSHOTS / f"{chapter.stem}-after.png"))
        kernel = {c["n"]: c for c in data["cells"]}
        for cell in described["cells"]:
            if not cell["live"]:
                continue
            live = page.evaluate(LIVE, cell["n"])
            if live is None:
                if cell["shown"]:
                    report.problems.append(f"cell {cell['n']}: no live output")
                continue
            if live["state"] != "done":
                report.problems.append(f"cell {cell['n']}: the run ended {live['state']}")
                continue
            built = page.evaluate(BUILT, cell["n"])
            if built is None or kernel[cell["n"]].get("fallback"):  # (live-fallback: the page has no PyTorch)
                built = _from_kernel(kernel[cell["n"]]["expected"])
            difference = compare(built, live["outputs"], kernel[cell["n"]].get("loose", False))
            if difference:
                report.problems.append(f"cell {cell['n']} ({kernel[cell['n']]['source'][:60]!r}): {difference}")
    except PlaywrightError as error:
        report.problems.append(f"the browser: {str(error).splitlines()[0]}")
    finally:
        report.seconds = time.monotonic() - began
        context.close()
    return report


@pytest.fixture(scope="module")
def browser(site, chromium):
    """Chromium, and the site served from 127.0.0.1 (`browser.origin`), for every test of this module a worker
    runs; each test opens its pages in a context of its own."""
    from playwright.sync_api import sync_playwright

    from tools.browser import launch, serve

    with serve(site) as origin, sync_playwright() as playwright:
        browser = launch(playwright)
        browser.origin = origin
        try:
            yield browser
        finally:
            browser.close()


def described(site: Path, chapter: Path) -> list[dict]:
    """The page's description of its cells for live.js (its `<script id="live-page">`)."""
    html = (site / page_name(chapter)).read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="live-page">(.*?)</script>', html, re.S)
    assert found, f"{page_name(chapter)} describes no cells for live.js"
    return json.loads(found[1].replace("<\\/", "</"))["cells"]


def test_every_chapter_with_code_has_live_cells(site):
    """Parts I-III run in the page; a chapter of Part IV (NumPy's) may have no live cell at all, rather than Run
    buttons that fail: its page then says, once at the top, where its code runs (live.js's summary)."""
    pages = [c for c in CHAPTERS if (site / page_name(c)).is_file()]
    with_code = [c for c in pages if chapter_data(site, c) is not None]
    assert len(with_code) >= len(pages) - 1, "every chapter but one should describe its cells for live.js"
    for chapter in with_code:
        data = chapter_data(site, chapter)
        numbered = re.match(r"(\d\d)-", chapter.name)
        if numbered and 1 <= int(numbered.group(1)) <= 14:
            assert any(c["live"] for c in data["cells"]), f"{chapter.stem}: no live cell"
        html = (site / page_name(chapter)).read_text(encoding="utf-8")
        assert 'id="live-page"' in html and "_static/live.js" in html


def test_the_site_serves_its_own_runtime(site):
    live = site / "_static" / "live"
    for name in ["pyodide/pyodide.js", "pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", "viz/viz-global.js"]:
        assert (live / name).is_file(), f"{name} is not in the site"
    python = json.loads((live / "python.json").read_text(encoding="utf-8"))
    assert "live_kernel.py" in python and "graphviz/__init__.py" in python
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "cdn.jsdelivr.net" not in text and "pyodide.org" not in text, f"{page.name} names a CDN"


def test_chapter_five_draws_graphs_live(site):
    data = chapter_data(site, ROOT / "book" / "05-more-operations.md")
    live = [c for c in data["cells"] if c["live"]]
    assert len(live) >= 10
    assert any(o["type"] == "graph" for c in live for o in c["expected"]), "no live draw_dot in chapter 5"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_every_live_cell_prints_what_the_book_printed(browser, site, chapter):
    """Every Run button of the chapter pressed in order: each live output is the build's, no console error, no
    request leaves the site, and the first output comes in time (generous: on a loaded 2-core machine a cold
    start takes ~15 s; `make bench` reports the real numbers).  A chapter whose cells all need more than the
    page's Python shows no Run button at all."""
    if chapter_data(site, chapter) is None:
        html = (site / page_name(chapter)).read_text(encoding="utf-8")
        assert "live-run" not in html and 'id="live-page"' not in html, f"{chapter.stem}: Run buttons, no cells"
        return
    report = _run_chapter(browser, browser.origin, site, chapter)
    print(f"{chapter.stem}: {report.live_cells} live, first output {report.first_output_s or 0:.1f} s, "
          f"all {report.seconds:.0f} s")  # fmt: skip
    assert not report.problems, "\n".join(report.problems[:40])
    assert not report.console_errors, "\n".join(report.console_errors[:20])
    assert not report.off_origin, "\n".join(report.off_origin[:20])
    if report.live_cells:
        assert (report.first_output_s or 1e9) <= 90, f"first output after {report.first_output_s} s"


def test_opened_from_disk_the_run_button_says_to_serve(browser, site):
    path = site / page_name(ROOT / "book" / "05-more-operations.md")
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        button = page.get_by_role("button", name=re.compile("^Run")).first
        button.click()
        out = page.locator(".live-output").first
        out.wait_for()
        assert "make serve" in out.inner_text()
        assert not errors, errors
    finally:
        context.close()


def test_the_summary_says_what_the_first_run_downloads(browser, site):
    """For readers on metered connections: above the first Run button, the page says what the first Run costs."""
    path = site / page_name(ROOT / "book" / "04-backpropagation.md")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        # One line shows (the <summary>); the rest folds open, so read the text of the whole <details>.
        line = page.locator(".live-summary > summary").inner_text()
        assert "about 13 MB" in line, line
        summary = page.locator(".live-summary").text_content()
        assert "Pyodide, about 13 MB" in summary and "about 1.3 MB" in summary, summary
    finally:
        context.close()


def test_an_edited_cell_runs_and_its_graph_is_redrawn(browser, site):
    """Chapter 5 as a reader uses it: change a number in a cell, run the graph cell below, see the new graph."""
    chapter = ROOT / "book" / "05-more-operations.md"
    with chapter_page(browser, chapter) as (page, described):
        # The first live cell that sets a = Value(2.0, label='a'), and the first graph from it on (it may draw).
        source = {c["n"]: c["source"] for c in chapter_data(site, chapter)["cells"]}
        edited = next(c["n"] for c in described if c["live"] and "a = Value(2.0, label='a')" in source[c["n"]])
        graph = next(c["n"] for c in described if c["n"] >= edited and c["live"] and "draw_dot(" in source[c["n"]])
        code = page.locator(f".live-cell-{edited} .cell_input pre")
        code.click()
        page.keyboard.press("Control+Home")
        text = code.inner_text()
        assert text.startswith("a = Value(2.0"), text[:40]
        for _ in range(len("a = Value(2")):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Backspace")
        page.keyboard.type("5")
        assert code.inner_text().startswith("a = Value(5.0")
        page.locator(f".live-cell-{graph} button.live-run").click()
        page.wait_for_function(DONE, arg=graph)
        labels = page.evaluate(LIVE, graph)["outputs"]
        nodes = [node for o in labels if o["kind"] == "graph" for node in o["nodes"]]
        assert any("a" in node and "data 5.0000" in node for node in nodes), nodes
        # y = a * 3 + 1 follows the edit: 16 with a = 5 (7 as built).
        assert any("data 16.0000" in node for node in nodes), nodes
        # A screen reader meets the drawn graph as one image with a name.
        drawn = [(o["role"], o["label"]) for o in labels if o["kind"] == "graph"]
        assert drawn and all(role == "img" and label for role, label in drawn), drawn
        if graph > edited:
            # The edited cell ran first (it had not run): its output changed with it.
            printed = page.evaluate(LIVE, edited)["outputs"]
            assert printed and "16.0" in printed[0].get("text", ""), printed


# -- a reader's edits, a long cell, Stop, Reset ------------------------------------------------------------------

READER_CHAPTERS = [c for c in CHAPTERS if re.match(r"(0\d|10)-", c.name) and not c.name.startswith("00-")]
STATE = """(n) => { const cell = document.querySelector('.live-cell-' + n);
                    const out = cell && cell.nextElementSibling;
                    return out && out.classList.contains('live-output') ? out.dataset.state || '' : null; }"""


@contextmanager
def chapter_page(browser, chapter: Path):
    """`chapter` open in a new context of `browser`, served as a reader opens it: yields the page and its
    description of its cells (live.js's)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(START_TIMEOUT_MS)
        page.goto(f"{browser.origin}/{page_name(chapter)}")
        yield page, json.loads(page.locator("#live-page").text_content())["cells"]
    finally:
        context.close()


def changed_number(source: str) -> str | None:
    """`source` with its first float literal 10 % larger (as a reader trying another value), or None."""
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError):
        return None
    for token in tokens:
        if token.type == tokenize.NUMBER and "." in token.string and "j" not in token.string.lower():
            value = float(token.string) * 1.1 or 0.5
            lines = source.splitlines(True)
            row, col = token.start[0] - 1, token.start[1]
            lines[row] = lines[row][:col] + repr(round(value, 6)) + lines[row][token.end[1] :]
            return "".join(lines)
    return None


def _visible_check(traceback: str) -> bool:
    """An AssertionError raised by an `assert` the reader sees in a cell: where checking is the lesson (a gradient
    check that a changed number breaks, on purpose), not the book's machinery."""
    frames = re.findall(r'File "([^"]+)", line \d+.*\n\s*(.*)', traceback)
    return (
        _error_line(traceback).startswith("AssertionError")
        and bool(frames)
        and (frames[-1][0].startswith("<cell-") and frames[-1][1].startswith("assert "))
    )


def _edit(page, n: int, source: str) -> None:
    page.evaluate(
        """([n, text]) => { const pre = document.querySelector('.live-cell-' + n + ' .cell_input pre');
                            pre.textContent = text; pre.dispatchEvent(new Event('input')); }""",
        [n, source],
    )


def _edits(site: Path, chapter: Path) -> list[dict]:
    """The chapter's live cells a reader sees, each with `changed`: its source with a number changed (or None)."""
    shown = {c["n"] for c in described(site, chapter) if c["shown"]}
    cells = [c for c in chapter_data(site, chapter)["cells"] if c["live"] and c["n"] in shown]
    return [{**c, "changed": None if c["raises"] else changed_number(c["source"])} for c in cells]


def test_a_reader_has_many_numbers_to_change(site):
    edited = sum(c["changed"] is not None for chapter in READER_CHAPTERS for c in _edits(site, chapter))
    assert edited >= 60, f"only {edited} cells had a number to change"


@pytest.mark.parametrize("chapter", READER_CHAPTERS, ids=[c.stem for c in READER_CHAPTERS])
def test_a_reader_who_changes_numbers_meets_no_error_from_the_book(browser, site, chapter):
    """Chapters 1-10: a number changed in every live cell that has one, then the last cell run (which runs the
    cells above it first): no cell ends in an error that the book did not mean to raise."""
    cells = _edits(site, chapter)
    assert any(c["changed"] for c in cells), f"{chapter.stem}: no number to change"
    problems = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(CELL_TIMEOUT_MS)
        page.goto(f"{browser.origin}/{page_name(chapter)}")
        for cell in cells:
            if cell["changed"] is not None:
                _edit(page, cell["n"], cell["changed"])
        last = cells[-1]["n"]
        page.locator(f".live-cell-{last} button.live-run").evaluate("b => b.click()")
        page.wait_for_function(DONE, arg=last, timeout=START_TIMEOUT_MS + CELL_TIMEOUT_MS)
        for cell in cells:
            live = page.evaluate(LIVE, cell["n"])
            errors = [o["text"] for o in (live or {}).get("outputs", []) if o["kind"] == "error"]
            if errors and not cell["raises"] and not _visible_check(errors[0]):
                problems.append(f"cell {cell['n']}: {_error_line(errors[0])}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_a_long_cell_keeps_the_page_alive_and_stops(browser):
    """A loop the reader typed runs in the worker: the page scrolls and answers while it runs, the cell says it is
    running, Stop ends it, and the next Run starts Python again and runs the cells above first."""
    chapter = ROOT / "book" / "04-backpropagation.md"
    with chapter_page(browser, chapter) as (page, described):
        cells = [c for c in described if c["live"] and c["shown"]]
        first = cells[0]["n"]
        page.locator(f".live-cell-{first} button.live-run").click()
        page.wait_for_function(DONE, arg=first)
        target = cells[2]["n"]
        _edit(page, target, "total = 0\nfor i in range(10**10):\n    total += i")
        page.locator(f".live-cell-{target} button.live-run").click()
        page.wait_for_function(f"() => ({STATE})({target}) === 'running'")
        stop = page.locator(f".live-cell-{target} + .live-output button.live-stop")
        assert stop.is_visible()
        # The page answers while Python works: a script round trip, a scroll, a click into another cell.
        began = time.monotonic()
        for _ in range(5):
            page.mouse.wheel(0, 400)
            assert page.evaluate("() => 1 + 1") == 2
        other = page.locator(f".live-cell-{cells[4]['n']} .cell_input pre")
        other.scroll_into_view_if_needed()
        other.click()
        assert page.evaluate("() => document.activeElement.matches('.cell_input pre')"), "the click went nowhere"
        assert time.monotonic() - began < 5, "the page did not answer while the cell ran"
        assert page.evaluate(f"() => ({STATE})({target})") == "running"
        stop.click()
        page.wait_for_function(f"() => ({STATE})({target}) === 'stopped'")
        assert "restarted" in page.locator(f".live-cell-{target} + .live-output").inner_text()
        # The book's code back, and the cell runs again on a new Python, after the cells above it.
        reset = page.locator(f".live-cell-{target} button.live-reset")
        assert reset.is_visible()
        reset.click()
        assert "range(10**10)" not in page.locator(f".live-cell-{target} .cell_input pre").inner_text()
        page.locator(f".live-cell-{target} button.live-run").click()
        page.wait_for_function(DONE, arg=target)
        assert page.evaluate(f"() => ({STATE})({target})") == "done"
        assert page.evaluate(f"() => ({STATE})({first})") == "done"


def test_a_run_replaces_the_built_output(browser):
    chapter = ROOT / "book" / "02-chain-rule.md"
    with chapter_page(browser, chapter) as (page, described):
        n = next(c["n"] for c in described if c["live"] and c["shown"]
                 and page.locator(f".live-cell-{c['n']} .cell_output").count())  # fmt: skip
        built = page.locator(f".live-cell-{n} .cell_output")
        assert built.is_visible()
        page.locator(f".live-cell-{n} button.live-run").click()
        page.wait_for_function(DONE, arg=n)
        assert not built.is_visible(), "the build's output still shows above the live one"
        assert page.locator(f".live-cell-{n} + .live-output").is_visible()
