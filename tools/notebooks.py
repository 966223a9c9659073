"""Write notebooks/: each chapter as a Jupyter notebook that runs anywhere (Colab, Binder, a download).

    python -m tools.notebooks            write notebooks/ from the chapters (`make notebooks`, `make tangle`)
    python -m tools.notebooks --check    fail, naming each stale notebook, when notebooks/ differs

A notebook is its chapter as tools/chapters.py reads it (the cells the build executes), with two changes:

- A first code cell says what the notebook needs: Python 3.10 or later and the packages its code imports
  (`requirements`: the chapter's cells and the parts of `micrograd` they import; Colab has them all).  Outside
  Colab it installs those that are missing with `%pip install` (PyTorch as its CPU build, from the index
  binder/requirements.txt names too), so that a plain Jupyter with nothing but ipykernel runs it.  Where Graphviz's
  `dot` program (not a Python package) is missing, a graph shows its DOT source instead of its drawing.
- The same cell carries the chapter's snapshot of `micrograd` (tools/tangle.py: the package as the chapters
  before it left it).  It writes those files into a temporary folder and puts it first on Python's path, so the
  notebook needs no checkout of the book and sees exactly the engine the reader has built so far.  It also
  defines `glue`, which the chapters use to put computed numbers into their text (myst-nb's; in a notebook it
  prints `name = value` under the cell, where the text names it).
- The book's checks (cells tagged `remove-cell`: glue calls and asserts that keep the prose honest) stay, folded
  away and guarded: where a reader's changed numbers make a check fail, the cell says so in one line instead of
  ending in a traceback.
- The markdown is what Jupyter renders: MyST roles become links or plain text, directives (admonitions,
  exercises, solutions) become block quotes, labels and comments go.

Like micrograd/, notebooks/ is generated and committed: Colab opens notebooks straight from the repository.
Never edit it by hand.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat

from tools import ROOT
from tools.chapters import read_notebook, title, toc_chapters
from tools.tangle import differences, snapshots
from tools.tangle import write as write_files

FOLDER = "notebooks"
SETUP_TAG = "micrograd-snapshot"  # the tag of the first cell
GLUE_IMPORT = "from myst_nb import glue"
CHECK_TAG = "remove-cell"  # the book's own checks (tools/live_page.py)


# The packages a notebook may import: {module: the name pip installs it by}.  A module neither here, nor in
# Python's standard library, nor `micrograd` stops `python -m tools.notebooks` until it is added.
PACKAGES = {
    "graphviz": "graphviz",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "sklearn": "scikit-learn",
    "scipy": "scipy",
    "threadpoolctl": "threadpoolctl",
    "torch": "torch",
}
# Modules every Jupyter kernel has (ipykernel brings IPython) and the book's own.
PRESENT = {"IPython", "micrograd", "myst_nb"}
# PyTorch's CPU build (a smaller download than the default); binder/requirements.txt names the same index.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYTHON = (3, 10)  # the oldest Python the package supports (pyproject.toml's requires-python)


def notebook_path(chapter: Path, root: Path = ROOT) -> Path:
    """Where the notebook of `chapter` lives: notebooks/<chapter's file name>.ipynb."""
    return Path(root) / FOLDER / (Path(chapter).stem + ".ipynb")


# ---------------------------------------------------------------------------------------------------------------
# The first cell


def _literal(text: str) -> str:
    """`text` as a Python string literal, readable (a raw triple-quoted string) whenever that is exact."""
    if "'''" not in text and not text.endswith("\\") and "\r" not in text:
        return "r'''" + text + "'''"
    return repr(text)


