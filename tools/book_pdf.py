"""The whole book as one PDF: a single-page build of the site (Sphinx's singlehtml), printed by Chromium.

    python -m tools.book_pdf [--site _build/html]     (`make pdf`; `make html` and `make book` run it too)

Jupyter Book builds the book once more as a single HTML page (builder `singlehtml`, the chapters' outputs
taken from the execution cache the site's build filled, so nothing runs twice when the cache is warm).  Debian's
Chromium opens that page from disk, waits until MathJax has typeset every formula and every figure is loaded,
and prints it to _build/pdf/book.pdf, which is copied into the site as book.pdf: every page's download menu
offers it (tools/sphinx_site.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tools import site_config

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
PDF_NAME = "book.pdf"
READY = """async () => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  for (let i = 0; i < 400 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;
  await Promise.all([...document.images].map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  return document.querySelectorAll('.math').length;
}"""


def build_single_page(output: Path, env: dict | None = None) -> Path:
    """The singlehtml build of the book into output/_build/singlehtml; returns its index.html."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    config = site_config.effective_config(ROOT, env)
    config["sphinx"]["local_extensions"]["tools.book_pdf"] = str(ROOT)  # setup() below
    config = _write(config, output / "_build" / "_config.pdf.yml")
    command = [site_config.jupyter_book(), "build", str(ROOT), "--builder", "singlehtml", "--path-output",
               str(output), "--config", str(config)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"the single-page build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return output / "_build" / "singlehtml" / "index.html"


def _write(config: dict, path: Path) -> Path:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def setup(app) -> dict:
    """As a Sphinx extension of the single-page build: myst-nb draws its folded cells for the builder "html" only."""
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput

    app.add_node(HideCodeCellNode, override=True, singlehtml=(visit_HideCellInput, depart_HideCellInput))
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def print_pdf(page: Path, pdf: Path) -> Path:
    from playwright.sync_api import sync_playwright

    pdf.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            tab = browser.new_page()
            tab.set_default_timeout(300_000)
            tab.goto(page.resolve().as_uri(), wait_until="load")
            tab.evaluate(READY)
            tab.emulate_media(media="print")
            tab.pdf(path=str(pdf), format="A4", print_background=True,
                    margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})  # fmt: skip
        finally:
            browser.close()
    return pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.book_pdf", description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT, help="folder to build in (default: here)")
    parser.add_argument("--site", type=Path, default=None, help="copy the PDF into this site as book.pdf")
    args = parser.parse_args(argv)
    page = build_single_page(args.output.resolve(), site_config.cli_env(ROOT))
    pdf = print_pdf(page, args.output.resolve() / "_build" / "pdf" / PDF_NAME)
    if args.site:
        shutil.copyfile(pdf, args.site / PDF_NAME)
    print(f"The book as one PDF: {pdf} ({pdf.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
