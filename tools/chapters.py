"""Read the book as the build reads it: the order of `_toc.yml`, each chapter parsed once by myst-nb's reader."""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from markdown_it.renderer import RendererHTML
from myst_nb.core.read import MystMetadataParsingError, read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from tools import ROOT

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # every control character but the newline and the tab
CHECK_TAG = "remove-cell"  # the book's own checks (glue calls, asserts): the build runs them, never the page


class ChapterError(Exception):
    """A problem in a chapter, reported as `file:line: message` so an editor can jump to it."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path, self.line, self.message = Path(path), line, message
        where = f"{_display(self.path)}:{line}" if line else _display(self.path)
        super().__init__(f"{where}: {message}")


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


@dataclass
class Cell:
    """One code cell of a chapter, with where it came from."""

    chapter: Path  # the chapter file
    fence_line: int  # 1-based line of the cell's opening fence (where its options are)
    line: int  # 1-based line of the cell's first code line
    source: str  # the code
    metadata: dict  # the cell's options (`:tangle:`, `:tags:`, ...)
    section: str  # the title of the nearest heading above the cell


def toc_chapters(root: Path = ROOT) -> list[Path]:
    """Every file `_toc.yml` lists, in reading order (root first, then parts, chapters and sections)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files: list[str] = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [root / (f if f.endswith(".md") else f + ".md") for f in files]


def check_toc(root: Path = ROOT) -> None:
    """Every file `_toc.yml` lists exists, and every chapter under book/ is listed."""
    listed = toc_chapters(root)
    for path in listed:
        if not path.is_file():
            raise ChapterError(
                root / "_toc.yml", None, f"lists {path.relative_to(root).as_posix()}, which does not exist"
            )
    listed_set = {path.resolve() for path in listed}
    for path in sorted((root / "book").rglob("*.md")):
        if path.resolve() not in listed_set:
            tangled = [cell for cell in read_cells(path, root) if "tangle" in cell.metadata]
            raise ChapterError(
                path,
                tangled[0].fence_line if tangled else 1,
                "this chapter is not listed in _toc.yml, so the book would not build it and its "
                "place in the reading order is unknown; add it to _toc.yml",
            )


def parser_config(root: Path = ROOT) -> MdParserConfig:
    """The MyST parser settings of the build (the extensions `_config.yml` enables)."""
    config = yaml.safe_load((root / "_config.yml").read_text()) or {}
    extensions = (config.get("parse") or {}).get("myst_enable_extensions") or []
    return MdParserConfig(enable_extensions=set(extensions))


def markdown_tokens(text: str, root: Path = ROOT) -> list:
    """The markdown-it tokens of MyST text, as the build's parser reads it."""
    return _parser(frozenset(parser_config(root).enable_extensions)).parse(text)


@functools.cache
def _parser(extensions: frozenset[str]):
    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)


_PARSED: dict[tuple, tuple] = {}  # (chapter, its text, the parser's settings) -> (tokens, notebook): parsed once


def _parse(path: Path, root: Path = ROOT) -> tuple[list[str], list, nbformat.NotebookNode]:
    """A chapter's lines, its markdown-it tokens and its notebook as myst-nb reads it (with the source map)."""
    text = _read_text(path)
    config = parser_config(root)
    key = (str(Path(path).resolve()), text, tuple(sorted(config.enable_extensions)))
    if key not in _PARSED:
        lines = text.splitlines()
        tokens = markdown_tokens(text + "\n", root)
        _check_fences(path, tokens, lines)
        _check_plain_fences(path, tokens)
        _check_text_tabs(path, tokens, lines)
        try:
            notebook = read_myst_markdown_notebook(text, config, add_source_map=True, path=path)
        except MystMetadataParsingError as error:
            raise ChapterError(path, None, f"could not read a cell's options: {error}") from None
        _PARSED[key] = (lines, tokens, notebook)
    return _PARSED[key]


def read_notebook(path: Path, root: Path = ROOT) -> nbformat.NotebookNode:
    """The whole chapter as the build reads and executes it: a notebook of markdown and code cells (a copy)."""
    return copy.deepcopy(_parse(path, root)[2])


