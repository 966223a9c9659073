"""Write notebooks/: each chapter as a Jupyter notebook that runs anywhere (Colab, Binder, a download).

    python -m tools.notebooks [--check]    write notebooks/ from the chapters, or fail naming each stale one

A notebook is its chapter after a first cell that checks Python, installs the missing packages (outside Colab),
writes the chapter's snapshot of `micrograd` first on Python's path and defines `glue`.  The book's checks run
folded and guarded; roles become links or text, directives block quotes, labels and comments go.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat

from tools import ROOT
from tools.chapters import CHECK_TAG, markdown_tokens, read_notebook, title, toc_chapters
from tools.tangle import snapshots, sync
from tools.tangle import write as write_files

FOLDER = "notebooks"
SETUP_TAG = "micrograd-snapshot"  # the tag of the first cell
GLUE_IMPORT = "from myst_nb import glue"
HIDDEN = {"cellView": "form", "jupyter": {"source_hidden": True}}  # folded, in Colab and in Jupyter

# The packages a notebook may import, {module: pip name}; any other (not standard, not here) is refused.
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
# PyTorch's CPU build (a smaller download); binder/requirements.txt names the same index.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYTHON = (3, 10)  # the oldest Python the package supports (pyproject.toml's requires-python)


def notebook_path(chapter: Path, root: Path = ROOT) -> Path:
    """Where the notebook of `chapter` lives: notebooks/<chapter's file name>.ipynb."""
    return Path(root) / FOLDER / (Path(chapter).stem + ".ipynb")


def _literal(text: str) -> str:
    """`text` as a Python literal: a raw triple-quoted string whenever that is exact."""
    if "'''" not in text and not text.endswith("\\") and "\r" not in text:
        return "r'''" + text + "'''"
    return repr(text)


