"""The interpreter behind a page's Run buttons: run by the build under CPython and by the page in Pyodide.

Pyodide has the standard library and nothing else, so a cell that needs NumPy, matplotlib, PyTorch or
scikit-learn is *static* and keeps the build's output.  The build (tools/sphinx_ext.py) finds those cells by
running this module on the chapter's snapshot with those modules blocked; the page runs the same `Kernel`, so
the build's verdict is the browser's.  A cell runs one top-level statement at a time: a blocked import is
skipped and the names it binds remembered; a cell that uses one, or a name only a static cell binds, is static;
a function or class that uses one stays undefined, and a cell that only defines such code is static.

`Kernel().run(source, name)` returns a cell's outputs, dicts of a "type": "stream" (printed text, consecutive
prints merged), "text" (a displayed value), "graph" (a graphviz graph's DOT source), "error", "static" (needs a
module the page lacks), "skipped" (such an import) or "data" (a `live-data` cell's values, from the build).

    python book/_static/live_kernel.py < cells.json > results.json      the build's run (`main`)
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
    """A meta path finder that refuses the blocked modules, as Pyodide lacks them."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def block_modules() -> None:
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
    """Every name `tree` binds, inside its functions and classes too (which errs on the side of static)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return names


def module_names(statement: ast.AST) -> set[str]:
    """The names a statement binds in the notebook's namespace (not those inside its functions and classes)."""
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
    """tanh as glibc computes it (fdlibm's): Pyodide's musl differs in the last bit, which chapters print."""
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
        self._unbind(bound_names(ast.parse(source)), reason)
        self._emit({"type": "static", "module": reason, "reason": "kept static by the book"})
        return self._outputs

    def _unbind(self, names: set[str], module: str) -> None:
        for name in names:
            self.missing[name] = module
            self.namespace.pop(name, None)

    def provide(self, source: str, values: dict, outputs: list[dict]) -> list[dict]:
        """Stand in for a `live-data` cell: bind the `values` the build's run gave and show its `outputs`."""
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
                self._unbind({statement.name}, needed[1])  # it would call NumPy & co.: it stays unbound
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
                    self._unbind(bound_names(statement), module)
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
        """A name the statement reads (in a function's body too, unless the function binds it) that the page cannot
        bind, and why."""
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
        self._unbind(bound_names(tree), module)
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
    """The build's run: {"cells": [source, ...], "static": {index: reason}, "data": {index: {"values", "outputs"}},
    "collect": [index, ...], "block": true} in, {"outputs": [...], "seconds": [...], "values": {index: {name:
    value}}} out: each cell's outputs, how long it ran, and the values of what each "collect" cell bound."""
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
