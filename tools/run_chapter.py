"""Execute chapters as the build would: each in a fresh kernel, on its snapshot; report the first failing cell.

    python -m tools.run_chapter book/04-backpropagation.md [more chapters]

The kernel can import only the chapter's snapshot of `micrograd`, the package tangled from the chapters before
it (tools/snapshots.py), as in the build.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools.chapters import ROOT, ChapterError, parser_config
from tools.snapshots import kernel_pythonpath, snapshot
from tools.tangle import write


def execute_chapter(path: Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell of a chapter in a new kernel, in the chapter's folder; raise ChapterError on failure."""
    path = Path(path).resolve()
    notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), parser_config(), add_source_map=True)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    try:
        client.execute()
    except CellExecutionError as error:
        line = next(
            (
                at
                for cell, at in zip(notebook.cells, notebook.metadata["source_map"])
                if cell.get("outputs") and any(o.get("output_type") == "error" for o in cell.outputs)
            ),
            None,
        )
        raise ChapterError(path, line, f"a cell failed:\n{error}") from None
    return notebook


def run_on_snapshot(path: Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Execute a chapter of _toc.yml with only its snapshot of `micrograd` importable."""
    saved = os.environ.get("PYTHONPATH")
    with tempfile.TemporaryDirectory(prefix="snapshot-") as folder:
        write(snapshot(path), Path(folder))
        os.environ["PYTHONPATH"] = kernel_pythonpath(Path(folder), saved)
        try:
            return execute_chapter(path, timeout)
        finally:
            if saved is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = saved


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        try:
            run_on_snapshot(ROOT / name if not Path(name).is_absolute() else Path(name))
        except ChapterError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"ok: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
