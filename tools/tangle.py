"""Tangle the book into the `micrograd` package.

    python -m tools.tangle            write micrograd/ from the chapters (what `make tangle` runs)
    python -m tools.tangle --check    write nothing; fail, naming each file, if micrograd/ differs

A code cell joins the package when it carries the option `:tangle: micrograd/<module>.py`.  Chapters are read in
`_toc.yml` order and their cells in page order.  Within a module:

* imports are gathered at the top, each once;
* a class, function or constant may be defined once; a second definition of the same name is an error;
* a top-level function decorated with `@add_to_class(SomeClass)` becomes a method of `SomeClass` (which must be
  defined in the same module, in this chapter or an earlier one).  If the class already has a method of that name,
  the new one replaces it where it stands, so the book can improve a method and the package keeps one class;
* every definition is preceded by a comment naming the chapter file and section it comes from, and comments
  inside the cells are kept.

All the work happens in memory.  If any chapter is wrong, the error names the chapter file and line and nothing
is written.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import os
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tools.chapters import ROOT, Cell, ChapterError, read_cells, toc_chapters

PACKAGE = "micrograd"
BOOK = "book"
DECORATOR = "add_to_class"


# ---------------------------------------------------------------------------------------------------------------
# The pieces a module is assembled from


@dataclass
class Member:
    """A statement of a class body (usually a method), kept as source text at column 0."""

    name: str
    lines: list[str]
    origin: Cell


@dataclass(eq=False)   # compared by identity: one object may stand under several names
class Definition:
    """A top-level statement of a module: a class (with its members), a function or a constant."""

    name: str
    lines: list[str]            # for a class: only its header (the `class ...:` line(s))
    origin: Cell
    members: dict[str, Member] | None = None   # None unless this is a class
    line: int = 0                               # where the chapter defines it


@dataclass
class Module:
    path: str                                   # e.g. "micrograd/engine.py"
    chapters: list[str] = field(default_factory=list)
    docstring: list[str] | None = None
    imports: list[str] = field(default_factory=list)
    definitions: dict[str, Definition] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Reading the chapters


def tangle_cells(root: Path = ROOT, chapters: list[Path] | None = None) -> list[tuple[Cell, str]]:
    """Every tangled cell of the book (or of the given chapters), in reading order, with its target path."""
    listed = toc_chapters(root)
    for path in listed:
        if not path.is_file():
            raise ChapterError(root / "_toc.yml", None, f"lists {path.relative_to(root).as_posix()}, "
                                                        f"which does not exist")
    listed_set = {p.resolve() for p in listed}
    for path in sorted((root / BOOK).rglob("*.md")):
        if path.resolve() not in listed_set:
            tangled = [c for c in read_cells(path, root) if "tangle" in c.metadata]
            line = tangled[0].fence_line if tangled else 1
            raise ChapterError(path, line, "this chapter is not listed in _toc.yml, so the book would not build "
                                           "it and its place in the reading order is unknown; add it to _toc.yml")
    result = []
    for path in chapters if chapters is not None else listed:
        for cell in read_cells(path, root):
            if "tangle" in cell.metadata:
                result.append((cell, _target(cell)))
    return result


def _target(cell: Cell) -> str:
    """Check a `:tangle:` target and return it normalised, e.g. `micrograd/engine.py`."""
    raw = cell.metadata["tangle"]
    expected = f"expected a path like {PACKAGE}/engine.py"
    if not isinstance(raw, str) or not raw.strip():
        raise ChapterError(cell.chapter, cell.fence_line, f":tangle: {raw!r} is not a path; {expected}")
    path = PurePosixPath(raw.strip())
    if path.is_absolute() or raw.strip().startswith(("/", "\\")) or ":" in raw:
        raise ChapterError(cell.chapter, cell.fence_line, f":tangle: {raw} is an absolute path; {expected}")
    if ".." in path.parts or "\\" in raw or len(path.parts) < 2 or path.parts[0] != PACKAGE:
        raise ChapterError(cell.chapter, cell.fence_line, f":tangle: {raw} is outside {PACKAGE}/; {expected}")
    if path.suffix != ".py" or any(not part.isidentifier() for part in (*path.parts[:-1], path.stem)):
        raise ChapterError(cell.chapter, cell.fence_line, f":tangle: {raw} is not an importable Python module; {expected}")
    return path.as_posix()


# ---------------------------------------------------------------------------------------------------------------
# Assembling modules


def tangle(root: Path = ROOT, chapters: list[Path] | None = None) -> dict[str, str]:
    """Tangle the book in memory: {relative path: file text}.  Raises ChapterError on bad input."""
    modules: dict[str, Module] = {}
    for cell, target in tangle_cells(root, chapters):
        module = modules.setdefault(target, Module(target))
        chapter = _relative(cell.chapter, root)
        if chapter not in module.chapters:
            module.chapters.append(chapter)
        _add_cell(module, cell, root)

    init = f"{PACKAGE}/__init__.py"
    modules.setdefault(init, Module(init))
    files = {}
    for path in sorted(modules):
        text = _render(modules[path], modules, root)
        try:
            compile(text, path, "exec")
        except SyntaxError as error:  # a bug in the tangler rather than in a chapter
            raise RuntimeError(f"tangled {path} does not compile: {error}") from error
        files[path] = text
    return files


def _relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def _add_cell(module: Module, cell: Cell, root: Path) -> None:
    lines = cell.source.split("\n")
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as error:
        line = cell.line + (error.lineno or 1) - 1
        raise ChapterError(cell.chapter, line, f"this tangled cell is not valid Python: {error.msg}") from None

    def fail(node: ast.stmt, message: str):
        raise ChapterError(cell.chapter, cell.line + _start_line(node) - 1, message)

    defined_here: set[tuple[str, str]] = set()   # (class or "", name) defined by this cell: no repeats
    previous_end = 0
    for index, node in enumerate(tree.body):
        start = _start_line(node)
        segment = _with_leading_comments(lines, previous_end, start, node.end_lineno)
        previous_end = node.end_lineno
        if index == len(tree.body) - 1:     # comments after the last statement stay with it
            segment += [line for line in lines[node.end_lineno:] if line.strip()]

        if isinstance(node, (ast.Import, ast.ImportFrom)):
            text = "\n".join(lines[node.lineno - 1:node.end_lineno])
            if text not in module.imports:
                module.imports.append(text)
        elif index == 0 and _is_docstring(node):
            if module.docstring is not None:
                fail(node, f"{module.path} already has a module docstring")
            module.docstring = segment
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _target_class(node) is not None:
            class_name = _target_class(node)
            owner = module.definitions.get(class_name)
            if owner is None or owner.members is None:
                fail(node, f"@{DECORATOR}({class_name}) adds a method to a class that is never defined: no class "
                           f"{class_name} is tangled into {module.path} before this cell")
            if (class_name, node.name) in defined_here:
                fail(node, f"{class_name}.{node.name} is defined twice in this cell")
            defined_here.add((class_name, node.name))
            decorator = next(d for d in node.decorator_list if _decorator_class(d) is not None)
            kept = _drop_lines(segment, start, decorator.lineno, decorator.end_lineno, node.end_lineno)
            owner.members[node.name] = Member(node.name, kept, cell)
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign)):
            if isinstance(node, ast.ClassDef) and any(_decorator_class(d) for d in node.decorator_list):
                fail(node, f"@{DECORATOR} goes on a function, not on a class")
            names = _names(node)
            for name in names:
                if ("", name) in defined_here:
                    fail(node, f"{name} is defined twice in this cell")
                earlier = module.definitions.get(name)
                if earlier is not None:
                    hint = (f"; to change a class, redefine its methods with @{DECORATOR}({name})"
                            if earlier.members is not None else "")
                    fail(node, f"{name} is already defined in {module.path} by "
                               f"{_relative(earlier.origin.chapter, root)}:{earlier.line}; a name may be defined "
                               f"once per module{hint}")
                defined_here.add(("", name))
            if isinstance(node, ast.ClassDef):
                definition = _class_definition(node, segment, cell)
            else:
                definition = Definition(names[0], segment, cell)
            definition.line = cell.line + _start_line(node) - 1
            for name in names:    # `a = b = 0` defines two names with one statement
                module.definitions[name] = definition
        else:
            kind = type(node).__name__.lower()
            fail(node, f"a tangled cell may hold only imports, classes, functions and constants, not a "
                       f"statement of kind '{kind}'; move it to a cell without :tangle:")


def _start_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def _with_leading_comments(lines: list[str], previous_end: int, start: int, end: int) -> list[str]:
    """The statement's lines plus the comment lines right above it (down to the previous statement)."""
    first = start
    while first - 1 > previous_end and lines[first - 2].strip().startswith("#"):
        first -= 1
    return lines[first - 1:end]


