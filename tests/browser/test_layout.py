"""Nothing a reader needs is cut off: every chapter laid out at 1280 px and 1024 px in a real browser.

With every solution and hidden cell opened:
- no display equation is wider than its box;
- no printed output or code is wider than its box (a traceback from a cell tagged `raises-exception` may scroll);
- no raster figure is drawn below 60 % of its width;
- no graph (an SVG figure) is shrunk so far that its text is smaller than 8 px.
"""

from __future__ import annotations

import pytest

from tools import ROOT
from tools.browser import launch, serve
from tools.chapters import toc_chapters

CHAPTERS = toc_chapters(ROOT)
WIDTHS = (1280, 1024)
SMALLEST_FIGURE = 0.6  # of a raster figure's own width
SMALLEST_TEXT_PX = 8.0  # in a graph

pytestmark = pytest.mark.book

# Opens what is folded away, waits for MathJax and the images, then measures.
MEASURE = """async () => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('.dropdown').forEach(e => e.classList.remove('toggle-hidden'));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;
  await Promise.all([...document.images].map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const text = e => (e.getAttribute('aria-label') || e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 70);
  const shown = e => e.getClientRects().length > 0;
  const found = [];
  for (const eq of document.querySelectorAll('article mjx-container[display="true"]')) {
    const math = eq.querySelector('mjx-math');
    if (!math || !shown(eq)) continue;
    const wide = math.getBoundingClientRect().width, box = eq.parentElement.getBoundingClientRect().width;
    if (wide > box + 1) found.push(`equation ${Math.round(wide)} px in a ${Math.round(box)} px box: ${text(eq)}`);
  }
  for (const pre of document.querySelectorAll('article div.cell pre, article div.output pre')) {
    if (!shown(pre) || pre.closest('.tag_raises-exception') || pre.closest('.traceback')) continue;
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const kind = pre.closest('.cell_input') ? 'code' : 'output';
      const line = pre.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
      found.push(`${kind} ${pre.scrollWidth} px in a ${pre.clientWidth} px box: ${line.trim().slice(0, 70)}`);
    }
  }
  for (const img of document.querySelectorAll('article img')) {
    if (!shown(img) || !img.naturalWidth || (img.getAttribute('src') || '').endsWith('.svg')) continue;
    const ratio = img.getBoundingClientRect().width / img.naturalWidth;
    if (ratio < SMALLEST_FIGURE)
      found.push(`figure drawn at ${Math.round(100 * ratio)} % of its width: ${img.getAttribute('src')}`);
  }
  for (const img of document.querySelectorAll('article img')) {
    if (!shown(img) || !(img.getAttribute('src') || '').endsWith('.svg')) continue;
    const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml').documentElement;
    const box = (svg.getAttribute('viewBox') || '').split(/[ ,]+/).map(Number);
    const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size') || '14'));
    if (box.length !== 4 || !sizes.length) continue;
    const px = Math.min(...sizes) * img.getBoundingClientRect().width / box[2];
    if (px < SMALLEST_TEXT_PX) found.push(`graph text drawn ${px.toFixed(1)} px high: ${img.getAttribute('src')}`);
  }
  return found;
}""".replace("SMALLEST_FIGURE", str(SMALLEST_FIGURE)).replace("SMALLEST_TEXT_PX", str(SMALLEST_TEXT_PX))


@pytest.fixture(scope="module")
def layout(site, chromium) -> dict[tuple[str, int], list[str]]:
    """{(page, width): what is cut off} for every chapter at every width."""
    from playwright.sync_api import sync_playwright

    found = {}
    with serve(site, cache_s=0) as server, sync_playwright() as playwright:
        origin = server + "/"
        browser = launch(playwright)
        try:
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                for chapter in CHAPTERS:
                    name = chapter.relative_to(ROOT).with_suffix(".html").as_posix()
                    page.goto(origin + name)
                    found[(name, width)] = page.evaluate(MEASURE)
                context.close()
        finally:
            browser.close()
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_is_cut_off(layout, width):
    problems = [
        f"{name} at {w} px: {item}" for (name, w), items in sorted(layout.items()) if w == width for item in items
    ]
    assert not problems, f"{len(problems)} things cut off or too small:\n  " + "\n  ".join(problems[:80])
