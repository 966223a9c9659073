"""The interpreter behind a page's Run buttons: one module, run by the build and by the reader's browser.

The site runs a chapter's code cells in the reader's browser, in Pyodide (CPython compiled to WebAssembly, with
the standard library and nothing else).  A cell that needs NumPy, matplotlib, PyTorch or scikit-learn cannot run
there, and stays *static*: the page keeps the output the build gave it.  Which cells those are is found out, not
guessed: the build (tools/live_page.py) runs this module under plain CPython on the chapter's snapshot of
`micrograd`, with those modules blocked, and a cell is static when it fails for want of one of them.  In the
browser the same `Kernel` runs the live cells, so the build's verdict is the browser's.

    Kernel().run(source, name)   run one cell; return its outputs (a list of dicts, in order):
        {"type": "stream", "name": "stdout"|"stderr", "text": ...}   printed text (consecutive prints merged)
        {"type": "text", "text": ...}       a displayed value: the cell's last expression, or glue(...)'s
        {"type": "graph", "dot": ...}       a displayed graphviz graph (draw_dot's): its DOT source
        {"type": "error", "ename", "evalue", "traceback"}   the exception that stopped the cell
        {"type": "static", "module": ..., "reason": ...}    the cell needs a module the page does not have
        {"type": "skipped", "text": ...}    an import of such a module, skipped (the names it binds stay unbound)
        {"type": "data", "module", "names"} the cell made data with such a module: the page has the build's values

    Kernel().provide(source, values, outputs)   stand in for a cell tagged `live-data` (tools/live_page.py)

A cell runs one top-level statement at a time, as IPython does with the last expression, so that an import
cell that also imports matplotlib still imports micrograd: the blocked import is skipped and the names it would
bind are remembered.  A later cell that uses one of them (`plt`) is static, and so is a cell that uses a name only
a static cell defines.  A function or class whose body uses one of them is left undefined (it could not work in
the page), and a cell that does nothing but define such code is static: a cell is live only when what it defines
works in the page too.

    python tools/live_kernel.py < cells.json > results.json      (the build: cells in, each one's outputs and
                                                                  how long it ran out)
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import linecache
import math
import pprint
import sys
import time
import traceback
import types

# What the browser's Python does not have (Pyodide ships them as separate packages, which the site does not serve).
BLOCKED = ("numpy", "matplotlib", "torch", "sklearn", "scipy", "pandas", "IPython")
WIDTH = 79  # IPython's pretty printer wraps a displayed value at 79 characters


class _Blocker:
    """A meta path finder that refuses the blocked modules (the build's stand-in for Pyodide's missing ones)."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def block_modules() -> None:
    """Make the blocked modules unimportable in this process (the build's run; Pyodide has none of them)."""
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
    if not any(isinstance(finder, _Blocker) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Blocker())


def _blocked(error: BaseException) -> str | None:
    """The blocked module an ImportError is about, or None."""
    if isinstance(error, ImportError):
        name = (error.name or "").split(".")[0]
        if name in BLOCKED:
            return name
    return None


class _Stream(io.TextIOBase):
    def __init__(self, kernel: Kernel, name: str):
        self.kernel, self.name = kernel, name

    def writable(self):
        return True

    def write(self, text):
        self.kernel._emit({"type": "stream", "name": self.name, "text": str(text)})
        return len(text)


