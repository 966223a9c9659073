"""The book's one Sphinx extension (_config.yml): what the site adds to Jupyter Book's pages.

- Snapshots: each chapter executes on the package tangled from the chapters before it (tools/tangle.py writes
  them under _build/snapshots/; the kernel myst-nb starts for a chapter inherits PYTHONPATH, set here when the
  chapter is read), and a traceback names micrograd/engine.py, not the build's folder.
- Live cells: each runnable code cell gets a Run button and runs in the reader's browser, in Pyodide (CPython in
  WebAssembly, npm `pyodide`, pinned in package-lock.json) with draw_dot's graphs drawn by viz-js (npm
  `@viz-js/viz`), both copied into the site (_static/live/), fetched only at the first Run.  Which cells are
  live is found by running the chapter under plain CPython on its snapshot with NumPy, matplotlib, PyTorch and
  scikit-learn blocked, through the interpreter the page uses (tools/live_kernel.py); a cell that fails for want
  of one of them is *static* and keeps its built output; a cell tagged `raises-exception` must still raise, any
  other failure fails the build.  That run is kept in the build's execution cache, keyed by everything it
  depends on.  The book's checks (cells tagged `remove-cell`) never run in the page.  A cell tagged `live-data`
  makes data with a module the page lacks: the page binds the values the build computed.  A cell that ran over
  HEAVY_S is *heavy*: running a later cell skips it unless that cell needs what it computes (`heavy_needs`).
  Each chapter gets _static/live/chapters/<chapter>.json (its snapshot, cells, and the outputs of the CPython
  run, which the browser test compares with) and a `<script id="live-page">` description for live.js.
- Notebooks: the download and launch (Colab, Binder) buttons offer notebooks/<chapter>.ipynb, which carries its
  snapshot (tools/notebooks.py); a page without one keeps no launch button (the strict build fails).
- index.html: the redirect to the first chapter, written as a small page with the book's title and icon (a bare
  redirect makes a browser ask for /favicon.ico and log a 404).
- book.pdf in every page's download menu (tools/browser.py prints it); the single-page build draws myst-nb's
  folded cells.
- The theme's icons as a subset: Font Awesome's SVG core and the icons the pages use (`write_subset`).
- Each page keeps one copy of each script (Sphinx 7.4 puts a late inline script into every page twice).
"""

from __future__ import annotations

import ast
import base64
import builtins
import hashlib
import json
import mimetypes
import os
import re
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import isurl, logging

from tools import ROOT
from tools.live_kernel import BLOCKED, bound_names
from tools.tangle import BUILD_FOLDER, kernel_pythonpath, write_snapshots

logger = logging.getLogger(__name__)

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
# the tag `live-loose`: the browser test compares it loosely (tests/browser/test_live.py: digits masked, a
# message may be shorter).  The tag `live-static` keeps a cell that could run as built (it reads the repository's
# files, or needs more stack than a browser gives its worker: freeing a graph thousands of nodes deep); the page
# gives this reason:
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


# -- each chapter on its snapshot -----------------------------------------------------------------------------


def write_build_snapshots(app: Sphinx) -> None:
    folders = write_snapshots(Path(app.srcdir), Path(app.outdir).parent / BUILD_FOLDER)
    app.env.micrograd_snapshots = {str(k): str(v) for k, v in folders.items()}
    app.env.micrograd_pythonpath = os.environ.get("PYTHONPATH")


def use_snapshot(app: Sphinx, docname: str, source: list[str]) -> None:
    """Sphinx reads the chapters one after the other, and myst-nb executes a chapter while reading it, in a kernel
    that inherits this process's environment: PYTHONPATH set now puts that chapter's snapshot, and only it, there."""
    snapshot = app.env.micrograd_snapshots.get(str(Path(app.env.doc2path(docname)).resolve()))
    if snapshot is None:
        raise RuntimeError(f"{docname}: not a chapter of _toc.yml, so it has no snapshot of micrograd to run on")
    os.environ["PYTHONPATH"] = kernel_pythonpath(Path(snapshot), app.env.micrograd_pythonpath, Path(app.srcdir))


