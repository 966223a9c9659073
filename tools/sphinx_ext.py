"""The book's one Sphinx extension (_config.yml): what the site adds to Jupyter Book's pages.

- Snapshots: each chapter executes on the package the chapters before it left; its tracebacks name micrograd/.
- Live cells: the build runs each chapter through book/_static/live_kernel.py under CPython, NumPy & co. blocked:
  a cell that fails for want of them is *static*, any other failure fails the build; one slower than HEAVY_S is
  *heavy* (a later cell runs it only if it needs it).  live.js gets _static/live/ and a `<script id="live-page">`.
- The buttons offer notebooks/<chapter>.ipynb and book.pdf; index.html carries the icon; the theme's icons are a
  subset; each page keeps one copy of each script.
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
import types
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import isurl, logging

from tools import ROOT
from tools.chapters import CHECK_TAG, read_notebook
from tools.notebooks import imports, notebook_path
from tools.tangle import kernel_pythonpath, snapshots, write

logger = logging.getLogger(__name__)

# The page's interpreter, loaded from its source (no bytecode in book/_static, which the site copies).
KERNEL = ROOT / "book" / "_static" / "live_kernel.py"
live_kernel = types.ModuleType("live_kernel")
live_kernel.__file__ = str(KERNEL)
exec(compile(KERNEL.read_text(encoding="utf-8"), str(KERNEL), "exec"), vars(live_kernel))
NODE_MODULES = ROOT / "node_modules"
SNAPSHOTS = "snapshots"  # _build/snapshots/<chapter>/micrograd
# What the site serves of the npm packages: Pyodide's core and standard library (13 MB), and viz-js.
RUNTIME = {
    "pyodide": ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"],
    "@viz-js/viz": ["dist/viz-global.js"],
}
# Cell tags: `live-loose`, an output that cannot repeat exactly; `live-static`, kept as built; `live-fallback`,
# checks less without PyTorch; `live-data`, data made with a module the page lacks (the page gets the values).
STATIC_TAG_REASON = "the book keeps it out of the page"  # unless it imports a BLOCKED module: then it needs that
FALLBACK_TAG = "live-fallback"
DATA_TAG = "live-data"
HEAVY_S = 1.0  # seconds under CPython in the build (the page's Python is slower still)
# What the page's `<script id="live-page">` says of each cell; the last three are in it only.
PAGE_ONLY = ("shown", "heavy", "needs")
PAGE_KEYS = ("n", "live", "why", *PAGE_ONLY)


def check_npm(app: Sphinx) -> None:
    """The site's pages need the npm packages (node_modules/); the PDF's single page does not."""
    app.env.live_pages = getattr(app.env, "live_pages", {})
    needed = [NODE_MODULES / package / name for package, names in RUNTIME.items() for name in names]
    missing = [path for path in [*needed, CORE, METADATA] if not path.is_file()]
    if app.builder.name == "html" and missing:
        problem = f"{missing[0].relative_to(ROOT)} is missing: run `make setup`, which installs it with `npm ci`"
        logger.warning(problem, type="live_page", subtype="runtime")


# -- which cells are live --------------------------------------------------------------------------------------


def _code_cells(path: Path, srcdir: Path) -> list[dict]:
    """The code cells the page runs (the book's checks left out): index in the notebook, source and tags."""
    notebook = read_notebook(path, srcdir)
    return [
        {"n": index, "source": cell.source, "tags": list(cell.metadata.get("tags", []))}
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and CHECK_TAG not in cell.metadata.get("tags", [])
    ]


def run_cells(sources: list[str], snapshot: Path, cwd: Path, cache: Path | None = None, **request) -> dict:
    """The cells run by the live kernel's `main` (asked `request` too) under CPython on `snapshot` alone; kept in
    `cache` under a digest of all the run depends on."""
    key = json.dumps(
        [KERNEL.read_text(encoding="utf-8"), _files(snapshot), sources, request, sys.version], sort_keys=True
    )
    kept = Path(cache) / "live" / f"{hashlib.sha256(key.encode()).hexdigest()}.json" if cache else None
    if kept and kept.is_file():
        return json.loads(kept.read_text(encoding="utf-8"))
    env = {**os.environ, "PYTHONPATH": str(snapshot), "PYTHONHASHSEED": "0"}
    result = subprocess.run(
        [sys.executable, str(KERNEL)],
        input=json.dumps({"cells": sources, **request}),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"book/_static/live_kernel.py failed:\n{result.stderr[-3000:]}")
    if kept:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(result.stdout, encoding="utf-8")
    return json.loads(result.stdout)


def page_data(sources: list[str], tags: list[list[str]], snapshot: Path, cwd: Path, cache=None) -> dict[int, dict]:
    """{index: {"values", "outputs"}} of each `live-data` cell, from a run with every module importable."""
    wanted = [index for index, cell_tags in enumerate(tags) if DATA_TAG in cell_tags]
    if not wanted:
        return {}
    run = run_cells(sources[: wanted[-1] + 1], snapshot, cwd, cache, collect=wanted, block=False)
    return {index: {"values": run["values"][str(index)], "outputs": run["outputs"][index]} for index in wanted}


def free_and_bound(source: str) -> tuple[set[str], set[str], set[str]]:
    """What a cell reads that an earlier cell must have bound, what it may bind, and what it surely rebinds."""
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
        names = live_kernel.bound_names(statement)
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
            names = live_kernel.bound_names(statement)
            kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            (defined if isinstance(statement, kinds) else assigned).update(names)
    return defined - assigned


def heavy_needs(sources: list[str], live: list[bool], heavy: list[bool]) -> list[list[int]]:
    """For each cell, the heavy live cells above it that bind, or read and may change, data it (or one it needs)
    reads."""
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


def _check(docname: str, cells: list[dict], results: list[list[dict]], reasons: list[str]) -> None:
    """A live cell raises in the live kernel exactly when it is tagged raises-exception."""
    for cell, outputs, reason in zip(cells, results, reasons):
        errors = [o["traceback"] for o in outputs if o["type"] == "error"]
        raises = "raises-exception" in cell["tags"]
        if not reason and bool(errors) != raises:
            problem = "raised nothing, though tagged raises-exception" if raises else f"failed:\n{errors[0]}"
            where = f"{docname}: cell {cell['n']}, run as a live cell (book/_static/live_kernel.py),"
            logger.warning(f"{where} {problem}", type="live_page", subtype="kernel")


def _tag_reason(source: str) -> str:
    """Why a cell tagged live-static is: the first module of BLOCKED it imports (the page says it needs that),
    else STATIC_TAG_REASON."""
    try:
        imported = {name.split(".")[0] for name in imports(source)}
    except SyntaxError:
        return STATIC_TAG_REASON
    return next((module for module in live_kernel.BLOCKED if module in imported), STATIC_TAG_REASON)


def mark_cells(app: Sphinx, doctree: nodes.document) -> None:
    """After myst-nb executed a chapter: find its live cells, mark them in the page, describe them for live.js."""
    if app.builder.name != "html":
        return
    source = Path(app.env.doc2path(app.env.docname)).resolve()
    snapshot = getattr(app.env, "micrograd_snapshots", {}).get(str(source))
    cells = _code_cells(source, Path(app.srcdir)) if snapshot and source.suffix == ".md" else []
    if not cells:
        return
    static = {index: _tag_reason(cell["source"]) for index, cell in enumerate(cells) if "live-static" in cell["tags"]}
    sources = [c["source"] for c in cells]
    # The build's execution cache keeps the live runs too.
    cache = app.config.nb_execution_cache_path if app.config.nb_execution_mode == "cache" else None
    data = page_data(sources, [c["tags"] for c in cells], Path(snapshot), source.parent, cache)
    run = run_cells(sources, Path(snapshot), source.parent, cache, static=static, data=data)
    results = run["outputs"]
    why = [next((o["module"] for o in outputs if o["type"] == "static"), "") for outputs in results]
    reasons = [f"needs {module}" if module in live_kernel.BLOCKED else module for module in why]  # "" if live
    _check(app.env.docname, cells, results, reasons)
    live = [not reason for reason in reasons]
    heavy = [is_live and seconds > HEAVY_S for is_live, seconds in zip(live, run["seconds"])]
    needs = heavy_needs(sources, live, heavy)

    shown = set()  # the cells whose code the page shows
    for container in doctree.findall(nodes.container):
        if container.get("nb_element") == "cell_code":
            container["classes"].append(f"live-cell-{container.get('cell_index')}")
            if any(child.get("nb_element") == "cell_code_source" for child in container.children):
                shown.add(container.get("cell_index"))

    # Each cell described once; the page gets the part it needs to draw and order the cells, live.js the rest.
    described = [
        {
            "n": c["n"],
            "source": c["source"],
            "live": not reasons[index],
            "why": reasons[index],
            "shown": c["n"] in shown,
            "heavy": round(run["seconds"][index], 1) if heavy[index] else 0,
            "needs": [cells[i]["n"] for i in needs[index]],
            "raises": "raises-exception" in c["tags"],
            "loose": "live-loose" in c["tags"],
            "fallback": FALLBACK_TAG in c["tags"],
            "expected": results[index],
            **({"data": data[index]} if index in data else {}),
        }
        for index, c in enumerate(cells)
    ]
    page = {"chapter": source.stem, "cells": [{k: cell[k] for k in PAGE_KEYS} for cell in described]}
    text = json.dumps(page, separators=(",", ":")).replace("</", "<\\/")
    doctree.append(nodes.raw("", f'<script type="application/json" id="live-page">{text}</script>\n', format="html"))
    app.env.live_pages[app.env.docname] = {
        "chapter": source.stem,
        "snapshot": _files(Path(snapshot)),
        "cells": [{k: v for k, v in cell.items() if k not in PAGE_ONLY} for cell in described],
    }


def _files(snapshot: Path) -> dict[str, str]:
    return {p.relative_to(snapshot).as_posix(): p.read_text(encoding="utf-8") for p in sorted(snapshot.rglob("*.py"))}


def purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "live_pages", {}).pop(docname, None)


