"""The live cells' interpreter (book/_static/live_kernel.py) under CPython, as the build runs it: what a cell shows, and
which cells are static.  The browser runs the same module in Pyodide (tests/browser/test_live.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tools.sphinx_ext import live_kernel

Kernel = live_kernel.Kernel


@pytest.fixture
def kernel():
    saved, stdout = dict(sys.modules), sys.stdout
    live_kernel.block_modules()
    yield Kernel()
    for name in [n for n in sys.modules if n not in saved]:
        del sys.modules[name]
    sys.modules.update(saved)
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, live_kernel._Blocker)]
    assert sys.stdout is stdout


def kinds(outputs):
    return [o["type"] for o in outputs]


def test_prints_and_the_last_expression_are_shown_in_order(kernel):
    outputs = kernel.run("print('a')\nprint('b')\nx = 2\nx * 21")
    assert outputs == [{"type": "stream", "name": "stdout", "text": "a\nb\n"}, {"type": "text", "text": "42"}]
    assert kernel.run("x;") == []
    assert kernel.run("None") == []


def test_a_long_value_wraps_as_a_notebook_shows_it(kernel):
    text = kernel.run("list(range(0, 3000, 100))")[0]["text"]
    assert text.startswith("[0,\n 100,\n") and max(len(line) for line in text.splitlines()) <= 79


def test_cells_share_one_namespace(kernel):
    kernel.run("def double(v):\n    return 2 * v")
    assert kernel.run("double(4)") == [{"type": "text", "text": "8"}]


def test_a_traceback_shows_the_cell_not_the_kernel(kernel):
    (error,) = kernel.run("def f():\n    return 1 / 0\nf()", "cell-7")
    assert error["type"] == "error" and error["ename"] == "ZeroDivisionError"
    assert '"<cell-7>", line 3' in error["traceback"] and "live_kernel" not in error["traceback"]


def test_the_source_of_a_cells_function_can_be_read(kernel):
    kernel.run("def shown(x):\n    return x + 1\n", "cell-1")
    assert kernel.run("import inspect\nprint(inspect.getsource(shown))")[0]["text"].startswith("def shown(x):")


def test_a_graphviz_graph_is_shown_as_its_dot_source(kernel):
    (graph,) = kernel.run("import graphviz\ng = graphviz.Digraph()\ng.node('a')\ng")
    assert graph["type"] == "graph" and "a" in graph["dot"] and graph["dot"].startswith("digraph")


def test_glue_shows_its_value_only_when_asked(kernel):
    assert kernel.run("from myst_nb import glue\nglue('n', 3, display=False)") == []
    assert kernel.run("glue('n', 3)") == [{"type": "text", "text": "3"}]


def test_an_import_of_a_blocked_module_is_skipped_and_its_users_are_static(kernel):
    outputs = kernel.run("import math\nimport numpy as np\nfrom torch import tensor\nprint(math.pi)")
    assert kinds(outputs) == ["skipped", "skipped", "stream"]
    static = kernel.run("xs = [1, 2]\nys = np.array(xs)")
    assert kinds(static) == ["static"] and static[0]["module"] == "numpy"
    # What a static cell binds is unbound, so a cell that uses it is static too -- and not an error.
    later = kernel.run("print(len(xs))")
    assert kinds(later) == ["static"] and later[0]["module"] == "numpy"
    # Binding the name again makes it usable.
    assert kernel.run("xs = [3]\nlen(xs)") == [{"type": "text", "text": "1"}]


def test_a_name_that_was_never_defined_is_an_error_not_static(kernel):
    (error,) = kernel.run("undefined_name + 1")
    assert error["type"] == "error" and error["ename"] == "NameError"


def test_a_cell_kept_static_does_not_run_and_its_names_stay_unbound(kernel):
    assert kinds(kernel.skip("slow = sum(range(10))", "too slow")) == ["static"]
    later = kernel.run("slow")
    assert kinds(later) == ["static"] and later[0]["module"] == "too slow"


def test_the_build_runs_the_kernel_as_a_program(tmp_path):
    request = {"cells": ["import matplotlib.pyplot as plt\nprint(1)", "plt.plot([1])", "2 + 2", "x = 1"],
               "static": {"3": "kept"}}  # fmt: skip
    result = subprocess.run(
        [sys.executable, live_kernel.__file__], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    results = json.loads(result.stdout)
    assert [kinds(o) for o in results["outputs"]] == [["skipped", "stream"], ["static"], ["text"], ["static"]]
    assert len(results["seconds"]) == 4 and all(s >= 0 for s in results["seconds"])


def test_tanh_as_the_build_computes_it():
    import math
    import random

    rng = random.Random(0)
    for x in [0.0, -0.0, 0.8813735870195432, 1.0, -1.0, 21.9, 22.0, 1e-20, *[rng.uniform(-6, 6) for _ in range(20000)]]:
        assert live_kernel._tanh(x) == math.tanh(x), x


def test_code_that_would_call_a_missing_module_is_static_where_it_is_defined(kernel):
    assert kinds(kernel.run("import numpy as np\nx = 1")) == ["skipped"]
    defined = kernel.run("class Tensor:\n    def __init__(self, data):\n        self.data = np.asarray(data)")
    assert kinds(defined) == ["static"] and defined[0]["module"] == "numpy"
    assert kinds(kernel.run("t = Tensor([1.0])")) == ["static"]  # what a static cell defines is missing too
    assert kernel.run("print(x)") == [{"type": "stream", "name": "stdout", "text": "1\n"}]


def test_the_build_collects_the_data_a_cell_makes_and_the_page_binds_it(tmp_path):
    cells = ["import math\nrows = [[1.0, 2.0], [3.0, math.pi]]\nprint(len(rows))", "print(rows[1][1])"]
    request = {"cells": cells, "collect": [0], "block": False}
    result = subprocess.run(
        [sys.executable, live_kernel.__file__], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    collected = json.loads(result.stdout)
    assert collected["values"] == {"0": {"rows": [[1.0, 2.0], [3.0, 3.141592653589793]]}}  # the module left out
    kernel = Kernel()
    shown = kernel.provide("import sklearn\nrows = sklearn.make()", collected["values"]["0"], collected["outputs"][0])
    assert shown[0] == {"type": "stream", "name": "stdout", "text": "2\n"} and shown[1]["type"] == "data"
    assert kernel.run(cells[1]) == [{"type": "stream", "name": "stdout", "text": "3.141592653589793\n"}]


def test_numpy_values_become_plain_lists():
    import numpy as np

    assert live_kernel.plain({"a": np.arange(3), "b": (np.float64(0.5), None)}) == {"a": [0, 1, 2], "b": [0.5, None]}
    with pytest.raises(TypeError, match="object cannot be handed"):
        live_kernel.plain(object())


def test_a_function_that_imports_a_missing_module_itself_is_live(kernel):
    kernel.run("import torch")
    source = (
        "def check():\n    try:\n        import torch\n    except ImportError:\n        torch = None\n    return torch"
    )
    assert kernel.run(source) == []
    assert kernel.run("print(check())") == [{"type": "stream", "name": "stdout", "text": "None\n"}]
    assert kinds(kernel.run("def f():\n    return torch.zeros(1)")) == ["static"]


def test_a_cell_that_also_defines_unusable_code_stays_live_for_the_rest(kernel):
    kernel.run("import matplotlib.pyplot as plt")
    outputs = kernel.run("def plot(xs):\n    plt.plot(xs)\n\nlosses = [3, 2, 1]\nprint(losses[-1])")
    assert outputs == [{"type": "stream", "name": "stdout", "text": "1\n"}]
    assert kinds(kernel.run("plot(losses)")) == ["static"] and kernel.run("len(losses)") == [
        {"type": "text", "text": "3"}
    ]
