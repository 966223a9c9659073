"""The built site, as a reader gets it.

In a real browser -- headless Chromium (Debian's package, /usr/bin/chromium, driven by Playwright) -- every page
is opened from a server on 127.0.0.1, and then the chapters once more straight from the files on disk, each as
a first-time reader opens it: in a browser just started, in a new context, as its first navigation, with no
request intercepted (interception would hide the browser's own requests, such as the one for the page's icon).
A page passes when it logs no console error or warning, no request fails (as the browser or the server saw
it), no request leaves the site's origin (they cannot: every other host name resolves to nothing; they are
reported), the page's icon loads, every formula is typeset by the MathJax the site ships, every image is
loaded and every figure has a size.  The chapters are read in order by clicking "next" (and once "previous"),
and the search box must find "backpropagation".  A screenshot of each chapter is saved under _build/screenshots/.

Without a browser: every figure says what it shows (alt text or a caption), the headings of each page are in
order, and every link and image reference inside the site resolves.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from tools import ROOT, browser
from tools.browser import Server, launch, serve
from tools.chapters import read_cells, toc_chapters

CHAPTERS = toc_chapters(ROOT)
CHROMIUM = browser.CHROMIUM
# Without --disable-background-networking Chromium calls Google's hosts by itself.  No host but 127.0.0.1
# resolves, so nothing a page asks for can leave the machine (tools/browser.py's CHROMIUM_ARGS).
ICON_WAIT_S = 5.0
SCREENSHOTS = ROOT / "_build" / "screenshots"
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.book


def page_name(chapter: Path) -> str:
    """The built page of a chapter, relative to the site: book/04-backpropagation.html."""
    return chapter.relative_to(ROOT).with_suffix(".html").as_posix()


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the site (the theme's and Sphinx's assets aside)."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.relative_to(site).parts[0] not in ("_static", "_sources", "_images")
    )


# -- the browser ------------------------------------------------------------------------------------------------


# The server and the browser are tools/browser.py's (`serve`: a static server on 127.0.0.1 that records the status of
# every answer; `launch`: Debian's Chromium with CHROMIUM_ARGS).


@dataclass
class PageReport:
    """What the browser saw of one page."""

    console_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    off_origin: list = field(default_factory=list)
    math: int = 0  # elements holding a formula
    untypeset: list = field(default_factory=list)
    math_errors: list = field(default_factory=list)
    font_errors: list = field(default_factory=list)
    images: int = 0
    broken_images: list = field(default_factory=list)
    empty_figures: list = field(default_factory=list)
    previous: str | None = None
    next: str | None = None
    icons: list = field(default_factory=list)  # the icons the page declares (<link rel="icon">)
    icon_answers: list = field(default_factory=list)  # what the server answered the browser's requests for one
    visited: bool = False


@dataclass
class Crawl:
    origin: str
    reports: dict = field(default_factory=dict)  # page name -> PageReport (from the server)
    disk_reports: dict = field(default_factory=dict)  # page name -> PageReport (from file://)
    navigation: list = field(default_factory=list)  # problems met while clicking through
    search_results: list = field(default_factory=list)
    search_problem: str = ""
    screenshots: list = field(default_factory=list)
    seconds: float = 0.0


# Waits until everything the page shows is ready: MathJax has typeset (when the page has math), fonts are
# loaded, images are complete.
SETTLE = """async () => {
  if (document.querySelector('.math')) {
    for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
      await new Promise(r => setTimeout(r, 50));
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  }
  for (let round = 0; round < 2; round++) {      // lay the page out, so that every font in use starts loading
    document.body.getBoundingClientRect();
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    await document.fonts.ready;
  }
  await Promise.all([...document.images].map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  return true;
}"""

INSPECT = """() => {
  const text = e => (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  const math = [...document.querySelectorAll('.math')];
  const report = {
    math: math.length,
    untypeset: math.filter(e => !e.querySelector('mjx-container')).map(text),
    math_errors: [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || text(e)),
    font_errors: [...document.fonts].filter(f => f.status === 'error').map(f => f.family),
    images: document.images.length,
    broken_images: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0))
                                       .map(i => i.getAttribute('src')),
  };
  // Open what is folded away (hidden cells, solutions), then measure every figure of the article.
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  const figures = [...document.querySelectorAll('article img, article .cell_output svg, article figure svg')]
      .filter(e => !(e.parentElement && e.parentElement.closest('svg')));
  report.empty_figures = figures
      .filter(e => { const r = e.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); })
      .map(e => e.getAttribute('src') || ('inline svg: ' + text(e)));
  report.icons = [...document.querySelectorAll('link[rel~="icon"]')].map(l => l.href);
  const link = s => { const a = document.querySelector(s); return a ? a.href : null; };
  report.previous = link('.prev-next-area a.left-prev');
  report.next = link('.prev-next-area a.right-next');
  return report;
}"""


class Tab:
    """One browser tab (in a new context of its own) that files what it sees under the page it is looking at.

    Nothing is intercepted: with request interception on, Chromium does not even ask for a page's icon."""

    def __init__(self, browser, base: str, reports: dict, crawl: Crawl):
        self.base, self.reports, self.crawl = base, reports, crawl
        self.report = PageReport()
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", self._console)
        self.page.on("pageerror", self._uncaught)
        self.page.on("request", self._request)
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def allowed(self, url: str) -> bool:
        return url.startswith(self.base) or url.startswith(("data:", "blob:", "about:"))

    def _request(self, request):
        if not self.allowed(request.url):  # it fails: no other host resolves (CHROMIUM_ARGS)
            self.report.off_origin.append(request.url)

    def _console(self, message):
        if message.type in ("error", "warning"):
            where = (message.location or {}).get("url", "")
            self.report.console_errors.append(f"{message.type}: {message.text} [{where}]")

    def _uncaught(self, error):
        self.report.console_errors.append(f"uncaught {error}")

    def _failed(self, request):
        if self.allowed(request.url):  # requests to other origins are reported as such
            self.report.failed_requests.append(f"{request.url}: {request.failure}")

    def _response(self, response):
        if response.status >= 400:
            self.report.failed_requests.append(f"{response.url}: HTTP {response.status}")

    def url(self, name: str) -> str:
        return self.base + name

    def start(self, name: str) -> PageReport:
        """From now on, what happens belongs to page `name`."""
        self.report = self.reports.setdefault(name, PageReport())
        return self.report

    def settle(self) -> None:
        """Wait until the page is ready (so that leaving it aborts none of its requests)."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            self.page.evaluate(SETTLE)
        except PlaywrightError as error:
            self.report.console_errors.append(f"the page never settled: {error}")

    def look(self, name: str, screenshot: bool = False) -> PageReport:
        """Wait until the page is ready, then record what it shows (and photograph it first)."""
        from playwright.sync_api import Error as PlaywrightError

        report = self.reports[name]
        self.settle()
        try:
            if screenshot:
                path = SCREENSHOTS / (Path(name).stem + ".png")
                self.page.screenshot(path=str(path), full_page=True)
                self.crawl.screenshots.append(path)
            for key, value in self.page.evaluate(INSPECT).items():
                setattr(report, key, value)
        except PlaywrightError as error:
            report.console_errors.append(f"the browser could not look at the page: {error}")
        report.visited = True
        return report

    def icon(self, server: Server, since: int) -> None:
        """Wait until the browser has asked the server for the page's icon (it does so by itself, after the page
        has loaded, in no page event), then file the server's answers since request number `since`: the icon's
        and any other that failed."""
        icons = {urlsplit(url).path for url in self.report.icons} | {"/favicon.ico"}
        deadline = time.monotonic() + ICON_WAIT_S
        while (
            not any(urlsplit(path).path in icons for path, _ in server.answers[since:]) and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        self.page.wait_for_timeout(250)  # the console message of a failed icon follows its answer
        for path, status in server.answers[since:]:
            if urlsplit(path).path in icons:
                self.report.icon_answers.append(f"{path}: HTTP {status}")
            if status >= 400:
                self.report.failed_requests.append(f"{server.origin}{path}: HTTP {status}")


def _first_visit(
    playwright,
    base: str,
    name: str,
    reports: dict,
    crawl: Crawl,
    server: Server | None = None,
    screenshot: bool = False,
    shared=None,
) -> None:
    """Open page `name` as a first-time reader does: a browser just started (Chromium remembers icons, and icons it
    could not load, across contexts: a served page, whose icon is checked, gets one of its own; pages from disk
    ask for no icon and share one), a new context, and this page its first navigation."""
    from playwright.sync_api import Error as PlaywrightError

    browser = shared or launch(playwright)
    try:
        tab = Tab(browser, base, reports, crawl)
        tab.start(name)
        since = len(server.answers) if server else 0
        tab.page.goto(tab.url(name))
        if name == "index.html":  # a redirect to the first chapter (test_next_and_previous_... checks it)
            try:
                tab.page.wait_for_url(tab.url(page_name(CHAPTERS[0])), timeout=10_000)
            except PlaywrightError:
                pass
        tab.look(name, screenshot=screenshot)
        if server:
            tab.icon(server, since)
        tab.context.close()
    finally:
        if not shared:
            browser.close()


def _browse(site: Path) -> Crawl:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    names = site_pages(site)
    chapters = [page_name(c) for c in CHAPTERS]
    with serve(site, cache_s=0) as server, sync_playwright() as playwright:
        crawl = Crawl(origin=server.origin)
        # Every page as a reader's first visit; then every chapter opened as a file, as a reader of a
        # downloaded copy does.
        for name in names:
            _first_visit(
                playwright, server.origin + "/", name, crawl.reports, crawl, server, screenshot=name in chapters
            )
        shared = launch(playwright)
        try:
            for name in chapters:
                _first_visit(playwright, site.resolve().as_uri() + "/", name, crawl.disk_reports, crawl, shared=shared)
        finally:
            shared.close()
        # A reader going on from page to page, and searching.
        browser = launch(playwright)
        try:
            served = Tab(browser, server.origin + "/", crawl.reports, crawl)
            _read_in_order(served, chapters, crawl)
            _search(served, chapters, crawl)
            served.context.close()
        finally:
            browser.close()
    crawl.seconds = time.monotonic() - started
    return crawl


def _read_in_order(tab: Tab, chapters, crawl):
    """index.html opens the first chapter; then "next" leads through every chapter, and "previous" back."""
    from playwright.sync_api import Error as PlaywrightError

    page = tab.page
    tab.start("index.html")
    page.goto(tab.url("index.html"))
    try:
        page.wait_for_url(tab.url(chapters[0]), timeout=10_000)
    except PlaywrightError:
        crawl.navigation.append(f"index.html did not open {chapters[0]} (it shows {page.url})")
    tab.look("index.html")

    tab.start(chapters[0])
    page.goto(tab.url(chapters[0]))
    for index, name in enumerate(chapters):
        report = tab.look(name)
        if page.url.split("#")[0] != tab.url(name):
            crawl.navigation.append(f"expected {name}, the browser shows {page.url}")
        if index > 0 and report.previous != tab.url(chapters[index - 1]):
            crawl.navigation.append(f"{name}: 'previous' leads to {report.previous}, not {chapters[index - 1]}")
        if index + 1 == len(chapters):
            break
        following = chapters[index + 1]
        if report.next != tab.url(following):
            crawl.navigation.append(f"{name}: 'next' leads to {report.next}, not {following}")
        tab.start(following)
        if not report.next:  # nothing to click: go on without waiting for a link that is not there
            page.goto(tab.url(following))
            continue
        try:
            page.click(".prev-next-area a.right-next")
            page.wait_for_url(tab.url(following), timeout=10_000)
        except PlaywrightError as error:
            crawl.navigation.append(f"{name}: clicking 'next' did not open {following}: {error}")
            page.goto(tab.url(following))
    if len(chapters) > 1 and crawl.reports[chapters[-1]].previous:
        tab.start(chapters[-2])
        try:
            page.click(".prev-next-area a.left-prev")
            page.wait_for_url(tab.url(chapters[-2]), timeout=10_000)
            tab.settle()
        except PlaywrightError as error:
            crawl.navigation.append(f"{chapters[-1]}: clicking 'previous' did not open {chapters[-2]}: {error}")


def _search(tab: Tab, chapters, crawl):
    """Search as a reader does: the search button of a chapter, type, Enter."""
    from playwright.sync_api import Error as PlaywrightError

    page = tab.page
    tab.start(chapters[0])
    page.goto(tab.url(chapters[0]))
    tab.settle()
    tab.start("search.html")
    try:
        page.locator("button.search-button__button:visible").first.click()
        field = page.locator("#pst-search-dialog input[type=search]")
        field.fill("backpropagation")
        field.press("Enter")
        page.wait_for_url(re.compile(r".*/search\.html\?q=backpropagation.*"))
        page.wait_for_selector("#search-results li a")
        tab.settle()
        crawl.search_results = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.href)")
    except PlaywrightError as error:
        crawl.search_problem = f"searching failed at {page.url}: {error}"


@pytest.fixture(scope="module")
def crawl(site) -> Crawl:
    assert (site / "index.html").is_file(), f"no site in {site}"
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test needs Debian's chromium package "
            "(`make setup` installs it; or point CHROMIUM at a Chromium or Chrome)"
        )
    return _browse(site)


def _problems(crawl: Crawl, attribute: str, where=("server", "disk")) -> list[str]:
    found = []
    for source, reports in (("server", crawl.reports), ("disk", crawl.disk_reports)):
        if source not in where:
            continue
        for name, report in sorted(reports.items()):
            for item in dict.fromkeys(getattr(report, attribute)):  # once each, in order
                found.append(f"{name} ({'from disk' if source == 'disk' else 'served'}): {item}")
    return found


def _fail_with(problems: list[str], what: str):
    if problems:
        pytest.fail(f"{len(problems)} {what}:\n  " + "\n  ".join(problems[:60]), pytrace=False)


def test_every_page_was_opened(crawl, site):
    names = site_pages(site)
    assert len(names) >= len(CHAPTERS) + 2
    missing = [n for n in names if not (n in crawl.reports and crawl.reports[n].visited)]
    assert not missing, f"pages the browser never opened: {missing}"
    assert set(crawl.disk_reports) == {page_name(c) for c in CHAPTERS}
    print(
        f"\nbrowser: {len(names)} pages served and {len(crawl.disk_reports)} chapters from disk "
        f"in {crawl.seconds:.0f} s; screenshots in {SCREENSHOTS.relative_to(ROOT)}/"
    )


def test_no_console_errors(crawl):
    _fail_with(_problems(crawl, "console_errors"), "console errors or warnings")


def test_every_page_has_an_icon_that_loads(crawl):
    """A browser asks for a page's icon by itself: the one <link rel="icon"> names, else /favicon.ico, whose 404 it
    logs as a console error on a reader's first visit (html.favicon in _config.yml names the book's icon)."""
    problems = []
    for name, report in sorted(crawl.reports.items()):
        if not report.icons:
            problems.append(f'{name}: declares no icon (<link rel="icon">)')
        if not report.icon_answers:
            problems.append(
                f"{name}: the browser asked for no icon within {ICON_WAIT_S:.0f} s of a first visit; "
                "the test no longer sees what a first visit does"
            )
        problems += [f"{name}: icon {answer}" for answer in report.icon_answers if not answer.endswith("HTTP 200")]
    _fail_with(problems, "problems with the pages' icon")


def test_no_request_fails(crawl):
    _fail_with(_problems(crawl, "failed_requests"), "failed requests")


def test_no_request_leaves_the_site(crawl):
    _fail_with(_problems(crawl, "off_origin"), "requests to other origins (blocked)")


def test_math_is_typeset_by_the_sites_own_mathjax(crawl):
    problems = []
    for source, reports in (("served", crawl.reports), ("from disk", crawl.disk_reports)):
        for name, report in sorted(reports.items()):
            if report.untypeset:
                problems.append(
                    f"{name} ({source}): {len(report.untypeset)} of {report.math} formulas left as "
                    f"TeX, the first: {report.untypeset[0]}"
                )
    problems += _problems(crawl, "math_errors") + _problems(crawl, "font_errors")
    _fail_with(problems, "formulas not typeset (or fonts not loaded)")
    with_math = [name for name, report in crawl.reports.items() if report.math]
    assert len(with_math) >= len(CHAPTERS) - 1, f"only these pages have math: {with_math}"


def test_every_image_loads_and_every_figure_has_a_size(crawl):
    _fail_with(_problems(crawl, "broken_images") + _problems(crawl, "empty_figures"), "images not shown")
    assert sum(report.images for report in crawl.reports.values()) >= len(CHAPTERS) - 1


def test_next_and_previous_lead_through_the_chapters_in_order(crawl):
    _fail_with(crawl.navigation, "navigation problems")


def test_search_finds_backpropagation(crawl):
    assert not crawl.search_problem, crawl.search_problem
    chapter = page_name(next(c for c in CHAPTERS if "backpropagation" in c.stem))
    assert any(urlsplit(url).path.endswith("/" + chapter) for url in crawl.search_results), (
        f"searching 'backpropagation' found {crawl.search_results}, not {chapter}"
    )


def test_a_screenshot_of_every_chapter(crawl):
    for chapter in CHAPTERS:
        shot = SCREENSHOTS / (chapter.stem + ".png")
        assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot of {chapter.name}"


# -- without a browser --------------------------------------------------------------------------------------------


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def _article(path: Path):
    soup = _soup(path)
    return soup.find("article") or soup


def _says_something(text: str) -> bool:
    """A description that says what a figure shows: words, not a file name."""
    text = (text or "").strip()
    if re.fullmatch(r"\S*\.(png|svg|jpe?g|gif|pdf)", text, re.I) or (" " not in text and "/" in text):
        return False
    return len(re.findall(r"[A-Za-z]{2,}", text)) >= 2


def _description(figure) -> str:
    holder = figure.find_parent("figure")
    caption = holder.find("figcaption") if holder else None
    if caption and _says_something(caption.get_text(" ", strip=True)):
        return caption.get_text(" ", strip=True)
    if figure.name == "img":
        return figure.get("alt", "")
    title = figure.find("title", recursive=False)
    return figure.get("aria-label") or (title.get_text(strip=True) if title else "")


def _figures(article):
    found = article.find_all("img")
    for svg in article.select(".cell_output svg, figure svg"):
        if not svg.find_parent("svg"):
            found.append(svg)
    return found


def test_every_figure_says_what_it_shows(site):
    """Alt text or a caption, for readers who cannot see the figure (and for everyone, in a caption).

    A figure drawn by a code cell gets them from the cell's options, e.g.

        ```{code-cell} ipython3
        ---
        mystnb:
          image:
            alt: The loss falls from 2.3 to 0.1 over 100 steps
          figure:
            caption: Training loss against the step.
            name: fig-training-loss
        ---
    """
    problems, figures = [], 0
    for chapter in CHAPTERS:
        article = _article(site / page_name(chapter))
        cells = article.select("div.cell")
        code_cells = read_cells(chapter)
        for figure in _figures(article):
            figures += 1
            if _says_something(_description(figure)):
                continue
            what = figure.get("src") or "an inline SVG"
            cell = figure.find_parent("div", class_="cell")
            if cell is not None and len(cells) == len(code_cells):
                code = code_cells[cells.index(cell)]
                where = f"{chapter.relative_to(ROOT).as_posix()}:{code.fence_line}"
                problems.append(
                    f'{where} (section "{code.section}"): the cell draws {Path(what).name}, '
                    "with neither alt text nor a caption"
                )
            else:
                heading = figure.find_previous(["h1", "h2", "h3", "h4"])
                section = heading.get_text(" ", strip=True).rstrip("#").strip() if heading else "?"
                problems.append(
                    f'{chapter.relative_to(ROOT).as_posix()} (section "{section}"): the figure '
                    f"{what} has neither alt text nor a caption"
                )
    assert figures, "the chapters have no figures at all"
    _fail_with(
        problems,
        f"of {figures} figures say nothing about what they show. Give each cell below "
        "`mystnb: image: alt: <what the figure shows>` and/or `mystnb: figure: caption: <...>` "
        "in its options (the `---` block at the top of the cell)",
    )


@pytest.mark.parametrize(
    "html, described",
    [
        # What myst-nb writes for a cell with `mystnb: image: alt:` and `mystnb: figure: caption:` ...
        (
            '<figure class="align-default" id="fig-line"><img alt="A straight line rising from 0 to 1" '
            'src="../_images/7.png" /><figcaption><p><span class="caption-number">Fig. 1 </span><span '
            'class="caption-text">The identity on [0, 1].</span><a class="headerlink" href="#fig-line">#</a></p>'
            "</figcaption></figure>",
            True,
        ),
        ('<img alt="A straight line rising from 0 to 1" src="../_images/7.png" />', True),
        (
            '<figure><img alt="../_images/7.png" src="../_images/7.png" /><figcaption><p><span '
            'class="caption-text">Loss against the step.</span></p></figcaption></figure>',
            True,
        ),
        # ... and for a cell without them: the alt text is the file's name.
        ('<img alt="../_images/a666.svg" src="../_images/a666.svg" />', False),
        ('<img src="../_images/a666.svg" />', False),
        (
            '<figure><img alt="" src="x.png" /><figcaption><p><span class="caption-number">Fig. 2 </span></p>'
            "</figcaption></figure>",
            False,
        ),
    ],
)
def test_the_figure_check_tells_a_described_figure(html, described):
    figure = _figures(BeautifulSoup(f"<article>{html}</article>", "html.parser").article)[0]
    assert _says_something(_description(figure)) is described


def test_headings_are_in_order(site):
    """One title per page, and no level skipped on the way down (h1, h2, h3; never h1 then h3)."""
    problems = []
    for name in site_pages(site):
        if name == "index.html":  # a redirect to the first chapter
            continue
        headings = _article(site / name).find_all(re.compile(r"^h[1-6]$"))
        levels = [int(h.name[1]) for h in headings]
        if not levels:
            continue
        if levels.count(1) != 1 or levels[0] != 1:
            problems.append(
                f"{name}: {levels.count(1)} top-level headings (h1), and the first heading is "
                f"h{levels[0]}; a page has exactly one title, first"
            )
        for before, heading, level in zip(levels, headings[1:], levels[1:]):
            if level > before + 1:
                text = heading.get_text(" ", strip=True).rstrip("#").strip()
                problems.append(f'{name}: "{text}" is h{level} right after an h{before}')
    _fail_with(problems, "headings out of order")


REFERENCES = {"a": "href", "img": "src", "link": "href", "script": "src", "source": "src", "iframe": "src"}


@pytest.mark.pdf  # every page offers book.pdf
def test_every_internal_link_and_image_resolves(site):
    soups: dict[Path, BeautifulSoup] = {}

    def soup(path: Path) -> BeautifulSoup:
        if path not in soups:
            soups[path] = _soup(path)
        return soups[path]

    def anchors(path: Path) -> set:
        return {tag.get("id") for tag in soup(path).find_all(id=True)} | {
            tag.get("name") for tag in soup(path).find_all("a", attrs={"name": True})
        }

    problems, checked = [], 0
    for name in site_pages(site):
        page = (site / name).resolve()
        for tag in soup(page).find_all(list(REFERENCES)):
            tag_name, attribute = tag.name, REFERENCES[tag.name]
            if tag.has_attr(attribute):
                reference = tag[attribute].strip()
                parts = urlsplit(reference)
                if parts.scheme or parts.netloc or reference in ("", "#"):
                    continue  # another site (http:, mailto:, javascript:, data:) or nowhere
                checked += 1
                target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file() or site.resolve() not in target.resolve().parents:
                    problems.append(f'{name}: <{tag_name} {attribute}="{reference}"> leads to nothing')
                elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors(target):
                    problems.append(f'{name}: <{tag_name} {attribute}="{reference}">: no #{parts.fragment} there')
    assert checked > 100
    _fail_with(problems, "broken internal references")