def merge(app: Sphinx, env, docnames, other) -> None:
    """A process that read chapters in parallel hands back their live pages."""
    env.live_pages = getattr(env, "live_pages", {})
    env.live_pages.update({name: data for name, data in getattr(other, "live_pages", {}).items() if name in docnames})


def add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Only a chapter with cells loads live.js (a few kilobytes; the runtimes wait for the first Run)."""
    if pagename in getattr(app.env, "live_pages", {}):
        app.add_js_file("live.js", defer="defer")
        app.add_css_file("live.css")


def write_files(app: Sphinx, exception: Exception | None) -> None:
    """_static/live/: the runtimes, the Python the page adds to Pyodide's (the kernel and `graphviz`), and each
    chapter's description."""
    import graphviz

    if exception is not None or app.builder.name != "html":
        return
    target = Path(app.outdir) / "_static" / "live"
    shutil.rmtree(target, ignore_errors=True)
    for package, names in RUNTIME.items():
        for name in names:
            if (NODE_MODULES / package / name).is_file():
                (target / package.split("/")[-1]).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(NODE_MODULES / package / name, target / package.split("/")[-1] / Path(name).name)
    python = {"live_kernel.py": KERNEL.read_text(encoding="utf-8")}
    python |= {f"graphviz/{name}": text for name, text in _files(Path(graphviz.__file__).parent).items()}
    (target / "python.json").write_text(json.dumps(python, sort_keys=True), encoding="utf-8")
    (target / "chapters").mkdir(parents=True, exist_ok=True)
    for data in app.env.live_pages.values():
        (target / "chapters" / f"{data['chapter']}.json").write_text(json.dumps(data), encoding="utf-8")


