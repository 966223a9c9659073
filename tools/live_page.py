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
- leaves out the book's own checks: a cell tagged `remove-cell` holds the glue calls and asserts that keep the
  prose honest.  The build runs it; the page never does (nor do the notebooks), so a reader who changes a
  number never meets one of them.  Such a cell binds nothing a later cell uses (tests/test_reader_layer.py).
- hands the page the data a cell tagged `live-data` makes with a module the page does not have (chapter 10's
  moons come from scikit-learn): the build runs the chapter up to it with every module importable and records
  the values of the names it binds; the page binds those, so the cells after it run on them;
- times each cell: one that ran longer than HEAVY_S is *heavy*.  Running a later cell runs the cells above it
  that have not run, except a heavy one whose names the later cell does not need (`needs`, below): it says it
  was skipped and runs when the reader presses its own Run;
- writes _static/live/chapters/<chapter>.json: the snapshot's files, every code cell's source, whether it is
  live, and the outputs the CPython run gave it (the browser test compares against the page's own output, and
  falls back to these where the page shows none);
- marks each cell of the page (class `live-cell-<n>`, n its index in the chapter's notebook) and puts a small
  JSON description of the page's cells into it (`<script id="live-page">`), which live.js reads.

A page that is opened from disk (file://) cannot fetch these files; its Run buttons say so.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from tools.live_kernel import BLOCKED, bound_names

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
KERNEL = Path(__file__).resolve().parent / "live_kernel.py"
NODE_MODULES = ROOT / "node_modules"
PAGE_FILES = ROOT / "book" / "_static"  # live.js, live-worker.js and live.css
FOLDER = "live"  # _static/live/ in the site
# What the site serves of the npm packages: Pyodide's runtime (its core and standard library, 13 MB) and viz-js.
RUNTIME = {
    "pyodide": ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"],
    "@viz-js/viz": ["dist/viz-global.js"],
}
KERNEL_TIMEOUT_S = 600
# A chapter marks a cell whose output cannot repeat exactly in the browser (timings, an interpreter's wording) with
# the tag `live-loose`: the browser test compares it loosely (tests/test_live.py: digits masked, a message may be
# shorter).  The tag `live-static` keeps a cell that could run as built (it reads the repository's files, or needs
# more stack than a browser gives its worker: freeing a graph thousands of nodes deep); the page gives this reason:
STATIC_TAG_REASON = "kept as built: it needs more than the page's Python offers"
# The tag of the book's own checks (glue calls, asserts): the build runs such a cell, the page never does.
CHECK_TAG = "remove-cell"
# A cell that, without PyTorch, checks less and says so (chapter 5's bench): the browser test compares its page output
# with the build's run of the live kernel, which has no PyTorch either, not with the book's output.
FALLBACK_TAG = "live-fallback"
# A cell that makes data with a module the page does not have (scikit-learn's data sets): the page binds the values
# the build computed, so the cells after it can run on them.
DATA_TAG = "live-data"
# A cell that ran longer than this under CPython in the build is heavy (the page's Python is slower still).
HEAVY_S = 1.0


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
    """Every code cell of a chapter that the page runs (the book's checks left out), as myst-nb reads it: its index
    in the notebook, source and tags."""
    from tools.chapters import read_notebook

    notebook = read_notebook(path, srcdir)
    return [
        {"n": index, "source": cell.source, "tags": list(cell.metadata.get("tags", []))}
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and CHECK_TAG not in cell.metadata.get("tags", [])
    ]


def run_cells(sources: list[str], snapshot: Path, cwd: Path, cache: Path | None = None, **request) -> dict:
    """{"outputs": [each cell's outputs], "seconds": [how long each ran], "values": {...}}, the cells run in order
    by tools/live_kernel.py under CPython on `snapshot`, NumPy & co. blocked.  `request` adds to what the kernel
    is asked (tools/live_kernel.py's main: "static", "data", "collect", "block").  Only the snapshot is importable
    of the book's code (as in the browser).  With a `cache` folder (the build's execution cache), a run is kept
    there under a digest of everything it depends on, and a build whose chapter did not change reuses it."""
    files = {p.relative_to(snapshot).as_posix(): p.read_text(encoding="utf-8") for p in sorted(snapshot.rglob("*.py"))}
    key = json.dumps([KERNEL.read_text(encoding="utf-8"), files, sources, request, sys.version], sort_keys=True)
    kept = Path(cache) / "live" / f"{hashlib.sha256(key.encode()).hexdigest()}.json" if cache else None
    if kept and kept.is_file():
        return json.loads(kept.read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(snapshot)
    env["PYTHONHASHSEED"] = "0"
    result = subprocess.run(
        [sys.executable, str(KERNEL)],
        input=json.dumps({"cells": sources, **request}),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=KERNEL_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise RuntimeError(f"tools/live_kernel.py failed:\n{result.stderr[-3000:]}")
    if kept:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(result.stdout, encoding="utf-8")
    return json.loads(result.stdout)


def page_data(sources: list[str], tags: list[list[str]], snapshot: Path, cwd: Path, cache=None) -> dict[int, dict]:
    """What the page binds in place of each cell tagged `live-data` (it makes its data with a module the page does
    not have, scikit-learn's data sets say): {index: {"values": {name: value}, "outputs": [...]}}, from a run of
    the cells up to the last of them with every module importable."""
    wanted = [index for index, cell_tags in enumerate(tags) if DATA_TAG in cell_tags]
    if not wanted:
        return {}
    run = run_cells(sources[: wanted[-1] + 1], snapshot, cwd, cache, collect=wanted, block=False)
    return {index: {"values": run["values"][str(index)], "outputs": run["outputs"][index]} for index in wanted}


def free_and_bound(source: str) -> tuple[set[str], set[str], set[str]]:
    """What a cell reads that an earlier cell must have bound, every name it may bind, and the names it surely
    rebinds (top-level simple statements), statement by statement."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set(), set()
    free, bound, surely = set(), set(), set()
    for statement in tree.body:
        loads = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
            loads.add(statement.target.id)
        free |= loads - surely
        names = bound_names(statement)
        bound |= names
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom, ast.FunctionDef,
                                  ast.AsyncFunctionDef, ast.ClassDef)):  # fmt: skip
            surely |= names
    return free, bound, surely


def _definitions(sources: list[str]) -> set[str]:
    """Names a chapter binds only by `import`, `def` or `class`: reading one does not touch the reader's data."""
    defined, assigned = set(), set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for statement in tree.body:
            names = bound_names(statement)
            kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            (defined if isinstance(statement, kinds) else assigned).update(names)
    return defined - assigned


def heavy_needs(sources: list[str], live: list[bool], heavy: list[bool]) -> list[list[int]]:
    """For each cell, the heavy live cells above it that it needs, through the cells between: a heavy cell is
    needed when it binds, or reads (and so may change), data a later cell reads.  Every other live cell above runs
    anyway; a heavy one only when needed."""
    names = [free_and_bound(source) for source in sources]
    definitions = _definitions(sources) | set(dir(builtins))
    needs = []
    for target in range(len(sources)):
        wanted, found = set(names[target][0]), []
        for index in range(target - 1, -1, -1):
            if not live[index]:
                continue
            free, bound, surely = names[index]
            if heavy[index]:
                if not (bound | (free - definitions)) & wanted:
                    continue
                found.append(index)
            wanted = (wanted - surely) | free
        needs.append(sorted(found))
    return needs


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
    sources = [c["source"] for c in cells]
    # The build's execution cache (Jupyter's, `make html`'s) keeps the live runs too: a chapter runs under the
    # live kernel only when it, its snapshot or the kernel changed.
    cache = app.config.nb_execution_cache_path if app.config.nb_execution_mode == "cache" else None
    data = page_data(sources, [c["tags"] for c in cells], Path(snapshot), source.parent, cache)
    run = run_cells(sources, Path(snapshot), source.parent, cache, static=static, data=data)
    results = run["outputs"]
    reasons = classify(results)
    _check(app.env.docname, cells, results, reasons)
    live = [not reason for reason in reasons]
    heavy = [is_live and seconds > HEAVY_S for is_live, seconds in zip(live, run["seconds"])]
    needs = heavy_needs(sources, live, heavy)

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
            {
                "n": c["n"],
                "live": not reason,
                "why": reason,
                "shown": c["n"] in shown,
                "heavy": round(seconds, 1) if is_heavy else 0,
                "needs": [cells[i]["n"] for i in needed],
            }
            for c, reason, seconds, is_heavy, needed in zip(cells, reasons, run["seconds"], heavy, needs)
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
                "fallback": FALLBACK_TAG in c["tags"],
                "expected": outputs,
                **({"data": data[index]} if index in data else {}),
            }
            for index, (c, reason, outputs) in enumerate(zip(cells, reasons, results))
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
    for name in ("live.js", "live-worker.js", "live.css"):
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
