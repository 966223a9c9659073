"""Tangle the book into the `micrograd` package.

    python -m tools.tangle [--check]    write micrograd/ from the chapters, or fail naming each file that differs

A cell with `:tangle: micrograd/<module>.py` joins that module in `_toc.yml` order: imports once at the top, a
name defined once, `@add_to_class(Cls)` putting a method into Cls.  The same pass gives each chapter's *snapshot*
(the package the chapters before it left).  Nothing is written unless every definition is its cell's code and the
package imports; a bad chapter is reported as `file:line: message`.
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import inspect
import io
import os
import subprocess
import sys
import tempfile
import tokenize
from dataclasses import dataclass, field, replace
from itertools import zip_longest
from pathlib import Path, PurePosixPath

from tools import ROOT
from tools.chapters import Cell, ChapterError, check_toc, read_cells, toc_chapters

PACKAGE = "micrograd"
DECORATOR = "add_to_class"
INDENT = 4
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
DEFINITIONS = (ast.ClassDef, *FUNCTIONS, ast.Assign, ast.AnnAssign)


@dataclass
class Piece:
    """One statement of a cell with the comments that go with it."""

    node: ast.stmt
    lines: list[tuple[int, str]]  # (cell line, text as written)
    cell: Cell
    column: int = 0  # the statement's indentation in the cell
    verbatim: frozenset[int] = frozenset()  # cell lines inside multi-line strings: never re-indented

    def at(self, line: int) -> int:
        return self.cell.line + line - 1  # a cell line as a chapter line


@dataclass(eq=False)  # compared by identity: one definition may stand under several names
class Definition:
    piece: Piece  # for a class with members: only its header
    members: dict[str, Piece] | None = None  # None unless this is a class whose body can grow


@dataclass
class Module:
    path: str  # e.g. "micrograd/engine.py"
    chapters: list[str] = field(default_factory=list)
    docstring: Piece | None = None
    imports: dict[str, Piece] = field(default_factory=dict)  # by the import's code
    definitions: dict[str, Definition] = field(default_factory=dict)


def tangle(root: Path = ROOT) -> dict[str, str]:
    """The package in memory: {relative path: text}.  Raises ChapterError."""
    return _tangle(root)[0]


def snapshots(root: Path = ROOT) -> dict[Path, dict[str, str]]:
    """{chapter: the package the chapters before it left, {"micrograd/engine.py": text, ...}}."""
    return _tangle(root)[1]


def _tangle(root: Path) -> tuple[dict[str, str], dict[Path, dict]]:
    """The package and every snapshot in one pass, each module text verified once, the package imported."""
    check_toc(root)
    modules: dict[str, Module] = {f"{PACKAGE}/__init__.py": Module(f"{PACKAGE}/__init__.py")}
    snapshots, verified = {}, set()

    def render_all() -> tuple[dict[str, str], dict[str, list]]:
        files, where = {}, {}
        for path in sorted(modules):
            files[path], where[path] = _render(modules[path], modules, root)
            if (path, files[path]) not in verified:
                _verify_definitions(modules[path], files[path])
                verified.add((path, files[path]))
        return files, where

    for chapter in toc_chapters(root):
        snapshots[chapter] = render_all()[0]
        for cell in read_cells(chapter, root):
            if "tangle" in cell.metadata:
                module = modules.setdefault(_target(cell), Module(_target(cell)))
                if _relative(chapter, root) not in module.chapters:
                    module.chapters.append(_relative(chapter, root))
                _add_cell(module, cell, root)
    files, where = render_all()
    _verify_import(files, where)
    return files, snapshots


def kernel_pythonpath(snapshot: Path, current: str | None, root: Path = ROOT) -> str:
    """PYTHONPATH for a chapter's kernel: its snapshot, without the checkout's package."""
    kept = [e for e in (current or "").split(os.pathsep) if e and Path(e).resolve() != Path(root).resolve()]
    return os.pathsep.join([str(snapshot), *kept])


# --- Generated folders: `files` maps a path under `root` to its text; other `pattern` files of `folder` are stale.


def _stale(files: dict[str, str], root: Path, folder: str, pattern: str) -> list[str]:
    on_disk = {p.relative_to(root).as_posix() for p in (Path(root) / folder).rglob(pattern) if p.is_file()}
    return sorted(path for path in on_disk - set(files) if "__pycache__" not in path.split("/"))


def differences(files: dict[str, str], root: Path, folder: str = PACKAGE, pattern: str = "*.py") -> list[str]:
    """One message per file that differs, is missing or is stale (empty when the folder agrees)."""
    problems = []
    for path, text in files.items():
        target = Path(root) / path
        if not target.is_file():
            problems.append(f"{path} is missing")
        elif (current := target.read_text(encoding="utf-8")) != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), f"{path} (on disk)", f"{path} (generated)", lineterm="", n=1
            )
            problems.append(f"{path} differs from what it is generated from:\n" + "\n".join(list(diff)[:30]))
    return problems + [f"{path} is stale: nothing generates it" for path in _stale(files, root, folder, pattern)]


def write(files: dict[str, str], root: Path = ROOT, folder: str = PACKAGE, pattern: str = "*.py") -> list[str]:
    """Write the files that changed (through a renamed temporary file) and remove the stale; say which."""
    changed = []
    for path, text in files.items():
        target = Path(root) / path
        if not (target.is_file() and target.read_text(encoding="utf-8") == text):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.with_name(f".{target.name}.tmp").write_text(text, encoding="utf-8", newline="\n")
            os.replace(target.with_name(f".{target.name}.tmp"), target)
            changed.append(path)
    for path in _stale(files, root, folder, pattern):
        (Path(root) / path).unlink()
        changed.append(f"{path} (removed)")
    return changed


def sync(files: dict[str, str], root: Path, folder: str, pattern: str, command: str, check: bool) -> int:
    """`python -m tools.<command> [--check]`: write `folder`, or name each file that differs."""
    if not check:
        changed = write(files, root, folder, pattern)
        print(f"{command}: {len(files)} files in {folder}/, changed: {', '.join(changed) or 'nothing'}")
        return 0
    problems = differences(files, root, folder, pattern)
    for problem in problems:
        print(f"{command} --check: {problem}", file=sys.stderr)
    if problems:
        print(f"{command} --check: {folder}/ is generated: edit the chapters, then run `make tangle`.", file=sys.stderr)
        return 1
    print(f"{command} --check: {folder}/ matches the chapters ({len(files)} files)")
    return 0


def _target(cell: Cell) -> str:
    """Check a `:tangle:` target and return it normalised, e.g. `micrograd/engine.py`."""
    raw, expected = cell.metadata["tangle"], f"expected a path like {PACKAGE}/engine.py"

    def fail(problem: str) -> ChapterError:
        return ChapterError(cell.chapter, cell.fence_line, f":tangle: {raw} {problem}; {expected}")

    if not isinstance(raw, str) or not raw.strip():
        raise fail("is not a path")
    path = PurePosixPath(raw.strip())
    if path.is_absolute() or raw.strip().startswith(("/", "\\")) or ":" in raw:
        raise fail("is an absolute path")
    if ".." in path.parts or "\\" in raw or len(path.parts) < 2 or path.parts[0] != PACKAGE:
        raise fail(f"is outside {PACKAGE}/")
    if path.suffix != ".py" or any(not part.isidentifier() for part in (*path.parts[:-1], path.stem)):
        raise fail("is not an importable Python module")
    return path.as_posix()


def _relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def _add_cell(module: Module, cell: Cell, root: Path) -> None:
    def fail(offset: int, problem: str) -> ChapterError:  # at the cell's line 1 + offset
        return ChapterError(cell.chapter, cell.line + offset, f"this tangled cell {problem}")

    lines = cell.source.split("\n")
    for number, text in enumerate(lines):
        if "\t" in text[: len(text) - len(text.lstrip())]:
            raise fail(number, f"indents with a tab; indent with spaces ({INDENT} a level), as the package is")
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as error:
        raise fail((error.lineno or 1) - 1, f"is not valid Python: {error.msg}") from None
    if not tree.body and any(line.strip() for line in lines):
        raise fail(0, "holds only comments; put them in a cell with code, next to the code they describe")
    defined_here: set[str] = set()
    for index, piece in enumerate(_pieces(tree.body, lines, 1, len(lines), cell, _string_interiors(cell, tree))):
        node = piece.node
        target = _decorated_class(piece)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module.imports.setdefault(ast.get_source_segment(cell.source, node), piece)
        elif index == 0 and _is_docstring(node):
            if module.docstring is not None:
                _fail(piece, f"{module.path} already has a module docstring")
            module.docstring = piece
        elif target is not None:
            owner = module.definitions.get(target)
            if owner is None or not isinstance(owner.piece.node, ast.ClassDef):
                _fail(
                    piece,
                    f"@{DECORATOR}({target}) adds a method to a class that is never defined: no class {target} "
                    f"is tangled into {module.path} before this cell",
                )
            if owner.members is None:
                _fail(piece, f"class {target} is written on one line; give it a body of its own lines to add methods")
            if f"{target}.{_key(node)}" in defined_here:
                _fail(piece, f"{target}.{_key(node)} is defined twice in this cell")
            defined_here.add(f"{target}.{_key(node)}")
            decorator = node.decorator_list[0]  # @add_to_class: the method goes into the class without it
            kept = [(n, text) for n, text in piece.lines if not decorator.lineno <= n <= decorator.end_lineno]
            owner.members[_key(node)] = replace(piece, lines=kept)
        elif isinstance(node, DEFINITIONS):
            _define(module, piece, defined_here, root)
        else:
            _fail(
                piece,
                f"a tangled cell may hold only imports, classes, functions and constants, not a statement of "
                f"kind '{type(node).__name__.lower()}'; move it to a cell without :tangle:",
            )


def _define(module: Module, piece: Piece, defined_here: set[str], root: Path) -> None:
    names = _names(piece.node)
    for name in names:
        if name in defined_here:
            _fail(piece, f"{name} is defined twice in this cell")
        earlier = module.definitions.get(name)
        if earlier is not None:
            where = f"{_relative(earlier.piece.cell.chapter, root)}:{earlier.piece.at(_start_line(earlier.piece.node))}"
            hint = f"; to change a class, redefine its methods with @{DECORATOR}({name})"
            problem = f"{name} is already defined in {module.path} by {where}; a name may be defined once per module"
            _fail(piece, problem + (hint if isinstance(earlier.piece.node, ast.ClassDef) else ""))
        defined_here.add(name)
    definition = _class(piece) if isinstance(piece.node, ast.ClassDef) else Definition(piece)
    for name in names:  # `a = b = 0` defines two names with one statement
        module.definitions[name] = definition


def _pieces(body: list[ast.stmt], lines: list[str], first: int, last: int, cell: Cell, verbatim: frozenset[int]):
    """Cut cell lines first..last into one piece per statement, with the comments before it (the last also those
    after it), blank lines at either end left out."""
    pieces = []
    for index, node in enumerate(body):
        if _start_line(node) < first:
            raise ChapterError(cell.chapter, cell.line + node.lineno - 1, "put each statement on a line of its own")
        end = last if index == len(body) - 1 else node.end_lineno
        while not lines[first - 1].strip():
            first += 1
        while not lines[end - 1].strip():
            end -= 1
        pieces.append(Piece(node, [(n, lines[n - 1]) for n in range(first, end + 1)], cell, node.col_offset, verbatim))
        first = node.end_lineno + 1
    return pieces


def _string_interiors(cell: Cell, tree: ast.Module) -> frozenset[int]:
    """Cell lines inside multi-line strings other than docstrings, which re-indenting would change."""
    docstrings = {
        node.body[0].lineno
        for node in ast.walk(tree)
        if isinstance(node, (ast.ClassDef, *FUNCTIONS)) and node.body and _is_docstring(node.body[0])
    }
    interiors = set()
    for token in tokenize.generate_tokens(io.StringIO(cell.source).readline):
        if token.type == tokenize.STRING and token.start[0] not in docstrings:
            interiors.update(range(token.start[0] + 1, token.end[0] + 1))
    return frozenset(interiors)


def _class(piece: Piece) -> Definition:
    """Split a class into its header and its members; a one-line class stays whole."""
    node, lines = piece.node, piece.cell.source.split("\n")
    body_start = _start_line(node.body[0])
    if body_start == node.lineno:
        return Definition(piece)
    header_end = body_start - 1  # up to the first member's comments
    while header_end > node.lineno and lines[header_end - 1].strip()[:1] in ("", "#"):
        header_end -= 1
    members: dict[str, Piece] = {}
    body = _pieces(node.body, lines, header_end + 1, piece.lines[-1][0], piece.cell, piece.verbatim)
    for index, member in enumerate(body):
        key = _key(member.node) if isinstance(member.node, DEFINITIONS) else f"<statement {index}>"
        key = "__doc__" if index == 0 and _is_docstring(member.node) else key
        if key in members:
            _fail(member, f"{node.name}.{key} is defined twice in the class body")
        members[key] = member
    return Definition(replace(piece, lines=[line for line in piece.lines if line[0] <= header_end]), members)


def _decorated_class(piece: Piece) -> str | None:
    """The class named by `@add_to_class(Name)` or `@add_to_class(cls=Name)` on this statement, if any."""
    node = piece.node
    for index, decorator in enumerate(getattr(node, "decorator_list", [])):
        if not _is_add_to_class(decorator):
            continue
        arguments = [*decorator.args, *decorator.keywords] if isinstance(decorator, ast.Call) else []
        named = arguments[0] if len(arguments) == 1 else None
        named = named.value if isinstance(named, ast.keyword) and named.arg == "cls" else named
        problem = (
            f"goes on a function, not on a {type(node).__name__}"
            if not isinstance(node, FUNCTIONS)
            else "must be the first (outermost) decorator"
            if index
            else "must name one class of this module, as @add_to_class(Value) or @add_to_class(cls=Value)"
            if not isinstance(named, ast.Name)
            else None
        )
        if problem:
            _fail(piece, f"@{ast.unparse(decorator)}: @{DECORATOR} {problem}")
        return named.id
    return None


def _needless(node: ast.stmt, module: Module) -> bool:
    """`from micrograd.literate import add_to_class`, needless once the methods sit in their classes, unless the
    module names add_to_class anywhere but in the decorators the tangler takes off."""
    if not (isinstance(node, ast.ImportFrom) and [alias.name for alias in node.names] == [DECORATOR]):
        return False
    pieces = [d.piece for d in module.definitions.values()]
    pieces += [m for d in module.definitions.values() for m in (d.members or {}).values()]
    for piece in pieces:
        stripped = {
            id(inner)
            for node in ast.walk(piece.node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            for decorator in node.decorator_list
            if _is_add_to_class(decorator)
            for inner in ast.walk(decorator)
        }
        if any(isinstance(n, ast.Name) and n.id == DECORATOR and id(n) not in stripped for n in ast.walk(piece.node)):
            return False
    return True


def _is_add_to_class(decorator: ast.expr) -> bool:
    call = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(call, ast.Name) and call.id == DECORATOR


def _key(node: ast.stmt) -> str:
    """A member's name; `@x.setter def x` is keyed `x.setter`, so a property and its setter are both kept."""
    if isinstance(node, FUNCTIONS):
        return node.name + "".join(
            f".{d.attr}"
            for d in node.decorator_list
            if isinstance(d, ast.Attribute) and isinstance(d.value, ast.Name) and d.value.id == node.name
        )
    return " ".join(_names(node))


