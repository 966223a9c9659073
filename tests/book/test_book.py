"""The book builds strictly: every cell runs, and a failing cell, a warning or a broken reference fails the build."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FRONT_MATTER, build_mini, copy_config

from tools import ROOT
from tools.chapters import toc_chapters


class _Page(HTMLParser):
    """Collects what a reader would see of a page's article: images, inline SVGs, headings.  (The theme's frame
    around the article has headings of its own, such as a print-only title.)"""

    def __init__(self):
        super().__init__()
        self.images, self.svgs, self.headings = [], 0, []
        self._depth = 0  # >0 while inside <article>

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self._depth += 1
        if not self._depth:
            return
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))
        elif tag == "svg":
            self.svgs += 1
        elif tag in ("h1", "h2", "h3", "h4"):
            self.headings.append(tag)

    def handle_endtag(self, tag):
        if tag == "article" and self._depth:
            self._depth -= 1


@pytest.mark.book
def test_every_chapter_is_built_with_its_figures(site):
    assert (site / "index.html").is_file()
    chapters = toc_chapters(ROOT)
    assert len(chapters) >= 7
    for chapter in chapters:
        page_file = site / chapter.relative_to(ROOT).with_suffix(".html")
        assert page_file.is_file(), f"{page_file} was not built"
        page = _Page()
        page.feed(page_file.read_text(encoding="utf-8"))
        assert page.headings.count("h1") == 1, f"{page_file.name}: one title per chapter"
        for src in page.images:
            if not src.startswith("data:"):
                assert (page_file.parent / src).is_file(), f"{page_file.name}: image {src} is missing"
        # Every chapter but the introduction teaches with figures: plots (images) or graphs (inline SVG).
        # Appendices are reference pages (the verification appendix is a table), not chapters.
        if chapter != chapters[0] and not chapter.stem.startswith("appendix"):
            assert page.images or page.svgs, f"{page_file.name} has no figure"


@pytest.mark.book
def test_the_root_page_lists_every_chapter(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    root = toc_chapters(ROOT)[0].relative_to(ROOT).with_suffix(".html").as_posix()
    assert root in index, "index.html should open the introduction"
    text = (site / root).read_text(encoding="utf-8")
    for chapter in toc_chapters(ROOT)[1:]:
        assert chapter.with_suffix(".html").name in text, f"the navigation lacks {chapter.name}"


def _mini_book(tmp_path: Path, body: str) -> Path:
    source = tmp_path / "src"
    (source / "book").mkdir(parents=True)
    copy_config(source)
    (source / "_toc.yml").write_text("format: jb-book\nroot: book/one\n")
    (source / "book" / "one.md").write_text(FRONT_MATTER + "# One\n\n" + body)
    return source


BROKEN = {
    "a cell that raises": "```{code-cell} ipython3\nraise RuntimeError('a failing cell')\n```\n",
    "a broken reference": "See {doc}`no-such-chapter`.\n\n```{code-cell} ipython3\n1 + 1\n```\n",
}


@pytest.mark.book
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_strict_build_fails_on(case, tmp_path):
    result = build_mini(_mini_book(tmp_path, BROKEN[case]), tmp_path / "out")
    assert result.returncode != 0, f"the build passed despite {case}"


@pytest.mark.book
def test_a_cell_tagged_raises_exception_may_raise(tmp_path):
    body = (
        "This cell raises on purpose.\n\n```{code-cell} ipython3\n:tags: [raises-exception]\n\n"
        "raise ValueError('expected')\n```\n"
    )
    result = build_mini(_mini_book(tmp_path, body), tmp_path / "out")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.book
def test_each_chapter_runs_on_the_package_tangled_before_it(tmp_path):
    source = _mini_book(
        tmp_path,
        "```{code-cell} ipython3\n:tangle: micrograd/greet.py\n\n"
        "def hello():\n    return 'hello'\n\n\ndef refuse():\n    raise ValueError('refused')\n```\n\n"
        "```{code-cell} ipython3\nimport importlib.util\n"
        "assert importlib.util.find_spec('micrograd.greet') is None\n"
        "assert hello() == 'hello'\n```\n",
    )
    (source / "_toc.yml").write_text("format: jb-book\nroot: book/one\nchapters:\n  - file: book/two\n")
    (source / "book" / "two.md").write_text(
        FRONT_MATTER + "# Two\n\n```{code-cell} ipython3\n"
        "from micrograd.greet import hello\nassert hello() == 'hello'\n```\n\n"
        "```{code-cell} ipython3\n:tags: [raises-exception]\n\nfrom micrograd.greet import refuse\nrefuse()\n```\n"
    )
    result = build_mini(source, tmp_path / "out")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "out" / "_build" / "snapshots" / "two" / "micrograd" / "greet.py").is_file()
    # The traceback names the reader's file, not the build's snapshot folder.
    page = (tmp_path / "out" / "_build" / "html" / "book" / "two.html").read_text(encoding="utf-8")
    assert "micrograd/greet.py" in page
    assert "_build/snapshots" not in page and str(tmp_path) not in page
