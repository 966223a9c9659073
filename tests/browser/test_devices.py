"""The built site on a phone, with a keyboard and for a screen reader, in Debian's Chromium (driven by Playwright).

- On a phone (390 x 844, touch): every button of the page's headers opens what it is for when tapped (the
  chapter menu, the page's contents, search, the download menu, the colour mode, full screen), and no page is
  wider than the screen.
- axe-core (the npm package, pinned in package-lock.json; read from node_modules and put into each page, so no
  request leaves the site) finds no serious or critical WCAG 2 A/AA violation on any page, in the light and in
  the dark theme.
- Tab reaches an editable live cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import ROOT
from tools import sphinx_ext as icons
from tools.browser import launch, serve

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Pages to tap every toggle on: a chapter with live cells, the widest-titled chapter, an appendix and the search.
TOGGLE_PAGES = ["book/00-introduction.html", "book/04-backpropagation.html", "book/appendix-verification.html",
                "search.html"]  # fmt: skip
# The header's buttons, each with the test that it did its job: a panel is open (a JavaScript expression).
TOGGLES = {
    ".primary-toggle": "document.getElementById('pst-primary-sidebar-modal').open && "
    "document.querySelector('#pst-primary-sidebar-modal .bd-sidenav a') !== null",
    ".secondary-toggle": "document.getElementById('pst-secondary-sidebar-modal').open && "
    "document.querySelector('#pst-secondary-sidebar-modal .bd-toc-nav, #pst-secondary-sidebar-modal nav') !== null",
    # The search dialog, or on the search page its own search field.
    ".search-button": "document.getElementById('pst-search-dialog').open || "
    "document.activeElement.matches('input[name=q]')",
    ".dropdown-toggle": "[...document.querySelectorAll('.dropdown-menu.show')].some(m => m.offsetHeight > 0)",
    ".theme-switch-button": "document.documentElement.dataset.mode !== window.__modeBefore",
    ".btn-fullscreen-button": "document.fullscreenElement !== null",
}
HEADER_BUTTONS = ".bd-header button, .bd-header-article button"

pytestmark = pytest.mark.book


def _pages(site: Path) -> list[str]:
    """Every HTML page but index.html (a redirect to the first chapter)."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.relative_to(site).parts[0] not in ("_static", "_sources", "_images") and p.name != "index.html"
    )


@pytest.fixture(scope="module")
def browser(site, chromium):
    from playwright.sync_api import sync_playwright

    with serve(site) as origin, sync_playwright() as playwright:
        browser = launch(playwright)
        browser.origin = origin
        try:
            yield browser
        finally:
            browser.close()


def _phone(browser):
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


def _header_buttons(page):
    return page.locator(HEADER_BUTTONS).filter(visible=True)


def _kinds(page) -> list[str]:
    """What each visible button of the headers is: the first selector of TOGGLES it matches (or its HTML)."""
    return _header_buttons(page).evaluate_all(
        "(buttons, kinds) => buttons.map(b => kinds.find(k => b.matches(k)) || b.outerHTML.slice(0, 120))",
        list(TOGGLES),
    )


def test_every_toggle_opens_its_panel_on_a_phone(browser):
    problems, tapped = [], 0
    context = _phone(browser)
    try:
        page = context.new_page()
        for name in TOGGLE_PAGES:
            url = f"{browser.origin}/{name}"
            page.goto(url, wait_until="load")
            kinds = _kinds(page)
            for kind in (".primary-toggle", ".secondary-toggle"):
                if kind not in kinds and name != "search.html":  # the search page has no contents of its own
                    problems.append(f"{name}: no visible {kind} at {PHONE['width']} px")
            for index, kind in enumerate(kinds):
                if kind not in TOGGLES:
                    problems.append(f"{name}: a header button the test does not know: {kind}")
                    continue
                page.goto(url, wait_until="load")  # each button on a fresh page, nothing else open
                page.evaluate("() => { window.__modeBefore = document.documentElement.dataset.mode; }")
                _header_buttons(page).nth(index).tap()
                try:
                    page.wait_for_function(TOGGLES[kind], timeout=5_000)
                    tapped += 1
                except Exception:
                    problems.append(f"{name}: tapping {kind} (header button {index + 1}) opened nothing")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    assert tapped >= 2 * len(TOGGLE_PAGES), f"only {tapped} buttons tapped"