def _drop_lines(segment: list[str], start: int, drop_from: int, drop_to: int, end: int) -> list[str]:
    """Remove source lines drop_from..drop_to (1-based, cell numbering) from a segment ending at `end`."""
    offset = end - len(segment) + 1           # cell line number of segment[0]
    return [line for number, line in enumerate(segment, offset) if not drop_from <= number <= drop_to]


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _decorator_class(decorator: ast.expr) -> str | None:
    """`add_to_class(Value)` -> "Value"; anything else -> None."""
    if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name) and decorator.func.id == DECORATOR
            and len(decorator.args) == 1 and isinstance(decorator.args[0], ast.Name) and not decorator.keywords):
        return decorator.args[0].id
    return None


def _target_class(node: ast.stmt) -> str | None:
    return next((c for c in map(_decorator_class, node.decorator_list) if c is not None), None)


def _names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names


def _class_definition(node: ast.ClassDef, segment: list[str], cell: Cell) -> Definition:
    """Split a class into its header and its members, each member dedented to column 0."""
    offset = node.end_lineno - len(segment) + 1     # cell line number of segment[0]
    members: dict[str, Member] = {}
    body_start = _start_line(node.body[0])
    # The header ends where the first member (with the comments right above it) begins.
    header_end = body_start - 1
    while header_end > node.lineno and segment[header_end - offset].strip().startswith("#"):
        header_end -= 1
    previous_end = header_end
    cell_lines = [""] * (offset - 1) + segment      # index by cell line number - 1
    for index, stmt in enumerate(node.body):
        member_lines = _with_leading_comments(cell_lines, previous_end, _start_line(stmt), stmt.end_lineno)
        previous_end = stmt.end_lineno
        if _is_docstring(stmt) and index == 0:
            name = "__doc__"
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)):
            name = " ".join(_names(stmt))
        else:
            name = f"<statement {index}>"
        if name in members:
            raise ChapterError(cell.chapter, cell.line + stmt.lineno - 1,
                               f"{node.name}.{name} is defined twice in the class body")
        members[name] = Member(name, textwrap.dedent("\n".join(member_lines)).split("\n"), cell)
    header = segment[:header_end - offset + 1]
    return Definition(node.name, header, cell, members)


