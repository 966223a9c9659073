"""Execute chapters as the build would, each in a fresh kernel; report the first failing cell.

    python -m tools.run_chapter book/05-backpropagation.md [more chapters]

`micrograd` is imported from whatever PYTHONPATH says (the tests point it at a partly tangled package).
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from myst_nb.core.read import read_myst_markdown_notebook

from tools.chapters import ROOT, ChapterError, parser_config


def execute_chapter(path: Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell of a chapter in a new kernel, in the chapter's folder; raise ChapterError on failure."""
    path = Path(path).resolve()
    notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), parser_config(), add_source_map=True)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        line = next((at for cell, at in zip(notebook.cells, notebook.metadata["source_map"])
                     if cell.get("outputs") and any(o.get("output_type") == "error" for o in cell.outputs)), None)
        raise ChapterError(path, line, f"a cell failed:\n{error}") from None
    return notebook


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        try:
            execute_chapter(ROOT / name if not Path(name).is_absolute() else Path(name))
        except ChapterError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"ok: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