# -- each chapter on its snapshot -----------------------------------------------------------------------------


def write_build_snapshots(app: Sphinx) -> None:
    app.env.micrograd_snapshots = {}
    for chapter, files in snapshots(Path(app.srcdir)).items():
        folder = Path(app.outdir).parent / SNAPSHOTS / chapter.stem
        write(files, folder)
        app.env.micrograd_snapshots[str(chapter.resolve())] = str(folder)
    app.env.micrograd_pythonpath = os.environ.get("PYTHONPATH")


def use_snapshot(app: Sphinx, docname: str, source: list[str]) -> None:
    """myst-nb's kernel, started as Sphinx reads the chapter, inherits PYTHONPATH: the chapter's snapshot."""
    snapshot = app.env.micrograd_snapshots.get(str(Path(app.env.doc2path(docname)).resolve()))
    if snapshot is None:
        raise RuntimeError(f"{docname}: not a chapter of _toc.yml, so it has no snapshot of micrograd to run on")
    os.environ["PYTHONPATH"] = kernel_pythonpath(Path(snapshot), app.env.micrograd_pythonpath, Path(app.srcdir))


_SNAPSHOT_PREFIX = re.compile(r"[^\s'\"]*_build/" + SNAPSHOTS + r"/[^/\s]+/")


def relative_tracebacks(app: Sphinx, doctree) -> None:
    """A traceback names micrograd/engine.py, not the folder of the machine that built the page."""
    for block in doctree.findall(nodes.literal_block):
        text = block.astext()
        if _SNAPSHOT_PREFIX.search(text):
            fixed = _SNAPSHOT_PREFIX.sub("", text)
            block.rawsource = fixed
            block[:] = [nodes.Text(fixed)]


# -- the notebook behind the download and launch buttons; one copy of each script ----------------------------


def _notebook(app: Sphinx, pagename: str) -> Path | None:
    """notebooks/<page>.ipynb for a page that is a chapter with a generated notebook."""
    if pagename not in app.env.all_docs:
        return None
    source = Path(app.env.doc2path(pagename))
    path = notebook_path(source, Path(app.srcdir))
    return path if source.suffix == ".md" and path.is_file() else None


def offer_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Before the theme makes its buttons: the download menu offers the page's notebook."""
    if _notebook(app, pagename):
        context["ipynb_source"] = pagename + ".ipynb"


