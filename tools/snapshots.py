"""Each chapter runs on the engine the reader has built so far.

A chapter's *snapshot* is the `micrograd` package tangled from the chapters before it in `_toc.yml`.  The
chapter's own cells then add to it in reading order, exactly as a reader's notebook does.  The one rule holds
everywhere a chapter runs:

- the build (the Sphinx extension below) executes each chapter with only its snapshot importable, so every
  output on the page comes from the reader's engine as of that chapter;
- `python -m tools.run_chapter` does the same for one chapter;
- each notebook under notebooks/ carries its snapshot and writes it before its first cell (tools/notebooks.py).

    snapshot(chapter)                  {"micrograd/engine.py": text, ...}, the package one chapter starts from
    snapshots(root)                    {chapter: its snapshot}, for every chapter
    write_snapshots(root, folder)      folder/<chapter>/micrograd/..., one folder per chapter
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes

from tools.chapters import ROOT
from tools.tangle import tangle_all, write

# Where the build keeps the snapshots, beside the site (OUTPUT/_build/snapshots/<chapter>/micrograd).
BUILD_FOLDER = "snapshots"


def snapshot(chapter: Path, root: Path = ROOT) -> dict[str, str]:
    """The package one chapter of _toc.yml starts from: the chapters before it, tangled."""
    found = {c.resolve(): files for c, files in snapshots(root).items()}
    return found[Path(chapter).resolve()]


def snapshots(root: Path = ROOT) -> dict[Path, dict[str, str]]:
    """The package each chapter starts from: the chapters before it, tangled."""
    return tangle_all(root)[1]


def write_snapshots(root: Path, folder: Path) -> dict[Path, Path]:
    """Write every chapter's snapshot under folder/<chapter>; return {chapter: its folder}."""
    folders = {}
    for chapter, files in snapshots(root).items():
        target = Path(folder) / chapter.stem
        write(files, target)
        folders[chapter.resolve()] = target
    return folders


def kernel_pythonpath(snapshot: Path, current: str | None, root: Path = ROOT) -> str:
    """PYTHONPATH for a chapter's kernel: its snapshot, and none of the checkout's finished package."""
    kept = [
        entry for entry in (current or "").split(os.pathsep) if entry and Path(entry).resolve() != Path(root).resolve()
    ]
    return os.pathsep.join([str(snapshot), *kept])


# ---------------------------------------------------------------------------------------------------------------
# The Sphinx extension: every chapter of the build executes on its snapshot.
#
# Sphinx reads documents one after the other, and myst-nb executes a chapter while reading it; the kernel it
# starts inherits this process's environment.  So setting PYTHONPATH when a chapter's source is read puts that
# chapter's snapshot, and only it, on the kernel's path.


def _write_build_snapshots(app) -> None:
    folder = Path(app.outdir).parent / BUILD_FOLDER
    folders = write_snapshots(Path(app.srcdir), folder)
    app.env.micrograd_snapshots = {str(k): str(v) for k, v in folders.items()}
    app.env.micrograd_pythonpath = os.environ.get("PYTHONPATH")


def _use_snapshot(app, docname: str, source: list[str]) -> None:
    chapter = str(Path(app.env.doc2path(docname)).resolve())
    snapshot = app.env.micrograd_snapshots.get(chapter)
    if snapshot is None:
        raise RuntimeError(f"{docname}: not a chapter of _toc.yml, so it has no snapshot of micrograd to run on")
    os.environ["PYTHONPATH"] = kernel_pythonpath(Path(snapshot), app.env.micrograd_pythonpath, Path(app.srcdir))


# A traceback into the package names the file the reader tangled, micrograd/engine.py, and not the folder of the
# machine that built the page (whichever build produced the cached output).
_SNAPSHOT_PREFIX = re.compile(r"[^\s'\"]*_build/" + BUILD_FOLDER + r"/[^/\s]+/")


def _relative_tracebacks(app, doctree) -> None:
    for block in doctree.findall(nodes.literal_block):
        text = block.astext()
        if _SNAPSHOT_PREFIX.search(text):
            fixed = _SNAPSHOT_PREFIX.sub("", text)
            block.rawsource = fixed
            block[:] = [nodes.Text(fixed)]


def setup(app) -> dict:
    app.connect("builder-inited", _write_build_snapshots)
    app.connect("source-read", _use_snapshot)
    app.connect("doctree-read", _relative_tracebacks)
    # Reading in parallel would run chapters in other processes, each with its own environment.
    return {"parallel_read_safe": False, "parallel_write_safe": True}