def imports(source: str, package: str = "") -> set[str]:
    """The modules `source` imports and the names it imports from them (maybe submodules), relative imports
    resolved in `package`; magics and shell lines are left out."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (package or not node.level):
            parts = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*parts, *filter(None, [node.module])])
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def requirements(cells: list[str], files: dict[str, str]) -> list[str]:
    """The pip names of what the code `cells` import, directly or through the snapshot `files`."""
    modules = {}  # {"micrograd.engine": what it imports}
    for path, text in files.items():
        name = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        modules[name] = imports(text, name if path.endswith("__init__.py") else name.rpartition(".")[0])
    wanted, done, packages = set().union(*map(imports, cells)), set(), set()
    while wanted:
        name = wanted.pop()
        top = name.split(".")[0]
        if top == "micrograd":
            parts = name.split(".")
            for module in (".".join(parts[:n]) for n in range(1, len(parts) + 1)):  # a module imports its parents
                if module in modules and module not in done:
                    done.add(module)
                    wanted |= modules[module]
        elif top not in sys.stdlib_module_names and top not in PRESENT:
            if top not in PACKAGES:
                raise ValueError(f"a notebook imports {top!r}: add it to PACKAGES in tools/notebooks.py")
            packages.add(PACKAGES[top])
    return sorted(packages)


def needs_source(packages: list[str]) -> list[str]:
    """The first cell's lines that check Python's version and install the missing `packages`."""
    version = ".".join(map(str, PYTHON))
    beyond = f" and the packages {', '.join(packages)}." if packages else ", and no package beyond it."
    lines = [f"# What this notebook needs: Python {version} or later{beyond}"]
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
        "import atexit, importlib.util, pathlib, shutil, sys, tempfile",
        "",
        f"if sys.version_info < {PYTHON}:",
        f"    raise RuntimeError('this notebook needs Python {version} or later')",
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


def setup_source(files: dict[str, str], previous: str | None, packages: list[str]) -> str:
    """The first cell: `needs_source`, then the snapshot `files` the chapter titled `previous` left."""
    built = f'the `micrograd` package as the chapters up to "{previous}" left it'
    built = built if previous else "nothing yet: this chapter starts from an empty `micrograd` package"
    lines = [
        "#@title Run this cell first: it sets up what the notebook needs and the book's `micrograd` package",
        *needs_source(packages),
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
        "atexit.register(shutil.rmtree, _folder, ignore_errors=True)  # removed when the notebook's kernel stops",
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


# -- MyST markdown as Jupyter renders it ------------------------------------------------------------------------


def _role(name: str, content: str, titles: dict[str, str]) -> str:
    text, _, target = content.partition(" <")
    if name == "doc":
        stem = Path(target.rstrip(">") or content).stem
        return f"[{text if target else titles.get(stem, stem)}]({stem}.ipynb)"
    if name == "math":
        return f"${content}$"
    if name.startswith("glue"):
        return f"`{content.split(':')[0]}` (printed by the cell that computes it)"
    return text  # ref, numref, term...: the text it shows


def _directive(name: str, argument: str, body: list[str], titles: dict[str, str]) -> list[str]:
    """A directive as a block quote under its title in bold, without its options."""
    while body and (re.match(r"^:[a-z-]+:", body[0].strip()) or not body[0].strip()):
        body = body[1:]
    while body and not body[-1].strip():
        body = body[:-1]
    title = {"admonition": argument, "exercise": "Exercise" + (f": {argument}" if argument else "")}
    title = title.get(name, "Solution" if name.startswith("solution") else argument or name.capitalize())
    quoted = [f"> **{title}**" if title else ">", ">"]
    quoted += [f"> {line}" if line.strip() else ">" for line in (_markdown("\n".join(body), titles) if body else [])]
    return ["", *quoted, ""]


BLOCKS = ("fence", "colon_fence", "myst_target", "myst_line_comment")  # the blocks that change; the rest stay


def _markdown(text: str, titles: dict[str, str]) -> list[str]:
    """The lines of `text`: roles replaced, directives quoted, labels and comments dropped, code kept."""
    lines, out, at, tokens = text.split("\n"), [], 0, markdown_tokens(text)
    roles = {}  # each role as written -> what Jupyter shows
    for token in tokens:
        for child in token.children or []:
            if child.type == "myst_role":
                written = f"{{{child.meta['name']}}}`{child.content}`"
                roles[written] = _role(child.meta["name"], child.content, titles)

    def plain(chunk: list[str]) -> list[str]:
        for written, shown in roles.items():
            chunk = [line.replace(written, shown) for line in chunk]
        return chunk

    for token in tokens:
        if token.level or not token.map or token.type not in BLOCKS:
            continue
        start, end = token.map
        out += plain(lines[at:start])
        at = end
        if token.type.endswith("fence") and token.info.startswith("{"):
            name, _, argument = token.info[1:].partition("}")
            if name != "solution-end":
                out += _directive(name, argument.strip(), token.content.split("\n"), titles)
        elif token.type.endswith("fence"):
            out += lines[start:end]  # code: as written
    return out + plain(lines[at:])


def jupyter_markdown(text: str, titles: dict[str, str]) -> str:
    """A MyST markdown cell as Jupyter renders it (see the module's docstring)."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(_markdown(text, titles))).strip("\n")


def notebook_code(source: str) -> str:
    """A chapter's code cell in its notebook: the first cell defines `glue`, so its import goes."""
    return "\n".join(line for line in source.split("\n") if line.strip() != GLUE_IMPORT).strip("\n")


def guarded_check(source: str) -> str:
    """One of the book's checks as its notebook runs it: a check that fails on the reader's numbers says so."""
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


def _solution_open(markdown: str, before: bool) -> bool:
    """Whether a solution is open after this markdown cell (`before`: whether one was open before it)."""
    for token in markdown_tokens(markdown):
        if token.type.endswith("fence") and token.info.startswith(("{solution-start}", "{solution-end}")):
            before = token.info.startswith("{solution-start}")
    return before


def make_notebook(chapter: Path, files: dict[str, str], previous: str | None, titles: dict[str, str], root: Path):
    """The setup cell (the snapshot `files` the chapter titled `previous` left), then the chapter's cells."""
    text = read_notebook(chapter, root)
    code = [notebook_code(c.source) for c in text.cells if c.cell_type == "code"]
    setup = nbformat.v4.new_code_cell(
        setup_source(files, previous, requirements(code, files)), metadata={"tags": [SETUP_TAG], **HIDDEN}
    )
    kernel = text.metadata.get("kernelspec") or {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": kernel, "language_info": {"name": "python"}})
    notebook.cells.append(setup)
    in_solution = False  # between a {solution-start} and its {solution-end}: the solution's code is folded
    for cell in map(nbformat.from_dict, text.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = notebook_code(cell.source)
            if CHECK_TAG in cell.metadata.get("tags", []):
                cell.source, cell.metadata = guarded_check(cell.source), {"tags": [CHECK_TAG], **HIDDEN}
            elif in_solution:
                cell.metadata.update(HIDDEN)
        elif cell.cell_type == "markdown":
            in_solution = _solution_open(cell.source, in_solution)
            cell.source = jupyter_markdown(cell.source, titles)
            if not cell.source.strip():
                continue
        notebook.cells.append(cell)
    for index, cell in enumerate(notebook.cells):  # stable ids (nbformat draws random ones)
        cell.id = f"{chapter.stem[:48]}-{index}"
    nbformat.validate(notebook)
    return notebook


def expected(root: Path = ROOT) -> dict[str, str]:
    """Every notebook the chapters give: {"notebooks/<chapter>.ipynb": text}."""
    titles = {chapter.stem: title(chapter, root) for chapter in toc_chapters(root)}
    notebooks, previous = {}, None
    for chapter, files in snapshots(root).items():
        path = notebook_path(chapter, root).relative_to(root).as_posix()
        notebooks[path] = nbformat.writes(make_notebook(chapter, files, previous, titles, root)) + "\n"
        previous = titles[chapter.stem]
    return notebooks


def write(root: Path = ROOT) -> list[str]:
    """Write the notebooks that change; remove notebooks of chapters that are gone."""
    return write_files(expected(root), Path(root), FOLDER, "*.ipynb")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notebooks", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare notebooks/ with the chapters, write nothing")
    return sync(expected(ROOT), ROOT, FOLDER, "*.ipynb", "notebooks", parser.parse_args(argv).check)


if __name__ == "__main__":
    sys.exit(main())