def point_buttons_at_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """After the theme made its buttons: ship the notebook, and launch it, not the markdown file."""
    notebook = _notebook(app, pagename)
    if notebook:
        target = Path(app.outdir) / "_sources" / (pagename + ".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, target)  # replaces the executed copy the theme may have put there
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        if not notebook:
            problem = f"no notebook notebooks/{Path(pagename).name}.ipynb for the launch buttons (run `make notebooks`)"
            logger.warning(f"{pagename}: {problem}", type="sphinx_site", subtype="notebook")
            context["header_buttons"] = [b for b in context["header_buttons"] if b is not group]
            return
        prefix = (app.config.html_theme_options.get("path_to_docs") or "").strip("/")
        page_file = f"{prefix + '/' if prefix else ''}{pagename}{Path(app.env.doc2path(pagename)).suffix}"
        notebook_file = notebook.relative_to(Path(app.srcdir)).as_posix()
        for button in group.get("buttons", []):
            url = button.get("url", "")
            if page_file not in url:
                problem = f"cannot point the {button.get('text')} button at {notebook_file}: {url}"
                logger.warning(f"{pagename}: {problem}", type="sphinx_site", subtype="notebook")
                continue
            button["url"] = url.replace(page_file, notebook_file)


def one_of_each_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Sphinx 7.4 puts a script added late into every page twice."""
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
    """index.html, before sphinx-external-toc writes a bare one: the icon as a data: URL (the browser leaves at
    once)."""
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


# The theme's icons as a subset: _static/scripts/fontawesome.js (all of Font Awesome, 1.49 MB) is replaced by the
# SVG core of the same release and the icons the pages' classes and the theme's scripts name.
PACKAGE = ROOT / "node_modules" / "@fortawesome" / "fontawesome-free"
CORE = PACKAGE / "js" / "fontawesome.min.js"
METADATA = PACKAGE / "metadata" / "icon-families.json"
TARGET = Path("_static") / "scripts" / "fontawesome.js"
FAMILY = {"fas": "solid", "far": "regular", "fab": "brands"}  # each prefix's style in the metadata
STYLES = {"fa": "fas"} | {name: prefix for prefix in FAMILY for name in (prefix, f"fa-{FAMILY[prefix]}")}
# A class attribute in a page, or a string in a script that holds a style class and an icon's class.
CLASS_ATTRIBUTE = re.compile(r"""class\s*=\s*(?:"([^"]*)"|'([^']*)')""")
SCRIPT_STRING = re.compile(
    r"""["'`]((?:[\w-]+\s+)*(?:fa|fas|far|fab|fa-solid|fa-regular|fa-brands)\s+fa-[\w\s-]*)["'`]"""
)


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
    names = {}  # every icon's name and alias: (its name, its metadata)
    for name, data in json.loads(METADATA.read_text(encoding="utf-8")).items():
        names[name] = (name, data)
        for alias in data.get("aliases", {}).get("names", []):
            names.setdefault(alias, (name, data))
    icons: dict[tuple[str, str], list] = {}
    for classes in _classes(site):
        tokens = classes.split()
        prefix = next((STYLES[t] for t in tokens if t in STYLES), None)
        for token in tokens if prefix else []:
            if not token.startswith("fa-") or token in STYLES or token[3:] not in names:
                continue
            name, data = names[token[3:]]
            svg = data.get("svgs", {}).get("classic", {}).get(FAMILY[prefix])
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


def write_subset(app, exception: Exception | None) -> None:
    site = Path(app.outdir)
    if exception is None and app.builder.name == "html" and (site / TARGET).is_file() and METADATA.is_file():
        (site / TARGET).write_text(subset_script(used_icons(site)), encoding="utf-8")
        (site / TARGET).with_name(TARGET.name + ".map").unlink(missing_ok=True)  # it maps the file replaced


def read_in_parallel(app) -> None:
    """Chapters execute in parallel: these extensions keep no state while documents are read, but do not say so."""
    for name in ("sphinx_multitoc_numbering", "sphinx-mathjax-offline", "sphinx_jupyterbook_latex"):
        if name in app.extensions:
            app.extensions[name].parallel_read_safe = True


def setup(app: Sphinx) -> dict:
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput

    # The single-page build (the PDF) draws myst-nb's folded cells (myst-nb registers them for "html" only).
    app.add_node(HideCodeCellNode, override=True, singlehtml=(visit_HideCellInput, depart_HideCellInput))
    app.connect("builder-inited", write_build_snapshots)
    app.connect("builder-inited", check_npm)
    app.connect("builder-inited", read_in_parallel)
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
    app.connect("build-finished", write_files)
    app.connect("build-finished", write_subset)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