def _imports(source: str) -> set[str]:
    """The modules `source` imports, and the names it imports from them, which may be submodules (absolute imports
    only; IPython's magics and shell lines aside)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}  # maybe submodules
    return found


def requirements(cells: list[str], files: dict[str, str]) -> list[str]:
    """The pip names of the packages a notebook needs: those its code `cells` import, and those imported by the
    modules of the snapshot `files` ({"micrograd/engine.py": text}) that the cells import, followed through the
    package's own imports."""
    modules = {}  # {"micrograd.engine": (its package, its text)}
    for path, text in files.items():
        name = path.removesuffix(".py").replace("/", ".")
        if name.endswith(".__init__"):
            name = name.removesuffix(".__init__")
            modules[name] = (name, text)
        else:
            modules[name] = (name.rpartition(".")[0], text)
    wanted, done, packages = set().union(*map(_imports, cells)), set(), set()
    while wanted:
        name = wanted.pop()
        top = name.split(".")[0]
        if top == "micrograd":
            parts = name.split(".")
            for module in (".".join(parts[:n]) for n in range(1, len(parts) + 1)):  # a module imports its parents
                if module in modules and module not in done:
                    done.add(module)
                    package, text = modules[module]
                    wanted |= _imports(text)
                    for node in ast.walk(ast.parse(text)):
                        if isinstance(node, ast.ImportFrom) and node.level:
                            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                            base = f"{base}.{node.module}" if node.module else base
                            wanted |= {base} | {f"{base}.{alias.name}" for alias in node.names}
        elif top not in sys.stdlib_module_names and top not in PRESENT:
            if top not in PACKAGES:
                raise ValueError(f"a notebook imports {top!r}: add it to PACKAGES in tools/notebooks.py")
            packages.add(PACKAGES[top])
    return sorted(packages)


def needs_source(packages: list[str]) -> list[str]:
    """The lines of the first cell that check Python's version and install the missing `packages` (pip names)."""
    lines = [
        "# What this notebook needs: Python "
        + ".".join(map(str, PYTHON))
        + " or later"
        + (f" and the packages {', '.join(packages)}." if packages else ", and no package beyond it."),
    ]
    if packages:
        lines += [
            "# Colab has them all; anywhere else (Binder, a download opened in Jupyter) this cell installs those",
            "# that are missing with %pip"
            + (" (PyTorch as its CPU build, a smaller download)." if "torch" in packages else "."),
        ]
    if "graphviz" in packages:
        lines += [
            "# The graphs are drawn by Graphviz's `dot` program (apt-get install graphviz, brew install graphviz,",
            "# conda install graphviz); without it each graph shows its DOT source, the text `dot` would draw.",
        ]
    lines += [
        "import importlib.util, pathlib, shutil, sys, tempfile",
        "",
        f"if sys.version_info < {PYTHON}:",
        f"    raise RuntimeError('this notebook needs Python {'.'.join(map(str, PYTHON))} or later')",
    ]
    if packages:
        modules = {pip: module for module, pip in PACKAGES.items()}
        lines += [
            "_needed = {" + ", ".join(f"{modules[p]!r}: {p!r}" for p in packages) + "}  # module: pip name",
            "_missing = [name for module, name in _needed.items() if importlib.util.find_spec(module) is None]",
            "if _missing and 'google.colab' not in sys.modules:",
            "    _install = ' '.join(_missing)",
        ]
        if "torch" in packages:
            lines.append(f"    _install += ' --extra-index-url {TORCH_CPU_INDEX}' if 'torch' in _missing else ''")
        lines += ["    %pip install --quiet {_install}", "    importlib.invalidate_caches()"]
    if "graphviz" in packages:
        lines += [
            "if shutil.which('dot') is None:",
            "    import graphviz",
            "",
            "    def _dot_source(self, include=None, exclude=None, **kwargs):",
            "        return {'text/plain': self.source}",
            "",
            "    graphviz.Graph._repr_mimebundle_ = graphviz.Digraph._repr_mimebundle_ = _dot_source",
            '    print("Graphviz\'s dot program is missing: each graph shows its DOT source instead of its drawing.")',
        ]
    return lines


