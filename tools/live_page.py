"""A Sphinx extension: a chapter's code cells run in the reader's browser, on the chapter's own `micrograd`.

Each runnable code cell of a chapter gets a Run button and becomes editable (book/_static/live.js does that in
the page).  The Python that runs them is Pyodide, CPython compiled to WebAssembly, from the npm package
`pyodide` (pinned in package-lock.json, installed by `make setup` with `npm ci`); draw_dot's graphs are drawn by
Graphviz compiled to WebAssembly (npm `@viz-js/viz`).  This extension copies both into the site, under
_static/live/, so that nothing is fetched from anywhere but the site itself, and only when the reader first
presses Run.

For every chapter it

- runs the chapter's cells under plain CPython on the chapter's snapshot of `micrograd` (tools/snapshots.py)
  with NumPy, matplotlib, PyTorch and scikit-learn blocked, through the interpreter the page itself uses
  (tools/live_kernel.py).  A cell that fails for want of one of them is *static*: the page keeps its built
  output.  A cell tagged `raises-exception` must still raise; any other failure fails the build.
- writes _static/live/chapters/<chapter>.json: the snapshot's files, every code cell's source (hidden and
  removed cells included: they run too), whether it is live, and the outputs the CPython run gave it (the
  browser test compares against the page's own output, and falls back to these where the page shows none);
- marks each cell of the page (class `live-cell-<n>`, n its index in the chapter's notebook) and puts a small
  JSON description of the page's cells into it (`<script id="live-page">`), which live.js reads.

A page that is opened from disk (file://) cannot fetch these files; its Run buttons say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from tools.live_kernel import BLOCKED

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
KERNEL = Path(__file__).resolve().parent / "live_kernel.py"
NODE_MODULES = ROOT / "node_modules"
PAGE_FILES = ROOT / "book" / "_static"  # live.js and live.css
FOLDER = "live"  # _static/live/ in the site
# What the site serves of the npm packages: Pyodide's runtime (its core and standard library, 13 MB) and viz-js.
RUNTIME = {
    "pyodide": ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"],
    "@viz-js/viz": ["dist/viz-global.js"],
}
KERNEL_TIMEOUT_S = 600
# A chapter marks a cell whose output cannot repeat exactly in the browser (timings, an interpreter's wording) with
# the tag `live-loose`: the browser test compares it loosely (tests/test_live.py: digits masked, a message may be
# shorter).  The tag `live-static` keeps a cell that could run as built (it reads the repository's files, or
# needs more stack than a browser has); the page gives this reason:
STATIC_TAG_REASON = "kept as built: it needs more than the page's Python offers"


def _missing_runtime() -> list[str]:
    return [f"{package}/{name}" for package, names in RUNTIME.items() for name in names
            if not (NODE_MODULES / package / name).is_file()]  # fmt: skip


def check_runtime(app: Sphinx) -> None:
    # Only the site's pages (builder "html"): one page of the whole book (singlehtml) or a PDF has no live cells.
    if app.builder.name != "html":
        return
    missing = _missing_runtime()
    if missing:
        logger.warning(
            f"the live cells' runtime is not installed (node_modules/{missing[0]} is missing): run `make setup`, "
            "which installs it with `npm ci`",
            type="live_page",
            subtype="runtime",
        )
    app.env.live_pages = getattr(app.env, "live_pages", {})


# -- which cells are live --------------------------------------------------------------------------------------


def _code_cells(path: Path, srcdir: Path) -> list[dict]:
    """Every code cell of a chapter as myst-nb reads it: its index in the notebook, source and tags."""
    from myst_nb.core.read import read_myst_markdown_notebook

    from tools.chapters import parser_config

    notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), parser_config(srcdir))
    return [
        {"n": index, "source": cell.source, "tags": list(cell.metadata.get("tags", []))}
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
    ]


def run_cells(sources: list[str], snapshot: Path, cwd: Path, static: dict[int, str] | None = None) -> list[list[dict]]:
    """The outputs of each cell, run in order by tools/live_kernel.py under CPython on `snapshot`, NumPy & co.
    blocked; the cells in `static` ({index: reason}) are not run.  Only the snapshot is importable of the book's
    code (as in the browser)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(snapshot)
    env["PYTHONHASHSEED"] = "0"
    result = subprocess.run(
        [sys.executable, str(KERNEL)],
        input=json.dumps({"cells": sources, "static": static or {}}),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=KERNEL_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise RuntimeError(f"tools/live_kernel.py failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def classify(results: list[list[dict]]) -> list[str]:
    """For each cell: "" when it is live, else why it is static."""
    reasons = []
    for outputs in results:
        static = [o for o in outputs if o["type"] == "static"]
        reasons.append(
            (f"needs {static[0]['module']}" if static[0]["module"] in BLOCKED else static[0]["module"])
            if static
            else ""
        )
    return reasons


def _check(docname: str, cells: list[dict], results: list[list[dict]], reasons: list[str]) -> None:
    for cell, outputs, reason in zip(cells, results, reasons):
        if reason:
            continue
        errors = [o for o in outputs if o["type"] == "error"]
        raises = "raises-exception" in cell["tags"]
        if raises and not errors:
            logger.warning(
                f"{docname}: cell {cell['n']} is tagged raises-exception but raised nothing when run as a live "
                "cell (tools/live_kernel.py)",
                type="live_page",
                subtype="kernel",
            )
        elif errors and not raises:
            logger.warning(
                f"{docname}: cell {cell['n']} fails as a live cell (tools/live_kernel.py), though it ran in the "
                f"build:\n{errors[0]['traceback']}",
                type="live_page",
                subtype="kernel",
            )


def mark_cells(app: Sphinx, doctree: nodes.document) -> None:
    """After myst-nb executed a chapter: find its live cells, mark them in the page, describe them for live.js."""
    if app.builder.name != "html":
        return
    snapshots = getattr(app.env, "micrograd_snapshots", {})
    source = Path(app.env.doc2path(app.env.docname)).resolve()
    snapshot = snapshots.get(str(source))
    if snapshot is None or source.suffix != ".md":
        return
    cells = _code_cells(source, Path(app.srcdir))
    if not cells:
        return
    static = {}
    for index, cell in enumerate(cells):
        cell["loose"] = "live-loose" in cell["tags"]
        if "live-static" in cell["tags"]:
            static[index] = STATIC_TAG_REASON
    results = run_cells([c["source"] for c in cells], Path(snapshot), source.parent, static)
    reasons = classify(results)
    _check(app.env.docname, cells, results, reasons)

    shown = set()
    for container in doctree.findall(nodes.container):
        if container.get("nb_element") == "cell_code":
            index = container.get("cell_index")
            container["classes"].append(f"live-cell-{index}")
            has_input = any(child.get("nb_element") == "cell_code_source" for child in container.children)
            if has_input:
                shown.add(index)

    page = {
        "chapter": source.stem,
        "cells": [
            {"n": c["n"], "live": not reason, "why": reason, "shown": c["n"] in shown}
            for c, reason in zip(cells, reasons)
        ],
    }
    text = json.dumps(page, separators=(",", ":")).replace("</", "<\\/")
    doctree.append(nodes.raw("", f'<script type="application/json" id="live-page">{text}</script>\n', format="html"))

    files = {}
    for path in sorted(Path(snapshot).rglob("*.py")):
        files[path.relative_to(snapshot).as_posix()] = path.read_text(encoding="utf-8")
    app.env.live_pages[app.env.docname] = {
        "chapter": source.stem,
        "snapshot": files,
        "cells": [
            {
                "n": c["n"],
                "source": c["source"],
                "live": not reason,
                "why": reason,
                "raises": "raises-exception" in c["tags"],
                "loose": c["loose"],
                "expected": outputs,
            }
            for c, reason, outputs in zip(cells, reasons, results)
        ],
    }


def purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "live_pages", {}).pop(docname, None)


def merge(app: Sphinx, env, docnames, other) -> None:
    env.live_pages = getattr(env, "live_pages", {})
    env.live_pages.update({name: data for name, data in getattr(other, "live_pages", {}).items() if name in docnames})


def add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Only a chapter with cells loads live.js (a few kilobytes; the runtimes wait for the first Run)."""
    if pagename in getattr(app.env, "live_pages", {}):
        app.add_js_file("live.js", defer="defer")
        app.add_css_file("live.css")


# -- the files the site serves -----------------------------------------------------------------------------------


def _python_files() -> dict[str, str]:
    """The Python the page adds to Pyodide's: the kernel, and the pure-Python `graphviz` that draw_dot imports."""
    import graphviz

    package = Path(graphviz.__file__).parent
    files = {"live_kernel.py": KERNEL.read_text(encoding="utf-8")}
    for path in sorted(package.rglob("*.py")):
        files[(Path("graphviz") / path.relative_to(package)).as_posix()] = path.read_text(encoding="utf-8")
    return files


def write_files(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name != "html":
        return
    pages = getattr(app.env, "live_pages", {})
    static = Path(app.outdir) / "_static"
    target = static / FOLDER
    shutil.rmtree(target, ignore_errors=True)
    for package, names in RUNTIME.items():
        for name in names:
            source = NODE_MODULES / package / name
            if source.is_file():
                destination = target / package.split("/")[-1] / Path(name).name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
    python = json.dumps(_python_files(), sort_keys=True)
    (target / "python.json").write_text(python, encoding="utf-8")
    (target / "chapters").mkdir(parents=True, exist_ok=True)
    for data in pages.values():
        (target / "chapters" / f"{data['chapter']}.json").write_text(json.dumps(data), encoding="utf-8")
    for name in ("live.js", "live.css"):
        shutil.copyfile(PAGE_FILES / name, static / name)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", check_runtime)
    # After myst-nb (which executes the chapter while parsing it) and after tools.snapshots wrote the snapshots.
    app.connect("doctree-read", mark_cells)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("html-page-context", add_script)
    app.connect("build-finished", write_files)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