def _names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.ClassDef, *FUNCTIONS)):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)]


def _start_line(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _fail(piece: Piece, message: str):
    raise ChapterError(piece.cell.chapter, piece.at(_start_line(piece.node)), message)


# --- Writing modules out: their text, and each line's (cell, cell line)


def _render(module: Module, modules: dict[str, Module], root: Path) -> tuple[str, list]:
    out: list[tuple[str, tuple[Cell, int] | None]] = [(line, None) for line in _header(module)] + [("", None)]
    if module.docstring is not None:
        _emit(out, module.docstring)
    elif module.path.endswith("__init__.py"):
        out += [(line, None) for line in _package_map(modules)]
    if len(out) > len(_header(module)) + 1:
        out.append(("", None))
    for code in sorted(module.imports, key=lambda code: not code.startswith("from __future__")):
        if not _needless(module.imports[code].node, module):
            _emit(out, module.imports[code])
    previous = None  # the provenance line written last: one per section
    for definition in dict.fromkeys(module.definitions.values()):  # once each, in order
        out += [("", None)] * (2 if out[-1][0] else 1)  # two blank lines before each definition (PEP 8)
        origin = _origin(definition.piece.cell, root)
        if origin != previous:
            out.append((origin, None))
            previous = origin
        _emit(out, definition.piece)
        for number, member in enumerate((definition.members or {}).values()):
            if number:
                out.append(("", None))
            if _origin(member.cell, root) != previous:
                previous = _origin(member.cell, root)
                out.append((" " * INDENT + previous, None))
            _emit(out, member, INDENT)
        previous = origin if definition.members else previous
    while not out[-1][0]:
        out.pop()
    return "\n".join(text for text, _ in out) + "\n", [where for _, where in out]


def _emit(out: list, piece: Piece, indent: int = 0) -> None:
    shift = indent - piece.column
    for number, text in piece.lines:
        if number not in piece.verbatim:
            spaces = len(text) - len(text.lstrip(" "))
            shifted = " " * shift + text.rstrip() if shift >= 0 else text[min(-shift, spaces) :].rstrip()
            text = shifted if text.strip() else ""
        out.append((text, (piece.cell, number)))


def _origin(cell: Cell, root: Path) -> str:
    return f'# From {_relative(cell.chapter, root)}, section "{cell.section}"'


def _header(module: Module) -> list[str]:
    lines = ["# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters."]
    if module.chapters:
        lines += [f"# To change it, edit the code cells marked `:tangle: {module.path}` in", "#"]
        lines += [f"#     {chapter}" for chapter in module.chapters]
        lines += ["#", "# then run `make tangle`.  Each definition below names the chapter section it comes from."]
    return lines


def _package_map(modules: dict[str, Module]) -> list[str]:
    """The docstring of `__init__.py`: the chapters of each module."""
    lines = [
        '"""micrograd: a scalar autograd engine and a small neural-network library, written in the book.',
        "",
        "Each module and the chapters it is tangled from:",
        "",
    ]
    for path, module in sorted(modules.items()):
        if not path.endswith("__init__.py") and module.chapters:
            lines.append(f"    {path[:-3].replace('/', '.'):<20} {', '.join(module.chapters)}")
    return lines + ['"""']


def _verify_definitions(module: Module, text: str) -> None:
    """Each definition in the tangled module is the code of its cell (decorator @add_to_class aside)."""
    try:
        body = [node for node in ast.parse(text).body if not isinstance(node, (ast.Import, ast.ImportFrom))]
    except SyntaxError as error:
        raise RuntimeError(f"tangled {module.path} does not compile: {error}; this is a bug in the tangler") from None
    pairs = []  # (tangled statement, its piece, whether to compare only the class header)
    for node, definition in zip_longest(
        body[1:] if body and _is_docstring(body[0]) else body, dict.fromkeys(module.definitions.values())
    ):
        pairs.append((node, definition and definition.piece, bool(definition and definition.members is not None)))
        if pairs[-1][2] and isinstance(node, ast.ClassDef):
            pairs += [(inner, member, False) for inner, member in zip_longest(node.body, definition.members.values())]
    for node, piece, shell in pairs:
        if node is None or piece is None or _canonical(node, shell) != _canonical(piece.node, shell):
            where = f"{piece.cell.chapter.name}:{piece.at(_start_line(piece.node))}: " if piece else ""
            raise RuntimeError(
                f"{where}tangled {module.path} does not match the cell that defines this; this is a bug in the tangler"
            )


def _canonical(node: ast.stmt, shell: bool) -> str:
    """The code of a definition, without @add_to_class, its docstrings cleaned."""
    node = copy.deepcopy(node)
    if shell:
        node.body = []
    for inner in ast.walk(node):
        if isinstance(inner, (ast.ClassDef, *FUNCTIONS)):
            inner.decorator_list = [d for d in inner.decorator_list if not _is_add_to_class(d)]
            if inner.body and _is_docstring(inner.body[0]):
                inner.body[0].value.value = inspect.cleandoc(inner.body[0].value.value)
    return ast.dump(node)


IMPORT_EVERY_MODULE = """
import importlib, sys, traceback
folder, names = sys.argv[1], sys.argv[2:]
for name in names:
    try:
        importlib.import_module(name)
    except BaseException as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(folder)]
        where = [frames[-1].filename[len(folder) + 1:], str(frames[-1].lineno)] if frames else ["", "0"]
        print(name, *where, f"{type(error).__name__}: {error}", sep="\\n")
        sys.exit(1)
"""


def _verify_import(files: dict[str, str], where: dict[str, list]) -> None:
    """Import every module of the package in a fresh interpreter; a failure names its cell."""
    names = [path[:-3].replace("/", ".").removesuffix(".__init__") for path in sorted(files)]
    with tempfile.TemporaryDirectory() as folder:
        write(files, Path(folder))
        result = subprocess.run(
            [sys.executable, "-c", IMPORT_EVERY_MODULE, os.path.realpath(folder), *names],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": folder, "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
        )
    if result.returncode == 0:
        return
    if not result.stdout:
        raise RuntimeError(f"could not import the tangled package:\n{result.stderr}")
    name, path, line, problem = result.stdout.split("\n", 3)
    origin = where.get(path, [])[int(line) - 1] if path in where and 0 < int(line) <= len(where[path]) else None
    message = f"{name} does not import: {problem.strip()}"
    if origin is None:
        raise ChapterError(path or name, int(line) or None, message)
    raise ChapterError(origin[0].chapter, origin[0].line + origin[1] - 1, message)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.tangle", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with micrograd/ on disk; write nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's root folder (holding _toc.yml)")
    args = parser.parse_args(argv)
    try:
        files = tangle(args.root.resolve())
    except ChapterError as error:
        print(f"tangle: {error}\ntangle: nothing was written.", file=sys.stderr)
        return 1
    return sync(files, args.root.resolve(), PACKAGE, "*.py", "tangle", args.check)


if __name__ == "__main__":
    sys.exit(main())