def setup_source(files: dict[str, str], previous: str | None, packages: list[str] = ()) -> str:
    """The first cell: check Python's version and install the missing `packages` (`needs_source`), then write the
    snapshot `files` into a temporary folder and import from there.  `previous` is the title of the chapter just
    before this one (None for the first)."""
    built = (
        f'the `micrograd` package as the chapters up to "{previous}" left it'
        if previous
        else "nothing yet: this chapter starts from an empty `micrograd` package"
    )
    lines = [
        "#@title Run this cell first: it sets up what the notebook needs and the book's `micrograd` package",
        *needs_source(list(packages)),
        "",
        f"# This chapter builds on {built}.",
        "# The cell writes that package into a temporary folder and puts the folder first on Python's path, so",
        "# the notebook needs no copy of the book's repository.",
        "_files = {",
    ]
    for path, text in sorted(files.items()):
        lines.append(f"    {path!r}: {_literal(text)},")
    lines += [
        "}",
        "_folder = pathlib.Path(tempfile.mkdtemp(prefix='micrograd-book-'))",
        "for _path, _text in _files.items():",
        "    (_folder / _path).parent.mkdir(parents=True, exist_ok=True)",
        "    (_folder / _path).write_text(_text, encoding='utf-8')",
        "for _name in [m for m in sys.modules if m == 'micrograd' or m.startswith('micrograd.')]:",
        "    del sys.modules[_name]      # a micrograd imported before this cell ran",
        "sys.path.insert(0, str(_folder))",
        "",
        "",
        "def glue(name, value, display=True):",
        '    """In the book, puts `value` into the text; here, shows it under the cell."""',
        "    if display:",
        "        from IPython.display import display as show",
        "        show(value)",
        "    else:",
        "        print(f'{name} = {value}')",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# MyST markdown as Jupyter renders it

_ROLE = re.compile(r"\{([a-z][a-z:-]*)\}`([^`]*)`")
_DIRECTIVE = re.compile(r"^(\s*)(`{3,}|:{3,})\{([a-z-]+)\}\s*(.*)$")
_TITLED = {
    "note": "Note",
    "tip": "Tip",
    "warning": "Warning",
    "important": "Important",
    "seealso": "See also",
    "hint": "Hint",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
}


def _role(match: re.Match, titles: dict[str, str]) -> str:
    name, content = match.group(1), match.group(2)
    text, _, target = content.partition(" <")
    target = target.rstrip(">") if target else content
    if name == "doc":
        stem = Path(target).stem
        label = text if target != content else titles.get(stem, stem)
        return f"[{label}]({stem}.ipynb)"
    if name == "math":
        return f"${content}$"
    if name.startswith("glue"):
        return f"`{content.split(':')[0]}` (printed by the cell that computes it)"
    if name in ("ref", "numref", "term", "eq", "prf:ref"):
        return text if target != content else content
    return text


def _convert_directive(head: re.Match, body: list[str], titles: dict[str, str]) -> list[str]:
    """A directive as a block quote: its title in bold, its options dropped, its body quoted."""
    name, argument = head.group(3), head.group(4).strip()
    while body and re.match(r"^:[a-z-]+:", body[0].strip()):
        body = body[1:]
    while body and not body[0].strip():
        body = body[1:]
    while body and not body[-1].strip():
        body = body[:-1]
    if name in ("math",):
        return ["$$", *body, "$$"]
    if name in ("code-block", "code"):
        return [f"```{argument}", *body, "```"]
    title = {
        "admonition": argument,
        "exercise": "Exercise" + (f": {argument}" if argument else ""),
        "solution": "Solution",
        "solution-start": "Solution",
    }.get(name, _TITLED.get(name, argument or name))
    quoted = [f"> **{title}**" if title else ">", ">"]
    quoted += [("> " + line) if line.strip() else ">" for line in _markdown(body, titles)]
    return ["", *quoted, ""]


def _markdown(lines: list[str], titles: dict[str, str]) -> list[str]:
    out: list[str] = []
    index, fence = 0, None
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if fence:  # inside a plain code block: copy as it is
            out.append(line)
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            index += 1
            continue
        head = _DIRECTIVE.match(line)
        if head:
            marker, depth = head.group(2), 0
            body, index = [], index + 1
            while index < len(lines):
                inner = lines[index].strip()
                if _DIRECTIVE.match(lines[index]) and _DIRECTIVE.match(lines[index]).group(2) == marker:
                    depth += 1
                elif inner == marker:
                    if depth == 0:
                        break
                    depth -= 1
                body.append(lines[index])
                index += 1
            index += 1
            if head.group(3) == "solution-end":
                continue
            out += _convert_directive(head, body, titles)
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[: len(stripped) - len(stripped.lstrip(stripped[0]))]  # the whole run of ` or ~
            out.append(line)
        elif re.fullmatch(r"\(([\w-]+)\)=", stripped) or (stripped.startswith("%") and not stripped.startswith("%%")):
            pass  # a MyST label or comment
        else:
            out.append(_ROLE.sub(lambda m: _role(m, titles), line))
        index += 1
    return out


def jupyter_markdown(text: str, titles: dict[str, str]) -> str:
    """A MyST markdown cell as Jupyter renders it (see the module's docstring)."""
    converted = _markdown(text.split("\n"), titles)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(converted)).strip("\n")


