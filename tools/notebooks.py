"""Write notebooks/: each chapter as a Jupyter notebook that runs on its own (Colab, Binder, a download).

    python -m tools.notebooks            write notebooks/ from the chapters (`make notebooks`, `make tangle`)
    python -m tools.notebooks --check    fail, naming each stale notebook, when notebooks/ differs

A notebook is its chapter read by jupytext (the same cells the build executes) with one code cell put first:
it installs the book's `micrograd` package from the book's repository when `import micrograd` fails, which is
the case on Colab, on Binder and in a downloaded notebook.  The repository's address is `repository.url` in
`_config.yml`, the one place it is written.  Like micrograd/, notebooks/ is generated and committed: Colab
opens notebooks straight from the repository on GitHub.  Never edit it by hand.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

from tools.chapters import ROOT, toc_chapters
from tools.site_config import repository_url

FOLDER = "notebooks"
INSTALL_TAG = "install-micrograd"   # the tag that marks the injected first cell


def notebook_path(chapter: Path, root: Path = ROOT) -> Path:
    """Where the notebook of `chapter` lives: notebooks/<chapter's file name>.ipynb."""
    return Path(root) / FOLDER / (Path(chapter).stem + ".ipynb")


def install_source(url: str) -> str:
    """The first cell of every notebook: install `micrograd` from `url` unless it is importable already."""
    lines = ["# This notebook is a chapter of the book \"How Neural Networks Learn\".  It uses the book's own",
             "# `micrograd` package: in a checkout of the book it is importable already; anywhere else (Colab,",
             "# Binder, a downloaded notebook) this cell installs it from the book's repository."]
    if url:
        return "\n".join(lines + ["try:", "    import micrograd",
                                  "except ImportError:",
                                  f"    %pip install --quiet git+{url}"])
    # No address recorded yet (`repository.url` in _config.yml): say so rather than guess one.
    return "\n".join(lines + ["try:", "    import micrograd",
                              "except ImportError:",
                              "    raise ImportError(\"install the book's micrograd package first: \"",
                              "                      \"pip install git+<the book's repository address>\") from None"])


def make_notebook(chapter: Path, root: Path = ROOT) -> nbformat.NotebookNode:
    """The notebook of one chapter: the install cell, then the chapter's cells as jupytext reads them."""
    chapter = Path(chapter)
    text = jupytext.read(chapter)
    install = nbformat.v4.new_code_cell(install_source(repository_url(root)), metadata={"tags": [INSTALL_TAG]})
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": text.metadata.get("kernelspec") or {
        "display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    for cell in [install, *text.cells]:
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        notebook.cells.append(cell)
    # Stable cell ids (jupytext and nbformat draw random ones), so that writing twice gives the same file.
    for index, cell in enumerate(notebook.cells):
        cell.id = f"{chapter.stem[:48]}-{index}"
    nbformat.validate(notebook)
    return notebook


def render(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def expected(root: Path = ROOT) -> dict[Path, str]:
    """Every notebook the chapters give, by path, as text."""
    return {notebook_path(chapter, root): render(make_notebook(chapter, root)) for chapter in toc_chapters(root)}


def stale(root: Path = ROOT) -> list[str]:
    """One line per notebook that differs from what its chapter gives, is missing, or has no chapter."""
    root = Path(root)
    wanted = expected(root)
    problems = []
    for path, text in wanted.items():
        shown = path.relative_to(root).as_posix()
        if not path.exists():
            problems.append(f"{shown} is missing")
        elif path.read_text(encoding="utf-8") != text:
            chapter = next(c for c in toc_chapters(root) if notebook_path(c, root) == path)
            problems.append(f"{shown} is stale: it is not what {chapter.relative_to(root).as_posix()} gives")
    folder = root / FOLDER
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        if path not in wanted:
            problems.append(f"{path.relative_to(root).as_posix()} belongs to no chapter of _toc.yml")
    return problems


def write(root: Path = ROOT) -> list[Path]:
    """Write every notebook (only those that change); remove notebooks of chapters that are gone."""
    root = Path(root)
    wanted = expected(root)
    written = []
    (root / FOLDER).mkdir(exist_ok=True)
    for path, text in wanted.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for path in (root / FOLDER).glob("*.ipynb"):
        if path not in wanted:
            path.unlink()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notebooks", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare notebooks/ with the chapters, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale(ROOT)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            print("notebooks/ is generated from the chapters: run `make notebooks` (or `make tangle`) and commit it.",
                  file=sys.stderr)
            return 1
        print(f"ok: {FOLDER}/ is what the chapters give")
        return 0
    written = write(ROOT)
    print(f"wrote {len(written)} notebook(s) in {FOLDER}/" if written else f"{FOLDER}/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