def test_no_page_is_wider_than_a_phone(browser, site):
    wide = []
    context = _phone(browser)
    try:
        page = context.new_page()
        for name in _pages(site):
            page.goto(f"{browser.origin}/{name}", wait_until="load")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                culprits = page.evaluate(
                    """(w) => [...document.querySelectorAll('body *')]
                         .filter(e => e.getBoundingClientRect().right > w + 0.5)
                         .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))""",
                    PHONE["width"],
                )
                wide.append(f"{name}: {width} px wide (past the edge: {', '.join(culprits)})")
    finally:
        context.close()
    assert not wide, "\n".join(wide)


def _axe(page, rules: list[str] | None = None) -> list[dict]:
    """axe-core's serious and critical WCAG 2 A/AA violations on the open page."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG}}
    options["resultTypes"] = ["violations"]
    result = page.evaluate("(options) => axe.run(document, options)", options)
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


AXE_SHARDS = 6  # the pages, dealt out into this many tests that the workers share


@pytest.mark.parametrize("shard", range(AXE_SHARDS))
def test_axe_finds_no_serious_wcag_violation(browser, site, shard):
    """Every page, in the light theme with every rule and in the dark one with the rule that depends on the
    colours; the pages are dealt out over AXE_SHARDS tests."""
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `make setup` (npm ci installs axe-core)")
    pages = _pages(site)[shard::AXE_SHARDS]
    assert pages, f"no page for shard {shard} of {AXE_SHARDS}"
    found = []
    for scheme, rules in (("light", None), ("dark", ["color-contrast"])):
        context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
        try:
            page = context.new_page()
            for name in pages:
                page.goto(f"{browser.origin}/{name}", wait_until="load")
                for v in _axe(page, rules):
                    nodes = v["nodes"]
                    found.append(
                        f"{name} ({scheme}): {v['id']} ({v['impact']}, {len(nodes)}x): {v['help']}\n"
                        f"    {nodes[0]['html'][:200]}\n    {nodes[0]['failureSummary'].splitlines()[-1].strip()}"
                    )
        finally:
            context.close()
    assert not found, f"{len(found)} violations:\n" + "\n".join(found)


def test_axe_runs_from_the_pinned_package():
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/axe-core"]["version"]
    assert json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["axe-core"] == pinned
    installed = json.loads((AXE.parent / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == pinned, f"node_modules has axe-core {installed}, the lockfile pins {pinned}: run `npm ci`"


def test_tab_reaches_an_editable_live_cell(browser):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{browser.origin}/book/01-derivatives.html", wait_until="load")
        # The theme sets the code boxes' tab stops on load and again (300 ms later) whenever the page changes.
        page.evaluate("() => document.querySelector('article').appendChild(document.createElement('span'))")
        page.wait_for_timeout(1_000)
        editable = "() => document.activeElement.matches('.cell_input pre[contenteditable]')"
        for _ in range(400):
            page.keyboard.press("Tab")
            if page.evaluate(editable):
                break
        else:
            stops = page.evaluate("[...document.querySelectorAll('.cell_input pre')].map(p => p.tabIndex)")
            pytest.fail(f"400 presses of Tab never reached an editable cell; the code boxes' tabindex: {stops}")
        page.keyboard.type("x = ")
        assert page.evaluate("document.activeElement.dataset.edited") == "yes"
    finally:
        context.close()


# Every Font Awesome icon of the open page: the elements the SVG core left undrawn (an `<i class="fa-...">` still
# there), and each drawn icon's name, whether it shows, its size, the length of its path and whether the core drew
# its placeholder for an icon it does not know (`<g class="missing">`).
ICONS = r"""() => {
  const styles = /(^|\s)(fa|fas|far|fab|fa-solid|fa-regular|fa-brands)(\s|$)/;
  const undrawn = [...document.querySelectorAll('i, span')]
      .filter(e => styles.test(e.className) && /(^|\s)fa-[a-z]/.test(e.className))
      .map(e => e.outerHTML.slice(0, 120));
  const icons = [...document.querySelectorAll('svg.svg-inline--fa')].map(svg => {
    const box = svg.getBoundingClientRect();
    const path = svg.querySelector('path');
    return {name: svg.dataset.icon, shown: svg.checkVisibility(), width: box.width, height: box.height,
            path: path ? (path.getAttribute('d') || '').length : 0,
            missing: svg.matches('.missing') || svg.querySelector('.missing') !== null};
  });
  return {undrawn, icons};
}"""
# The admonitions' icons are characters of Font Awesome's webfont: each title's icon, its font and whether the
# page loaded that font.
ADMONITION_ICONS = r"""async () => {
  await document.fonts.ready;
  const loaded = new Set([...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/"/g, '')));
  return [...document.querySelectorAll('.admonition > .admonition-title')].flatMap(title =>
    ['::before', '::after'].map(pseudo => getComputedStyle(title, pseudo))
      .filter(style => style.content !== 'none' && style.content !== '""' && style.content !== 'normal')
      .map(style => ({title: title.textContent.trim().slice(0, 40), family: style.fontFamily.replace(/"/g, ''),
                      loaded: loaded.has(style.fontFamily.replace(/"/g, ''))})));
}"""
# The icons a reader sees without opening anything: on a desktop the header's buttons (the chapter menu, download,
# full screen, colour mode, search) and the previous/next links; on a phone the two sidebar toggles as well.
SHOWN_ICONS = {
    "desktop": {"bars", "download", "expand", "magnifying-glass", "angle-left", "angle-right"},
    "phone": {"bars", "list", "download", "magnifying-glass"},
}
MODE_ICONS = {"sun", "moon", "circle-half-stroke"}
# The download menu's entries, drawn once the menu is open.
MENU_ICONS = {"file", "code", "book"}
# The scripts a chapter loads, in bytes: Font Awesome's all.js alone weighed 1.49 MB of the 2.99 MB before
# tools/sphinx_ext.py served a subset; MathJax (1.16 MB) is most of what is left.
SCRIPT_BUDGET = 2_000_000
FONTAWESOME_BUDGET = 150_000


def test_every_icon_is_drawn_in_both_modes(browser):
    problems, seen = [], 0
    for scheme in ("light", "dark"):
        for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            context = browser.new_context(viewport=viewport, color_scheme=scheme, is_mobile=device == "phone",
                                          has_touch=device == "phone")  # fmt: skip
            try:
                page = context.new_page()
                page.goto(f"{browser.origin}/book/04-backpropagation.html", wait_until="load")
                where = f"{scheme} {device}"
                page.wait_for_function("document.querySelectorAll('svg.svg-inline--fa').length > 0")
                if page.evaluate("document.documentElement.dataset.theme") != scheme:
                    problems.append(f"{where}: the page is not in the {scheme} theme")
                found = page.evaluate(ICONS)
                problems += [f"{where}: an icon left undrawn: {html}" for html in found["undrawn"]]
                for icon in found["icons"]:
                    if icon["missing"]:
                        problems.append(f"{where}: the icon {icon['name']} is not defined (drawn as a placeholder)")
                    elif icon["path"] == 0:
                        problems.append(f"{where}: the icon {icon['name']} has no shape")
                    elif icon["shown"] and not (icon["width"] > 0 and icon["height"] > 0):
                        problems.append(f"{where}: the icon {icon['name']} is shown with no size")
                shown = {icon["name"] for icon in found["icons"] if icon["shown"] and icon["width"] > 0}
                seen += len(shown)
                for name in sorted(SHOWN_ICONS[device] - shown):
                    problems.append(f"{where}: the {name} icon is not shown")
                if not shown & MODE_ICONS:
                    problems.append(f"{where}: the colour-mode button shows no icon")
                page.locator(".dropdown-download-buttons .dropdown-toggle").first.click()
                opened = {icon["name"] for icon in page.evaluate(ICONS)["icons"] if icon["shown"] and icon["width"] > 0}
                for name in sorted(MENU_ICONS - opened):
                    problems.append(f"{where}: the download menu's {name} icon is not shown")
                admonitions = page.evaluate(ADMONITION_ICONS)
                if not admonitions:
                    problems.append(f"{where}: no admonition icon found")
                for icon in admonitions:
                    if "Font Awesome" not in icon["family"] or not icon["loaded"]:
                        problems.append(f"{where}: the admonition {icon['title']!r} has no icon font ({icon})")
            finally:
                context.close()
    assert not problems, "\n".join(problems)
    assert seen >= 20, f"only {seen} icons shown"


def test_a_chapter_loads_less_than_2_mb_of_script(browser):
    """Font Awesome is served as its SVG core and the icons the site uses (tools/sphinx_ext.py), not all 2,000."""
    sizes: dict[str, int] = {}
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()

        def record(response):
            if response.request.resource_type == "script" and response.ok:
                sizes[response.url.split("?")[0]] = len(response.body())

        page.on("response", record)
        page.goto(f"{browser.origin}/book/04-backpropagation.html", wait_until="load")
        page.wait_for_timeout(1_000)
    finally:
        context.close()
    fontawesome = sum(size for url, size in sizes.items() if url.endswith("/fontawesome.js"))
    assert 0 < fontawesome < FONTAWESOME_BUDGET, f"fontawesome.js is {fontawesome:,} bytes"
    total = sum(sizes.values())
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:5]
    assert total < SCRIPT_BUDGET, f"the page loads {total:,} bytes of script; the largest: {largest}"


def test_the_icons_come_from_the_pinned_package_of_the_themes_release():
    """The icons served (tools/sphinx_ext.py) are the Font Awesome of package-lock.json, the theme's CSS release."""
    import re
    import sysconfig

    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/@fortawesome/fontawesome-free"]["version"]
    installed = json.loads((icons.PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == pinned, f"node_modules has Font Awesome {installed}, the lockfile pins {pinned}: run `npm ci`"
    theme = Path(sysconfig.get_paths()["purelib"]) / "pydata_sphinx_theme" / "theme" / "pydata_sphinx_theme"
    license_text = (theme / "static" / "scripts" / "fontawesome.js.LICENSE.txt").read_text(encoding="utf-8")
    assert re.search(rf"Font Awesome Free {re.escape(pinned)}\b", license_text), license_text


def test_the_subset_holds_the_icons_the_pages_and_scripts_name(tmp_path):
    (tmp_path / "_static" / "scripts").mkdir(parents=True)
    (tmp_path / "page.html").write_text(
        '<i class="fa-solid fa-sun fa-lg"></i><span class="fas fa-file-download"></span>'
        '<i class="fa-brands fa-github"></i><i class="fa-regular fa-copy"></i><i class="fa-lg other"></i>',
        encoding="utf-8",
    )
    (tmp_path / "_static" / "scripts" / "theme.js").write_text('e.classList="fa-solid fa-xmark"', encoding="utf-8")
    used = icons.used_icons(tmp_path)
    assert set(used) == {("fas", "sun"), ("fas", "file-arrow-down"), ("fab", "github"), ("far", "copy"),
                         ("fas", "xmark")}  # fmt: skip
    assert "file-download" in used[("fas", "file-arrow-down")][2], "the alias the page uses is not defined"
    script = icons.subset_script(used)
    assert script.startswith(icons.CORE.read_text(encoding="utf-8")[:200]) and len(script) < 100_000
