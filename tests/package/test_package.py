"""The generated package: importable, installable from the repository, and free of third-party dependencies
except graphviz for drawing and NumPy for the tensor engine and its layers (micrograd.tensor, micrograd.tensor_nn, an
optional extra)."""

import ast
import shutil
import subprocess
import sys

from conftest import ROOT

PACKAGE = ROOT / "micrograd"
STDLIB = set(sys.stdlib_module_names)


def test_every_module_says_it_is_generated_and_where_to_edit():
    for module in sorted(PACKAGE.glob("*.py")):
        text = module.read_text()
        assert text.startswith("# GENERATED FILE -- DO NOT EDIT."), module.name
        if module.name != "__init__.py":
            assert "book/" in text.split("\n\n")[0], f"{module.name} does not name its chapters"


# The one third-party import each module may make besides the standard library.
ALLOWED = {"viz.py": "graphviz", "tensor.py": "numpy", "tensor_nn.py": "numpy"}


def test_only_the_standard_library_graphviz_for_drawing_and_numpy_for_tensors():
    for module in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                allowed = top in STDLIB or top == "micrograd" or top == ALLOWED.get(module.name)
                assert allowed, f"{module.name} imports {name}"


def test_installs_from_the_repository_and_imports(tmp_path):
    # Built from a copy of what the build reads: setuptools writes build/ and *.egg-info next to pyproject.toml,
    # and a test writes only under its temporary folder, never into the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "micrograd", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    assert (target / "micrograd" / "engine.py").is_file()
    probe = (
        "import micrograd.engine as e, sys; from micrograd.engine import Value;"
        "x = Value(3.0); y = x * x + 1; y.backward(); print(e.__file__, y.data, x.grad)"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    where, value, grad = run.stdout.split()
    assert where.startswith(str(target)) and float(value) == 10.0 and float(grad) == 6.0
