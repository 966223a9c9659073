"""The Makefile's targets do what the README promises: the gates check, and only `make tangle` writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.chapters import ROOT

COPIED = ["Makefile", "_config.yml", "_toc.yml", "requirements.txt", "book", "micrograd", "notebooks", "tools"]


def _dry_run(target: str) -> str:
    """The commands `make TARGET` would run (the .venv stamp taken as up to date)."""
    result = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", target], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.mark.parametrize("target", ["test", "book"])
def test_the_gates_check_the_generated_files_and_never_write_them(target):
    commands = _dry_run(target)
    assert "tools.tangle --check" in commands and "tools.notebooks --check" in commands
    assert "ruff check" in commands and "ruff format --check" in commands
    written = [
        line
        for line in commands.splitlines()
        if ("tools.tangle" in line or "tools.notebooks" in line) and "--check" not in line
    ]
    assert not written, f"`make {target}` would rewrite generated files, hiding drift: {written}"
    last = "pytest" if target == "test" else "tools.site_config build"
    assert commands.index("--check") < commands.index(last)


def test_make_book_builds_the_site_and_its_pdf_and_runs_no_test():
    commands = _dry_run("book")
    assert commands.index("tools.site_config build") < commands.index("tools.browser pdf") < commands.index("stamp")
    assert "pytest" not in commands


def test_make_test_builds_only_a_missing_or_stale_site_then_tests_it():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "tools.site_config fresh || $(MAKE) --no-print-directory site" in recipe
    assert recipe.index("fresh") < recipe.index("BOOK_SITE=$(CURDIR)/_build/html $(PY) -m pytest")


def test_the_quick_loop_never_installs_system_packages():
    assert "apt-get" not in _dry_run("check")


@pytest.mark.parametrize("target", ["tangle", "notebooks", "html", "check"])
def test_targets_without_a_browser_do_not_install_one(target):
    assert "chromium" not in _dry_run(target).lower()


def _copy(tmp_path: Path) -> Path:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def test_a_hand_edited_generated_file_fails_the_gate(tmp_path):
    """End to end, in a copy of the repository: what the Pages workflow runs (`make book`) starts with `make
    generated`: a pull request that edits the package by hand fails there, before anything is built or deployed.
    (A hand-edited notebook fails the same gate: the test below.)"""
    copy = _copy(tmp_path)
    edited = "micrograd/engine.py"
    with open(copy / edited, "a", encoding="utf-8") as stream:
        stream.write("\n# edited by hand\n")
    result = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "-o", "dot", "generated", f"PY={sys.executable}", "VENV=.venv"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy)},
    )
    assert result.returncode != 0
    assert edited in result.stderr, result.stderr[-2000:]


def test_a_hand_edited_notebook_fails_the_notebooks_check(tmp_path, monkeypatch, capsys):
    """`make generated` runs `tools.notebooks --check` (the dry runs above): on a notebooks/ folder with one
    notebook edited by hand it fails, naming the file."""
    from tools import notebooks

    expected = notebooks.expected(ROOT)
    edited = "notebooks/04-backpropagation.ipynb"
    assert edited in expected
    for path, text in expected.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    with open(tmp_path / edited, "a", encoding="utf-8") as stream:
        stream.write("\n# edited by hand\n")
    monkeypatch.setattr(notebooks, "expected", lambda root=ROOT: expected)
    monkeypatch.setattr(notebooks, "ROOT", tmp_path)
    assert notebooks.main(["--check"]) == 1
    assert edited in capsys.readouterr().err