# ---------------------------------------------------------------------------------------------------------------
# Writing modules out


def _origin(cell: Cell, root: Path) -> str:
    return f'# From {_relative(cell.chapter, root)}, section "{cell.section}"'


def _header(module: Module, modules: dict[str, Module]) -> list[str]:
    lines = ["# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters."]
    if module.chapters:
        lines += [f"# To change it, edit the code cells marked `:tangle: {module.path}` in", "#"]
        lines += [f"#     {chapter}" for chapter in module.chapters]
        lines += ["#", "# then run `make tangle`.  Each definition below names the chapter section it comes from."]
    return lines


def _package_map(modules: dict[str, Module]) -> list[str]:
    """The docstring of `__init__.py`: where each module of the package is written in the book."""
    lines = ['"""micrograd: a scalar autograd engine and a small neural-network library, written in the book.', "",
             "Each module and the chapters it is tangled from:", ""]
    for path in sorted(modules):
        module = modules[path]
        if path.endswith("__init__.py") or not module.chapters:
            continue
        name = path[:-3].replace("/", ".")
        lines.append(f"    {name:<20} {', '.join(module.chapters)}")
    lines.append('"""')
    return lines


def _render(module: Module, modules: dict[str, Module], root: Path) -> str:
    out = _header(module, modules) + [""]
    if module.path.endswith("__init__.py") and module.docstring is None:
        out += _package_map(modules) + [""]
    elif module.docstring is not None:
        out += module.docstring + [""]
    futures = [i for i in module.imports if i.startswith("from __future__")]
    out += futures + [i for i in module.imports if i not in futures]
    previous = None
    for definition in dict.fromkeys(module.definitions.values()):   # once each, in order
        out += ["", ""] if out[-1] else [""]     # two blank lines before each definition (PEP 8)
        if definition.origin is not previous:    # one pointer per chunk, not per definition
            out.append(_origin(definition.origin, root))
        previous = definition.origin
        out += definition.lines
        if definition.members is None:
            continue
        source = definition.origin
        for number, member in enumerate(definition.members.values()):
            if number:
                out.append("")
            if member.origin is not source:
                out.append("    " + _origin(member.origin, root))
                source = member.origin
            out += [("    " + line) if line.strip() else "" for line in member.lines]
    return "\n".join(line.rstrip() for line in out).strip("\n") + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Writing and checking on disk


