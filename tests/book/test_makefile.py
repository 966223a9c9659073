"""The Makefile's targets do what the README promises: the gates check, and only `make tangle` writes."""

from __future__ import annotations

import os
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


FAKE = """#!/bin/bash
echo "start $*" >> "$LOG"
case "$*" in *fresh*) exit $FRESH;; *"not pdf"*|pdf) sleep 0.5;; esac
echo "end $*" >> "$LOG"
[ "$*" != "$FAIL" ]
"""


def _make_test(tmp_path: Path, fresh: bool, fail: str = "nothing fails") -> tuple[int, list[str]]:
    """`make test` with every command it runs replaced by a stand-in that logs it: (exit status, the log)."""
    fake, log = tmp_path / "fake", tmp_path / "log"
    fake.write_text(FAKE)
    fake.chmod(0o755)
    variables = [f"PY={fake}", f"TEST_SITE={fake} pytest", f"PRINT_PDF={fake} pdf", f"PDF_LOG={tmp_path / 'pdf.log'}"]
    env = {**os.environ, "LOG": str(log), "FRESH": "0" if fresh else "1", "FAIL": fail}
    command = ["make", "-s", "-o", "setup", "-o", "lint", "-o", "generated", "test", *variables]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    return result.returncode, log.read_text().splitlines()


def test_make_test_tests_a_fresh_site_as_it_is(tmp_path):
    status, log = _make_test(tmp_path, fresh=True)
    assert status == 0
    assert log == ["start -m tools.site_config fresh", "start pytest -n auto", "end pytest -n auto"]


def test_make_test_builds_a_stale_site_and_tests_it_while_its_pdf_prints(tmp_path):
    status, log = _make_test(tmp_path, fresh=False)
    assert status == 0
    at = {line: index for index, line in enumerate(log)}
    assert at["end -m tools.site_config build"] < at["start pytest -n auto -m not pdf"]
    assert at["start pdf"] < at["end pytest -n auto -m not pdf"]  # side by side
    assert at["start pytest -n auto -m not pdf"] < at["end pdf"]
    assert at["end pdf"] < at["start -m tools.site_config stamp"] < at["start pytest -m pdf -p no:xdist"]


@pytest.mark.parametrize("fail", ["pytest -n auto -m not pdf", "pytest -m pdf -p no:xdist"])
def test_make_test_fails_when_a_test_fails(tmp_path, fail):
    status, log = _make_test(tmp_path, fresh=False, fail=fail)
    assert status != 0
    assert "end -m tools.site_config stamp" in log  # the site was built, whatever the tests say


def test_make_test_stops_when_the_pdf_cannot_be_printed(tmp_path):
    status, log = _make_test(tmp_path, fresh=False, fail="pdf")
    assert status != 0
    assert not any("stamp" in line or "-m pdf" in line for line in log)


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