def notebook_code(source: str) -> str:
    """A chapter's code cell in its notebook: the first cell defines `glue`, so its import goes."""
    return "\n".join(line for line in source.split("\n") if line.strip() != GLUE_IMPORT).strip("\n")


def guarded_check(source: str) -> str:
    """One of the book's checks as its notebook runs it: the numbers it glues are printed; a check that fails on
    the reader's own numbers says so in one line instead of raising."""
    body = notebook_code(source) or "pass"
    return "\n".join(
        [
            "#@title The book's checks of the numbers in its text (you may skip this cell)",
            "try:",
            *(("    " + line) if line.strip() else "" for line in body.split("\n")),
            "except Exception as _error:",
            "    print('A check of the book does not hold for the numbers in this notebook '",
            "          f'(expected once you change them): {type(_error).__name__} {_error}')",
        ]
    )


# ---------------------------------------------------------------------------------------------------------------
# The notebooks


def make_notebook(
    chapter: Path, files: dict[str, str], previous: str | None, titles: dict[str, str], root: Path = ROOT
) -> nbformat.NotebookNode:
    """The notebook of one chapter: the setup cell (the snapshot `files`, built by the chapters up to the one titled
    `previous`), then the chapter's cells as the build reads them."""
    chapter = Path(chapter)
    text = read_notebook(chapter, root)
    code = [notebook_code(c.source) for c in text.cells if c.cell_type == "code"]
    setup = nbformat.v4.new_code_cell(
        setup_source(files, previous, requirements(code, files)),
        metadata={"tags": [SETUP_TAG], "cellView": "form", "jupyter": {"source_hidden": True}},
    )
    notebook = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": text.metadata.get("kernelspec")
            or {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
    )
    notebook.cells.append(setup)
    for cell in text.cells:
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None
            cell.source = guarded_check(cell.source)
            cell.metadata = {"tags": [CHECK_TAG], "cellView": "form", "jupyter": {"source_hidden": True}}
        elif cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = notebook_code(cell.source)
        elif cell.cell_type == "markdown":
            cell.source = jupyter_markdown(cell.source, titles)
            if not cell.source.strip():
                continue
        notebook.cells.append(cell)
    # Stable cell ids (nbformat draws random ones), so that writing twice gives the same file.
    for index, cell in enumerate(notebook.cells):
        cell.id = f"{chapter.stem[:48]}-{index}"
    nbformat.validate(notebook)
    return notebook


def render(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def expected(root: Path = ROOT) -> dict[str, str]:
    """Every notebook the chapters give: {"notebooks/<chapter>.ipynb": text}."""
    titles = {chapter.stem: title(chapter, root) for chapter in toc_chapters(root)}
    notebooks, previous = {}, None
    for chapter, files in snapshots(root).items():
        path = notebook_path(chapter, root).relative_to(root).as_posix()
        notebooks[path] = render(make_notebook(chapter, files, previous, titles, root))
        previous = titles.get(chapter.stem, chapter.stem)
    return notebooks


def stale(root: Path = ROOT) -> list[str]:
    """One message per notebook that differs from what its chapter gives, is missing, or has no chapter."""
    return differences(expected(root), Path(root), FOLDER, "*.ipynb")


def write(root: Path = ROOT) -> list[str]:
    """Write the notebooks that change; remove notebooks of chapters that are gone."""
    return write_files(expected(root), Path(root), FOLDER, "*.ipynb")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notebooks", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare notebooks/ with the chapters, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale(ROOT)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            print(
                "notebooks/ is generated from the chapters: run `make notebooks` (or `make tangle`) and commit it.",
                file=sys.stderr,
            )
            return 1
        print(f"ok: {FOLDER}/ is what the chapters give")
        return 0
    written = write(ROOT)
    print(f"notebooks: changed {', '.join(written)}" if written else f"notebooks: {FOLDER}/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