def bound_names(tree: ast.AST) -> set[str]:
    """The names the top-level statements of `tree` bind (assignments, definitions, imports, loop targets)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    # Names bound inside functions and classes are theirs, not the notebook's; leaving them in only errs on the
    # side of calling a cell static.
    return names


def module_names(statement: ast.AST) -> set[str]:
    """The names a statement binds in the notebook's namespace: not those bound inside the functions and classes it
    defines (which are theirs), but their own names."""
    names, todo = set(), [statement]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            todo.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        todo.extend(ast.iter_child_nodes(node))
    return names


def _tanh(x):
    """tanh as glibc computes it (fdlibm's algorithm, from expm1).  The C library of Pyodide (musl) computes it
    differently and differs in the last bit, which the chapters print and assert; with this the page prints what
    the book printed.  (Equal to glibc's math.tanh on every one of 250,000 random arguments tried.)"""
    x = float(x)
    if x != x:
        return x
    a = abs(x)
    if a >= 22.0:
        z = 1.0
    elif a < 2.0**-55:
        return x * (1.0 + x)
    elif a >= 1.0:
        z = 1.0 - 2.0 / (math.expm1(2.0 * a) + 2.0)
    else:
        t = math.expm1(-2.0 * a)
        z = -t / (t + 2.0)
    return math.copysign(z, x)


class Kernel:
    """One interpreter for one page: the cells share a namespace, as in a notebook."""

    def __init__(self):
        if sys.platform == "emscripten":  # Pyodide
            math.tanh = _tanh
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.missing: dict[str, str] = {}  # unbound name -> why (the module it needs)
        self._outputs: list[dict] = []
        self.namespace["display"] = self.display
        sys.modules["myst_nb"] = _myst_nb(self)

    # -- output --------------------------------------------------------------------------------------------

    def _emit(self, output: dict) -> None:
        last = self._outputs[-1] if self._outputs else None
        if output["type"] == "stream" and last and last["type"] == "stream" and last["name"] == output["name"]:
            last["text"] += output["text"]
        elif output["type"] != "stream" or output["text"]:
            self._outputs.append(output)

    def display(self, value) -> None:
        """Show `value` under the cell, as a notebook displays it."""
        if value is None:
            return
        module = type(value).__module__ or ""
        if module.split(".")[0] == "graphviz" and hasattr(value, "source"):
            self._emit({"type": "graph", "dot": value.source})
        else:
            self._emit({"type": "text", "text": pprint.pformat(value, width=WIDTH, sort_dicts=False)})

    # -- running a cell --------------------------------------------------------------------------------------

    def run(self, source: str, name: str = "cell") -> list[dict]:
        """Run one cell; return its outputs."""
        self._outputs = []
        filename = f"<{name}>"
        # inspect.getsource() finds a cell's functions through linecache, as in IPython.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(self, "stdout"), _Stream(self, "stderr")
        try:
            self._run(source, filename)
        finally:
            sys.stdout, sys.stderr = saved
        return self._outputs

    def skip(self, source: str, reason: str) -> list[dict]:
        """Do not run a cell the book keeps static for `reason`; what it binds stays unbound."""
        self._outputs = []
        try:
            tree = ast.parse(source)
        except SyntaxError:
            tree = ast.Module([], type_ignores=[])
        for bound in bound_names(tree):
            self.missing[bound] = reason
            self.namespace.pop(bound, None)
        self._emit({"type": "static", "module": reason, "reason": "kept static by the book"})
        return self._outputs

    def provide(self, source: str, values: dict, outputs: list[dict]) -> list[dict]:
        """Stand in for a cell that makes data with a module the page does not have: bind the values the build's
        run of the cell gave (`values`, {name: value}) and show what that run showed (`outputs`)."""
        needed = self._missing_in(ast.parse(source))
        module = needed[1] if needed else "a module the page does not have"
        self._outputs = []
        for name, value in values.items():
            self.namespace[name] = value
            self.missing.pop(name, None)
        for output in outputs:
            self._emit(dict(output))
        self._emit({"type": "data", "module": module, "names": sorted(values)})
        return self._outputs

    def _run(self, source: str, filename: str) -> None:
        try:
            tree = ast.parse(source, filename)
        except SyntaxError as error:
            self._error(error)
            return
        statements = tree.body
        show_last = bool(statements) and isinstance(statements[-1], ast.Expr) and not source.rstrip().endswith(";")
        ran, unusable = False, None
        for index, statement in enumerate(statements):
            last = show_last and index == len(statements) - 1
            needed = self._missing_in(statement)
            if needed and isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                # A function or class that would call NumPy & co. cannot work here: its name stays unbound.
                self.missing[statement.name] = needed[1]
                self.namespace.pop(statement.name, None)
                unusable = unusable or needed
                continue
            try:
                if last:
                    code = compile(ast.Expression(statement.value), filename, "eval")
                    value = eval(code, self.namespace)
                    self.display(value)
                else:
                    code = compile(ast.Module([statement], type_ignores=[]), filename, "exec")
                    exec(code, self.namespace)
            except Exception as error:
                module = _blocked(error)
                if module and isinstance(statement, (ast.Import, ast.ImportFrom)):
                    names = bound_names(statement)
                    for bound in names:
                        self.missing[bound] = module
                        self.namespace.pop(bound, None)
                    self._emit({"type": "skipped", "text": f"{ast.unparse(statement)}  # not in the browser"})
                    continue
                name = getattr(error, "name", None) if isinstance(error, NameError) else None
                module = module or (self.missing.get(name) if name else None)
                if module:
                    self._static(tree, module, error)
                else:
                    self._error(error)
                return
            else:
                ran = ran or not isinstance(statement, (ast.Import, ast.ImportFrom))
                for bound in module_names(statement):
                    self.missing.pop(bound, None)
        if unusable and not ran:  # the cell only defines what the page cannot run: it is static
            name, module = unusable
            self._static(tree, module, NameError(f"name {name!r} is not defined in the page"))

    def _missing_in(self, statement: ast.AST) -> tuple[str, str] | None:
        """A name the statement reads anywhere (in a function's body too) that the page cannot bind, and why.  A
        name a function binds itself (`import torch` inside it, say) is its own, not the page's."""
        local = set()
        for node in ast.walk(statement):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                local |= {arg.arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg)}
                if not isinstance(node, ast.Lambda):
                    local |= set().union(*(bound_names(child) for child in node.body))
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id in self.missing
                and node.id not in local
            ):
                return node.id, self.missing[node.id]
        return None

    def _static(self, tree: ast.AST, module: str, error: BaseException) -> None:
        """The cell needs `module`: what it binds is unbound from here on (later cells that use it are static)."""
        for bound in bound_names(tree):
            self.missing[bound] = module
            self.namespace.pop(bound, None)
        self._emit({"type": "static", "module": module, "reason": f"{type(error).__name__}: {error}"})

    def _error(self, error: BaseException) -> None:
        # The frames of the cells and of the package, not this module's.
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        lines = traceback.format_exception(type(error), error, tb)
        self._emit(
            {
                "type": "error",
                "ename": type(error).__name__,
                "evalue": str(error),
                "traceback": "".join(lines),
            }
        )