def differences(files: dict[str, str], root: Path = ROOT) -> list[str]:
    """What on disk differs from the tangled files, one message per file (empty when they agree)."""
    problems = []
    for path, text in files.items():
        target = root / path
        if not target.is_file():
            problems.append(f"{path} is missing: run `make tangle`")
            continue
        current = target.read_text(encoding="utf-8")
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), f"{path} (committed)",
                                        f"{path} (tangled from the chapters)", lineterm="", n=1)
            excerpt = "\n".join(list(diff)[:30])
            problems.append(f"{path} differs from what the chapters tangle to (edit the chapters, not the "
                            f"package, then run `make tangle`):\n{excerpt}")
    for path in _stale(files, root):
        problems.append(f"{path} is not produced by any chapter: delete it, or run `make tangle`")
    return problems


def _stale(files: dict[str, str], root: Path) -> list[str]:
    package = root / PACKAGE
    if not package.is_dir():
        return []
    on_disk = {p.relative_to(root).as_posix() for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    return sorted(on_disk - set(files))


def write(files: dict[str, str], root: Path = ROOT) -> list[str]:
    """Write the tangled files (only those that changed) and remove stale modules; return what changed."""
    changed = []
    for path, text in files.items():
        target = root / path
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename over it, so an interrupted run never leaves half a file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
        changed.append(path)
    for path in _stale(files, root):
        (root / path).unlink()
        changed.append(f"{path} (removed)")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.tangle", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with micrograd/ on disk; write nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's root folder (holding _toc.yml)")
    parser.add_argument("--out", type=Path, help="write the package under this folder instead of the root")
    parser.add_argument("--upto", help="tangle only the chapters before this one (a path as in _toc.yml)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        chapters = None
        if args.upto:
            listed = toc_chapters(root)
            stop = (root / (args.upto if args.upto.endswith(".md") else args.upto + ".md")).resolve()
            chapters = listed[:[p.resolve() for p in listed].index(stop)]
        files = tangle(root, chapters)
    except ChapterError as error:
        print(f"tangle: {error}", file=sys.stderr)
        print("tangle: nothing was written.", file=sys.stderr)
        return 1
    if args.check:
        problems = differences(files, args.out or root)
        for problem in problems:
            print(f"tangle --check: {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"tangle --check: {PACKAGE}/ matches the chapters ({len(files)} files)")
        return 0
    changed = write(files, args.out or root)
    print(f"tangle: {len(files)} files in {PACKAGE}/, " + (f"changed: {', '.join(changed)}" if changed
                                                           else "all up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