_SNAPSHOT_PREFIX = re.compile(r"[^\s'\"]*_build/" + BUILD_FOLDER + r"/[^/\s]+/")


def relative_tracebacks(app: Sphinx, doctree) -> None:
    """A traceback into the package names micrograd/engine.py, not the folder of the machine that built the page."""
    for block in doctree.findall(nodes.literal_block):
        text = block.astext()
        if _SNAPSHOT_PREFIX.search(text):
            fixed = _SNAPSHOT_PREFIX.sub("", text)
            block.rawsource = fixed
            block[:] = [nodes.Text(fixed)]


# -- the notebook behind the download and launch buttons; one copy of each script ----------------------------

NOTEBOOKS = "notebooks"  # tools.notebooks.FOLDER


def _notebook(app: Sphinx, pagename: str) -> Path | None:
    """notebooks/<page>.ipynb for a page that is a chapter with a generated notebook."""
    if pagename not in app.env.all_docs:
        return None
    source = Path(app.env.doc2path(pagename))
    path = Path(app.srcdir) / NOTEBOOKS / (source.stem + ".ipynb")
    return path if source.suffix == ".md" and path.is_file() else None


def offer_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Before the theme makes its buttons: the download menu offers the page's notebook."""
    if _notebook(app, pagename):
        context["ipynb_source"] = pagename + ".ipynb"


