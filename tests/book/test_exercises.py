"""Every chapter of the numbered parts (Part I, Part II, Part III, ...) ends with numbered exercises whose
solutions run and assert their results, and one of them is "write it yourself first", with a check(...) helper.

Read from the chapters as the build reads them (myst-nb's reader and markdown-it's tokens): an exercise is a
sphinx-exercise `{exercise}` directive; its solution is the cells between `{solution-start}` and `{solution-end}`.
The build executes every one of those cells, so a solution that asserts a wrong result fails the build.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from markdown_it.renderer import RendererHTML
from myst_parser.parsers.mdit import create_md_parser

from tools.chapters import ROOT, parser_config, read_cells


def _parts() -> dict[str, list[Path]]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return {part["caption"]: [ROOT / (entry["file"] + ".md") for entry in part["chapters"]] for part in toc["parts"]}


# Every numbered part ("Part I: ...", "Part II: ...", "Part III: ...", and any later one); not the appendices.
TAUGHT = [chapter for caption, chapters in _parts().items() if caption.startswith("Part ") for chapter in chapters]


def _directives(chapter: Path) -> list[tuple[str, int]]:
    """(directive name, 1-based line) of every fenced directive of the chapter, in order."""
    tokens = create_md_parser(parser_config(ROOT), RendererHTML).parse(chapter.read_text(encoding="utf-8"))
    return [
        (token.info.strip()[1:].split("}")[0], token.map[0] + 1)
        for token in tokens
        if token.type in ("fence", "colon_fence") and token.info.strip().startswith("{") and token.map
    ]


def test_every_numbered_part_is_found():
    captions = [caption for caption in _parts() if caption.startswith("Part ")]
    assert [caption.split(":")[0] for caption in captions[:3]] == ["Part I", "Part II", "Part III"]
    assert len(TAUGHT) >= 14
    assert not any(chapter.stem.startswith("appendix") for chapter in TAUGHT)


def _argument(chapter: Path, line: int) -> str:
    """The argument of the directive opened at `line` (its title): ```{admonition} Solution -> Solution."""
    return chapter.read_text(encoding="utf-8").splitlines()[line - 1].split("}", 1)[1].strip()


@pytest.mark.parametrize("chapter", TAUGHT, ids=[c.stem for c in TAUGHT])
def test_every_solution_runs_and_asserts(chapter):
    directives = _directives(chapter)
    exercises = [line for name, line in directives if name == "exercise"]
    assert exercises, f"{chapter.name} has no exercises"
    starts = [line for name, line in directives if name == "solution-start"]
    ends = [line for name, line in directives if name == "solution-end"]
    assert len(starts) == len(ends) == len(exercises), (
        f"{chapter.name}: {len(exercises)} exercises, {len(starts)} solutions: every exercise gets a solution"
    )
    old_style = [line for name, line in directives if name == "admonition" and _argument(chapter, line) == "Solution"]
    assert not old_style, f"{chapter.name}:{old_style[0]}: a solution as an admonition, which nothing executes"
    cells = read_cells(chapter)
    for start, end in zip(starts, ends):
        inside = [cell for cell in cells if start < cell.fence_line < end]
        assert inside, f"{chapter.name}:{start}: the solution has no code cell, so nothing checks it"
        assert any("assert" in cell.source for cell in inside), (
            f"{chapter.name}:{start}: no cell of the solution asserts its result"
        )


@pytest.mark.parametrize("chapter", TAUGHT, ids=[c.stem for c in TAUGHT])
def test_every_chapter_has_a_write_it_yourself_exercise_with_a_check(chapter):
    """The reader writes the code first and calls check(...), which says what is right or wrong."""
    cells = read_cells(chapter)
    defined = [cell for cell in cells if "def check(" in cell.source]
    called = [cell for cell in cells if "check(" in cell.source and "def check(" not in cell.source]
    assert defined and called, f"{chapter.name}: no check(...) helper for a write-it-yourself exercise"
