"""The reader's layer: the cells a reader reads, edits and runs hold the lesson; the book's checks are hidden.

A number the prose states comes from its cell through myst-nb's `glue`, or is asserted, in a cell tagged
`remove-cell`: the build runs it and fails on it, the page never shows or runs it (tools/sphinx_ext.py), and the
notebooks run it folded away and guarded (tools/notebooks.py).  So:

- no reader-facing cell calls `glue` or imports myst-nb, and the whole book shows at most MAX_VISIBLE_ASSERTS
  asserts, kept where checking is the lesson;
- a hidden cell binds no name that a later reader-facing cell reads (the page does not run it);
- a glue key names the chapter it is in.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tools import ROOT
from tools.chapters import read_cells, toc_chapters
from tools.notebooks import guarded_check
from tools.sphinx_ext import CHECK_TAG, free_and_bound, heavy_needs

CHAPTERS = toc_chapters(ROOT)
MAX_VISIBLE_ASSERTS = 40
APPENDIX_PREFIXES = {
    "appendix-floating-point": "fp_",
    "appendix-engine-contract": "contract_",
    "appendix-performance": "perf_",
    "appendix-drawing-graphs": "drawing_",
    "appendix-how-the-book-is-made": "making_",
    "appendix-verification": "verify_",
}
GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([A-Za-z0-9_]+)")
GLUE_CALL = re.compile(r"""\bglue\(\s*f?["']([A-Za-z0-9_]+)""")


def glue_prefix(chapter: Path) -> str:
    number = re.match(r"(\d\d)-", chapter.name)
    return f"ch{number.group(1)}_" if number else APPENDIX_PREFIXES[chapter.stem]


def hidden(cell) -> bool:
    return CHECK_TAG in cell.metadata.get("tags", [])


def visible_lines(cells):
    for cell in cells:
        if not hidden(cell):
            for offset, line in enumerate(cell.source.splitlines()):
                yield cell, cell.line + offset, line


@pytest.fixture(scope="module")
def book():
    return {chapter: read_cells(chapter, ROOT) for chapter in CHAPTERS}


def test_no_reader_facing_cell_calls_glue_or_imports_myst_nb(book):
    found = [
        f"{chapter.relative_to(ROOT)}:{number}: {line.strip()}"
        for chapter, cells in book.items()
        for _, number, line in visible_lines(cells)
        if re.search(r"\bglue\(|\bmyst_nb\b", line)
    ]
    assert not found, "move these into a hidden cell (tags: [remove-cell]) after the cell:\n" + "\n".join(found)


def test_at_most_forty_asserts_are_visible(book):
    found = [
        f"{chapter.relative_to(ROOT)}:{number}"
        for chapter, cells in book.items()
        for _, number, line in visible_lines(cells)
        if re.match(r"\s*assert\b", line)
    ]
    assert len(found) <= MAX_VISIBLE_ASSERTS, (
        f"{len(found)} visible asserts (at most {MAX_VISIBLE_ASSERTS}; keep one only where checking is the lesson):\n"
        + "\n".join(found)
    )


def test_a_hidden_check_binds_nothing_a_later_cell_reads(book):
    problems = []
    for chapter, cells in book.items():
        names = [free_and_bound(cell.source) for cell in cells]
        for index, cell in enumerate(cells):
            if not hidden(cell):
                continue
            bound = names[index][1]
            # What the reader-facing cells bind themselves, above the hidden cell and as they go on below it.
            provided = set().union(*(names[i][1] for i in range(index) if not hidden(cells[i])))
            for later in range(index + 1, len(cells)):
                if hidden(cells[later]):
                    continue
                used = (names[later][0] & bound) - provided
                if used:
                    problems.append(
                        f"{chapter.relative_to(ROOT)}:{cell.line}: the hidden cell binds {sorted(used)}, which the "
                        f"cell at line {cells[later].line} reads (the page and the notebooks do not run it)"
                    )
                provided |= names[later][1]
    assert not problems, "\n".join(problems)


def test_glue_keys_name_their_chapter(book):
    problems = []
    for chapter, cells in book.items():
        prefix = glue_prefix(chapter)
        keys = {key for cell in cells for key in GLUE_CALL.findall(cell.source)}
        keys |= set(GLUE_ROLE.findall(chapter.read_text(encoding="utf-8")))
        problems += [f"{chapter.relative_to(ROOT)}: {key}" for key in sorted(keys) if not key.startswith(prefix)]
    assert not problems, "glue keys must start with their chapter's prefix (chNN_):\n" + "\n".join(problems)


def test_a_notebook_check_that_fails_on_a_readers_numbers_says_so_in_one_line(capsys):
    namespace = {"glue": lambda name, value, display=True: print(f"{name} = {value}"), "x": 3}
    exec(guarded_check("from myst_nb import glue\nglue('ch01_x', x, display=False)\nassert x == 2"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "ch01_x = 3"
    assert len(printed) == 2 and "does not hold" in printed[1] and "AssertionError" in printed[1]
    ast.parse(guarded_check("def f():\n    '''two\n    lines'''\n    return 1"))


def test_a_later_cell_needs_a_heavy_cell_only_for_its_names():
    sources = [
        "from micrograd.engine import Value\nx = Value(2.0)",
        "import time\nsizes = [1, 2]\nratio = 3.0",  # heavy: a timing
        "y = x * 2\nprint(y)",
        "print(ratio)",
        "ratio = 5\nprint(ratio)",
        "train = [x]\nfor p in train:\n    p.grad = 0",  # heavy, and mutates x through p
        "print(x.grad)",
    ]
    heavy = [False, True, False, False, False, True, False]
    needs = heavy_needs(sources, [True] * len(sources), heavy)
    assert needs[2] == [] and needs[3] == [1] and needs[6] == [1, 5]  # cell 5 reads x, so it may change it
    assert heavy_needs(sources[:5] + ["ratio = 7\nprint(ratio)"], [True] * 6, heavy[:6])[5] == [1]  # cell 3 reads it
    assert heavy_needs(["a = 1", "b = 2", "print(a)"], [True] * 3, [True, True, False])[2] == [0]
    # A timing that only calls the chapter's functions is not needed by a cell that uses them too.
    timing = ["from micrograd.engine import Value\ndef f(n):\n    return n", "t = [f(n) for n in range(3)]",
              "x = Value(1.0)\nprint(f(2), x)"]  # fmt: skip
    assert heavy_needs(timing, [True] * 3, [False, True, False])[2] == []


@pytest.mark.book
def test_the_site_shows_no_glue_and_at_most_forty_asserts(site):
    from bs4 import BeautifulSoup

    asserts, glue = [], []
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        for block in soup.select("div.cell_input pre"):
            code = block.get_text()
            asserts += [page.name for line in code.splitlines() if re.match(r"\s*assert\b", line)]
            if re.search(r"\bglue\(|\bmyst_nb\b", code):
                glue.append(page.name)
    assert not glue, f"glue or myst_nb visible on {sorted(set(glue))}"
    assert len(asserts) <= MAX_VISIBLE_ASSERTS, f"{len(asserts)} asserts visible on the site"