def point_buttons_at_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """After the theme made its buttons: ship the notebook, and launch it rather than the markdown file (which
    Colab cannot open)."""
    notebook = _notebook(app, pagename)
    if notebook:
        target = Path(app.outdir) / "_sources" / (pagename + ".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, target)  # replaces the executed copy the theme may have put there
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        if not notebook:
            logger.warning(
                f"{pagename}: no notebook {NOTEBOOKS}/{Path(pagename).name}.ipynb for the launch buttons "
                "(run `make notebooks`)",
                type="sphinx_site",
                subtype="notebook",
            )
            context["header_buttons"] = [b for b in context["header_buttons"] if b is not group]
            return
        prefix = (app.config.html_theme_options.get("path_to_docs") or "").strip("/")
        page_file = f"{prefix + '/' if prefix else ''}{pagename}{Path(app.env.doc2path(pagename)).suffix}"
        notebook_file = notebook.relative_to(Path(app.srcdir)).as_posix()
        for button in group.get("buttons", []):
            url = button.get("url", "")
            if page_file not in url:
                logger.warning(
                    f"{pagename}: cannot point the {button.get('text')} button at {notebook_file}: {url}",
                    type="sphinx_site",
                    subtype="notebook",
                )
                continue
            button["url"] = url.replace(page_file, notebook_file)


def one_of_each_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        key = (
            getattr(script, "filename", None) or "",
            getattr(script, "priority", 500),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    context["script_files"] = scripts


# -- index.html, with the book's icon; book.pdf in the download menu -------------------------------------------

INDEX_PAGE = """<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<title>{title}</title>
{icon}<meta http-equiv="Refresh" content="0; url={first}">
</head>
<body>
<p><a href="{first}">{title}</a></p>
</body>
</html>
"""


def write_index(app: Sphinx, exception: Exception | None) -> None:
    """The book has no index page, so sphinx-external-toc writes index.html as a bare redirect when none exists;
    this writes it first, with the icon in the page (a data: URL: the browser leaves at once, and would abort a
    request for it)."""
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    first = app.builder.get_target_uri(app.config.root_doc)
    favicon, icon = app.config.html_favicon, ""
    if favicon:
        href = favicon
        if not isurl(favicon):
            path = Path(app.confdir) / favicon
            kind = mimetypes.guess_type(path.name)[0] or "image/x-icon"
            href = f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
        icon = f'<link rel="icon" href="{escape(href)}">\n'
    title = app.config.html_title or app.config.project or ""
    page = INDEX_PAGE.format(
        language=escape(app.config.language or "en"), title=escape(title), icon=icon, first=escape(first)
    )
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def offer_pdf(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Every page's download menu offers the whole book as one PDF, next to the page's own files."""
    if app.builder.name != "html":
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"]("book.pdf", 1),
                    "text": "book.pdf",
                    "tooltip": "Download the whole book as one PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


# The theme's icons as a subset: the site serves Font Awesome's SVG core and only the icons its pages use.
#
# pydata-sphinx-theme loads _static/scripts/fontawesome.js on every page, Font Awesome Free's all.js: the SVG core
# (which turns each `<i class="fa-solid fa-sun">` into an inline `<svg>`) and the data of every icon Font Awesome
# Free has, 1.49 MB, for the seventeen that the headers, the sidebars and the download menu show.  After the site is
# built (Sphinx's `build-finished`, builder "html"), this extension writes in its place the core of the same release
# from npm (@fortawesome/fontawesome-free, pinned in package-lock.json), followed by the definitions of the icons the
# site names, read from that package's metadata and added with `FontAwesome.library.add`, the core's public way
# to add icons.  The icons are found in the built pages' class attributes and in the theme's scripts (which make a
# few at run time), in every style Font Awesome Free has: solid (`fa-solid`, `fas`, `fa`), regular (`fa-regular`,
# `far`) and brands (`fa-brands`, `fab`); an alias such as `fa-file-download` names the icon it stands for.
#
# The theme's CSS icons (admonitions' titles, drawn with the webfonts) do not use this file and are left as they
# are.  tests/browser/test_devices.py checks in the browser that every icon a page shows is drawn.
PACKAGE = ROOT / "node_modules" / "@fortawesome" / "fontawesome-free"
CORE = PACKAGE / "js" / "fontawesome.min.js"
METADATA = PACKAGE / "metadata" / "icon-families.json"
TARGET = Path("_static") / "scripts" / "fontawesome.js"
# Each style class and the icon prefix and metadata style it stands for.
STYLES = {
    "fa": ("fas", "solid"),
    "fas": ("fas", "solid"),
    "fa-solid": ("fas", "solid"),
    "far": ("far", "regular"),
    "fa-regular": ("far", "regular"),
    "fab": ("fab", "brands"),
    "fa-brands": ("fab", "brands"),
}
# A class attribute in a page, or a string in a script that holds a style class and an icon's class.
CLASS_ATTRIBUTE = re.compile(r"""class\s*=\s*(?:"([^"]*)"|'([^']*)')""")
SCRIPT_STRING = re.compile(
    r"""["'`]((?:[\w-]+\s+)*(?:fa|fas|far|fab|fa-solid|fa-regular|fa-brands)\s+fa-[\w\s-]*)["'`]"""
)


def _names() -> dict[str, tuple[str, dict]]:
    """Every icon's name and alias: (its name, its metadata)."""
    icons = json.loads(METADATA.read_text(encoding="utf-8"))
    names = {}
    for name, data in icons.items():
        names[name] = (name, data)
        for alias in data.get("aliases", {}).get("names", []):
            names.setdefault(alias, (name, data))
    return names


def _classes(site: Path) -> list[str]:
    """The class lists of the site's pages and the icon classes its scripts write."""
    found = []
    for page in site.rglob("*.html"):
        found += [a or b for a, b in CLASS_ATTRIBUTE.findall(page.read_text(encoding="utf-8", errors="replace"))]
    for script in (site / "_static").rglob("*.js"):
        if script.name != "fontawesome.js" and script.stat().st_size < 2_000_000:
            found += SCRIPT_STRING.findall(script.read_text(encoding="utf-8", errors="replace"))
    return found


def used_icons(site: Path) -> dict[tuple[str, str], list]:
    """The icons the site names: {(prefix, name): [width, height, aliases, unicode, path]}, as the core takes them."""
    names = _names()
    icons: dict[tuple[str, str], list] = {}
    for classes in _classes(site):
        tokens = classes.split()
        style = next((STYLES[t] for t in tokens if t in STYLES), None)
        if style is None:
            continue
        prefix, family_style = style
        for token in tokens:
            if not token.startswith("fa-") or token in STYLES or token[3:] not in names:
                continue
            name, data = names[token[3:]]
            svg = data.get("svgs", {}).get("classic", {}).get(family_style)
            if svg is None:
                continue
            aliases = data.get("aliases", {}).get("names", [])
            icons[(prefix, name)] = [svg["width"], svg["height"], aliases, data["unicode"], svg["path"]]
    return icons


def subset_script(icons: dict[tuple[str, str], list]) -> str:
    """Font Awesome's SVG core followed by the definitions of `icons`."""
    definitions = [{"prefix": prefix, "iconName": name, "icon": icon} for (prefix, name), icon in sorted(icons.items())]
    return (
        CORE.read_text(encoding="utf-8").rstrip()
        + "\n/* The icons the site's pages use (tools/sphinx_ext.py). */\n"
        + f"FontAwesome.library.add(...{json.dumps(definitions, separators=(',', ':'))});\n"
    )


def check_package(app) -> None:
    if app.builder.name == "html" and not (CORE.is_file() and METADATA.is_file()):
        logger.warning(
            f"Font Awesome is not installed ({PACKAGE.relative_to(ROOT)} is missing): run `make setup`, which "
            "installs it with `npm ci`",
            type="icons",
            subtype="package",
        )


def write_subset(app, exception: Exception | None) -> None:
    site = Path(app.outdir)
    if exception is not None or app.builder.name != "html" or not (site / TARGET).is_file():
        return
    if not (CORE.is_file() and METADATA.is_file()):
        return
    (site / TARGET).write_text(subset_script(used_icons(site)), encoding="utf-8")
    # The theme's source map describes the file replaced.
    (site / TARGET).with_name(TARGET.name + ".map").unlink(missing_ok=True)


def read_in_parallel(app) -> None:
    """Chapters execute in parallel (tools/site_config.py): these extensions of Jupyter Book's keep no state
    while documents are read (section numbers, static files, LaTeX settings), but do not say so."""
    for name in ("sphinx_multitoc_numbering", "sphinx-mathjax-offline", "sphinx_jupyterbook_latex"):
        if name in app.extensions:
            app.extensions[name].parallel_read_safe = True


def mix_chapters(app, env, docnames: list) -> None:
    """Sphinx gives each process a run of consecutive documents: alternate them, so that the long chapters
    at the book's end do not all go to one process."""
    docnames[:] = docnames[::2] + docnames[1::2]


def setup(app: Sphinx) -> dict:
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput

    # The single-page build (the PDF) draws myst-nb's folded cells (myst-nb registers them for "html" only).
    app.add_node(HideCodeCellNode, override=True, singlehtml=(visit_HideCellInput, depart_HideCellInput))
    app.connect("builder-inited", write_build_snapshots)
    app.connect("builder-inited", read_in_parallel)
    app.connect("env-before-read-docs", mix_chapters)
    app.connect("builder-inited", check_runtime)
    app.connect("source-read", use_snapshot)
    # After myst-nb executed the chapter while parsing it: first the tracebacks, then the live cells.
    app.connect("doctree-read", relative_tracebacks)
    app.connect("doctree-read", mark_cells)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    # sphinx-book-theme adds its launch, source and download buttons at priority 501.
    app.connect("html-page-context", offer_notebook, priority=500)
    app.connect("html-page-context", add_script)
    app.connect("html-page-context", point_buttons_at_notebook, priority=600)
    app.connect("html-page-context", offer_pdf, priority=600)
    app.connect("html-page-context", one_of_each_script, priority=900)
    # Before sphinx-external-toc's build-finished handler (500), which writes a bare redirect when there is none.
    app.connect("build-finished", write_index, priority=400)
    app.connect("builder-inited", check_package)
    app.connect("build-finished", write_files)
    app.connect("build-finished", write_subset)
    # Each process sets PYTHONPATH for the chapter it reads; `merge` gathers the live pages.
    return {"parallel_read_safe": True, "parallel_write_safe": True}