def title(path: Path, root: Path = ROOT) -> str:
    """The chapter's title: its first top-level heading (its file name when it has none)."""
    tokens = _parse(path, root)[1]
    found = (tokens[i + 1].content.strip() for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1")
    return next(found, Path(path).stem)


def read_cells(path: Path, root: Path = ROOT) -> list[Cell]:
    """The code cells of one chapter, with line numbers and section titles."""
    lines, tokens, notebook = _parse(path, root)
    headings = _headings(tokens)
    cells = []
    for cell, fence_line in zip(notebook.cells, notebook.metadata["source_map"]):
        if cell.cell_type != "code":
            continue
        line = _first_code_line(lines, fence_line, cell.source)
        section = next((title for at, title in reversed(headings) if at < fence_line), path.stem)
        cells.append(Cell(path, fence_line, line, cell.source, dict(cell.metadata), section))
    return cells


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ChapterError(
            path, line, f"byte 0x{data[error.start]:02x} is not UTF-8; save the chapter as UTF-8"
        ) from None
    control = CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise ChapterError(path, line, f"holds the control character {control.group()!r}, which no editor shows")
    return text


def _check_text_tabs(path: Path, tokens, lines: list[str]) -> None:
    """Refuse a tab outside code: invisible in an editor, it is what "\\tfrac" written through an escape leaves of
    a formula ("\\t" became a tab).  (In code a tab is Python's business; the tangler refuses it in the package.)"""
    code = {
        n
        for t in tokens
        if t.map and (t.type == "code_block" or t.type == "fence" and not t.info.startswith("{") or _is_code_cell(t))
        for n in range(*t.map)
    }
    for number, line in enumerate(lines):
        if "\t" in line and number not in code:
            raise ChapterError(
                path, number + 1, "holds a tab outside code; write spaces (a formula's \\t is two characters)"
            )


def _check_fences(path: Path, tokens, lines: list[str]) -> None:
    """Refuse an unclosed fence: one that runs to the chapter's end, or holds a line opening another fence."""
    for token in tokens:
        if token.type not in ("fence", "colon_fence") or not token.map:
            continue
        start, end = token.map
        closing = lines[end - 1].strip() if end - 1 < len(lines) else ""
        marker = token.markup
        problem = f"the fence {marker}{token.info} opened here is never closed (expected a closing {marker} line"
        if end - 1 == start or not (closing.startswith(marker) and set(closing) <= set(marker[0])):
            raise ChapterError(path, start + 1, problem + ")")
        for number, line in enumerate(lines[start + 1 : end - 1], start + 2):
            opener = line.strip()
            if opener.startswith(marker) and opener.lstrip(marker[0]).strip():
                raise ChapterError(path, start + 1, f"{problem} before line {number}, which opens another fence)")


def _check_plain_fences(path: Path, tokens) -> None:
    """Refuse a plain fence (```python) with a tangle option: only a ```{code-cell} is tangled."""
    for token in tokens:
        if token.type != "fence" or not token.map or _is_code_cell(token):
            continue
        body = token.content.split("\n")
        if body and body[0].strip() == "---":  # options as a YAML block
            options = body[1 : next((i for i, line in enumerate(body[1:], 1) if line.strip() == "---"), 1)]
        else:  # options as :name: lines
            options = body[: next((i for i, line in enumerate(body) if not line.strip().startswith(":")), 0)]
        if any(line.strip().startswith((":tangle:", "tangle:")) for line in options):
            raise ChapterError(
                path,
                token.map[0] + 1,
                f"this {token.markup}{token.info.strip()} fence carries a tangle option, but only a "
                f"{token.markup}{{code-cell}} ipython3 cell is tangled: make it a code cell, or drop the option",
            )


def _is_code_cell(token) -> bool:
    return token.type == "fence" and token.info.strip().startswith("{code-cell}")


def _headings(tokens) -> list[tuple[int, str]]:
    """(1-based line, title) of every heading."""
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            found.append((token.map[0] + 1, tokens[index + 1].content.strip()))
    return found


def _first_code_line(lines: list[str], fence_line: int, source: str) -> int:
    body = source.split("\n")
    start = fence_line  # 0-based index of the line after the fence
    for offset in range(start, min(start + 40, len(lines))):
        if lines[offset : offset + len(body)] == body:
            return offset + 1
    return fence_line + 1