def _myst_nb(kernel: Kernel) -> types.ModuleType:
    """myst-nb's `glue`, as the page shows it: the value under the cell (display=True) or nothing."""
    module = types.ModuleType("myst_nb", "The live page's stand-in for myst-nb: only glue().")

    def glue(name, value, display=True):
        if display:
            kernel.display(value)

    module.glue = glue
    return module


def plain(value):
    """`value` as JSON can carry it (NumPy arrays and numbers as lists and Python numbers), or raise TypeError."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: plain(item) for key, item in value.items()}
    if hasattr(value, "tolist"):  # a NumPy array or number
        return plain(value.tolist())
    raise TypeError(f"{type(value).__name__} cannot be handed to the page")


def main() -> int:
    """The build's run.  On stdin: {"cells": [source, ...], "static": {index: reason}, "data": {index: {"values":
    {name: value}, "outputs": [...]}}, "collect": [index, ...], "block": true}; on stdout {"outputs": [outputs of
    each cell], "seconds": [how long each cell ran], "values": {index: {name: value}}}.  The cells in "static" are
    not run; those in "data" bind the values given (`Kernel.provide`); after each cell in "collect", the values of
    the names it bound are returned.  "block": false runs with NumPy & co. importable (to collect data)."""
    request = json.load(sys.stdin)
    static = {int(k): v for k, v in request.get("static", {}).items()}
    data = {int(k): v for k, v in request.get("data", {}).items()}
    collect = set(request.get("collect", []))
    if request.get("block", True):
        block_modules()
    out = sys.stdout
    kernel = Kernel()
    outputs, seconds, values = [], [], {}
    for index, source in enumerate(request["cells"]):
        began = time.perf_counter()
        if index in static:
            outputs.append(kernel.skip(source, static[index]))
        elif index in data:
            outputs.append(kernel.provide(source, data[index]["values"], data[index]["outputs"]))
        else:
            outputs.append(kernel.run(source, f"cell-{index}"))
        seconds.append(round(time.perf_counter() - began, 3))
        if index in collect:
            names = bound_names(ast.parse(source))
            bound = {name: kernel.namespace[name] for name in sorted(names) if name in kernel.namespace}
            values[index] = {name: plain(v) for name, v in bound.items() if not isinstance(v, types.ModuleType)}
    json.dump({"outputs": outputs, "seconds": seconds, "values": values}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
