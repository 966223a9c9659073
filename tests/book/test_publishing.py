"""Publishing: the buttons of the site, and the notebook behind each chapter.

- A build in GitHub Actions (GITHUB_REPOSITORY set) links to https://github.com/OWNER/REPO: repository, edit
  this page, open an issue, and Colab and Binder open the chapter's notebook.  A local build has none of those
  buttons and links to no repository at all.  Both keep the download buttons (.md, .ipynb, PDF).
- notebooks/ holds one notebook per chapter: the chapter's own cells (the ones the build executes), after a first
  cell that says what the notebook needs, installs the packages that are missing outside Colab, and writes the
  chapter's snapshot of `micrograd` and imports it from there; each runs alone in an empty folder.
"""

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import FRONT_MATTER, build_mini, copy_config
from IPython.core.inputtransformer2 import TransformerManager
from myst_nb.core.read import read_myst_markdown_notebook
from nbclient import NotebookClient

from tools import ROOT, notebooks, site_config
from tools.chapters import parser_config, toc_chapters
from tools.tangle import snapshots

CHAPTERS = toc_chapters(ROOT)
OWNER_REPO = "someone/some-book"
NOWHERE = ("github.com", "colab.research.google.com", "mybinder.org", "executablebooks")


def local_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_REPOSITORY", "BOOK_EXECUTION_CACHE")}
    return {**env, **extra}


# -- the effective configuration ---------------------------------------------------------------------------------


def test_a_local_build_has_no_repository_buttons():
    config = site_config.effective_config(ROOT, local_env())
    assert config["repository"]["url"] == ""
    assert not any(config["html"][button] for button in site_config.REPOSITORY_BUTTONS)
    assert "launch_buttons" not in config
    assert config["sphinx"]["config"]["html_theme_options"]["use_download_button"] is True
    assert config["execute"]["execute_notebooks"] == "force"


def test_a_build_in_github_actions_links_to_its_repository():
    config = site_config.effective_config(ROOT, local_env(GITHUB_REPOSITORY=OWNER_REPO))
    assert config["repository"]["url"] == f"https://github.com/{OWNER_REPO}"
    assert config["repository"]["branch"] == "main"
    assert all(config["html"][button] for button in site_config.REPOSITORY_BUTTONS)
    launch = config["launch_buttons"]
    assert launch["colab_url"] == "https://colab.research.google.com"
    assert launch["binderhub_url"] == "https://mybinder.org"


def test_github_repository_must_be_owner_slash_repo():
    with pytest.raises(ValueError):
        site_config.effective_config(ROOT, local_env(GITHUB_REPOSITORY="https://example.org/x"))


def test_the_execution_cache_is_used_only_when_asked_for(tmp_path):
    config = site_config.effective_config(ROOT, local_env(BOOK_EXECUTION_CACHE=str(tmp_path / "cache")))
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["execute"]["cache"] == str(tmp_path / "cache")


def test_the_mathjax_of_the_site_is_its_own():
    assert "sphinx-mathjax-offline" in site_config.load(ROOT)["sphinx"]["extra_extensions"]


# -- the buttons in built pages ----------------------------------------------------------------------------------


@functools.cache
def _header(page: Path):
    """The buttons above the article (launch, repository, download, ...)."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    return soup.select_one(".article-header-buttons") or BeautifulSoup("", "lxml")


def _links(page: Path) -> list[str]:
    return [a["href"] for a in _header(page).find_all("a", href=True)]


REPOSITORY_BUTTONS = (
    ".dropdown-launch-buttons",
    ".btn-source-repository-button",
    ".btn-source-edit-button",
    ".btn-source-issues-button",
)


@pytest.mark.book
def test_the_site_links_only_to_its_own_repository(site):
    github = site_config.github_repository()
    for chapter in CHAPTERS:
        page = site / chapter.relative_to(ROOT).with_suffix(".html")
        links = _links(page)
        if github:
            expected = f"https://github.com/{github}"
            repository_links = [link for link in links if "github.com" in link and "colab" not in link]
            assert expected in links, f"{page.name}: no repository button to {expected}"
            assert all(link.startswith(expected + "/") or link == expected for link in repository_links), (
                repository_links
            )
        else:
            addresses = [link for link in links if "://" in link]
            assert not addresses, f"{page.name}: the buttons of a local build link to {addresses}"
            present = [selector for selector in REPOSITORY_BUTTONS if _header(page).select_one(selector)]
            assert not present, f"{page.name}: a local build has the buttons {present}"


@pytest.mark.book
def test_every_chapter_offers_its_notebook_for_download(site):
    for chapter in CHAPTERS:
        page = site / chapter.relative_to(ROOT).with_suffix(".html")
        notebook_links = [link for link in _links(page) if link.endswith(".ipynb") and "://" not in link]
        assert notebook_links, f"{page.name}: no .ipynb download"
        downloaded = (page.parent / notebook_links[0]).resolve()
        assert downloaded.read_bytes() == notebooks.notebook_path(chapter).read_bytes(), (
            f"{page.name}: the .ipynb download is not notebooks/{chapter.stem}.ipynb"
        )
        source_links = [link for link in _links(page) if link.endswith(f"_sources/{chapter.relative_to(ROOT)}")]
        assert source_links, f"{page.name}: no .md download"
        assert _header(page).select_one(".btn-download-pdf-button"), f"{page.name}: no print-to-PDF button"


def _mini_book_with_notebook(tmp_path: Path, notebook: bool = True) -> Path:
    source = tmp_path / "src"
    (source / "book").mkdir(parents=True)
    copy_config(source)
    (source / "_toc.yml").write_text("format: jb-book\nroot: book/one\n")
    (source / "book" / "one.md").write_text(
        FRONT_MATTER + "# One\n\nSome $x^2$.\n\n```{code-cell} ipython3\n1 + 1\n```\n"
    )
    if notebook:
        notebooks.write(source)
    return source


@pytest.mark.book
def test_built_in_github_actions_the_buttons_point_at_the_repository_and_the_notebook(tmp_path):
    source = _mini_book_with_notebook(tmp_path)
    result = build_mini(source, tmp_path / "out", GITHUB_REPOSITORY=OWNER_REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    page = tmp_path / "out" / "_build" / "html" / "book" / "one.html"
    links = set(_links(page))
    repo = f"https://github.com/{OWNER_REPO}"
    expected = {
        repo,  # repository
        f"{repo}/edit/main/book/one.md",  # edit this page
        f"https://colab.research.google.com/github/{OWNER_REPO}/blob/main/notebooks/one.ipynb",
        f"https://mybinder.org/v2/gh/{OWNER_REPO}/main?urlpath=lab/tree/notebooks/one.ipynb",
        "../_sources/book/one.ipynb",  # download .ipynb
        "../_sources/book/one.md",  # download .md
    }
    assert expected <= links, f"missing: {expected - links}"
    assert any(link.startswith(f"{repo}/issues/new") for link in links), "no open-an-issue button"
    others = [
        link
        for link in links
        if any(host in link for host in NOWHERE)
        and not link.startswith(
            (repo, "https://colab.research.google.com/github/" + OWNER_REPO, "https://mybinder.org/v2/gh/" + OWNER_REPO)
        )
    ]
    assert not others, f"links to other repositories: {others}"


@pytest.mark.book
def test_the_execution_cache_reuses_an_executed_chapter(tmp_path):
    """What the Pages workflow relies on: a second build with the same cache executes nothing."""
    source = _mini_book_with_notebook(tmp_path, notebook=False)
    cache = str(tmp_path / "cache")
    first = build_mini(source, tmp_path / "one", BOOK_EXECUTION_CACHE=cache)
    second = build_mini(source, tmp_path / "two", BOOK_EXECUTION_CACHE=cache)
    assert first.returncode == 0 and second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "Executed notebook" in first.stdout and "Using cached notebook" in second.stdout, second.stdout[-3000:]
    # The live marking's run of the chapter (tools/sphinx_ext.py) is kept beside it, and reused the same way.
    assert len(list((tmp_path / "cache" / "live").glob("*.json"))) == 1
    page = "_build/html/_static/live/chapters/one.json"
    assert (tmp_path / "one" / page).read_text() == (tmp_path / "two" / page).read_text()


@pytest.mark.book
def test_a_chapter_without_its_notebook_fails_the_build_with_launch_buttons(tmp_path):
    source = _mini_book_with_notebook(tmp_path, notebook=False)
    result = build_mini(source, tmp_path / "out", GITHUB_REPOSITORY=OWNER_REPO)
    assert result.returncode != 0
    assert "make notebooks" in result.stdout + result.stderr


# -- the notebooks ---------------------------------------------------------------------------------------------


@functools.cache
def _snapshots():
    return snapshots(ROOT)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_a_notebook_is_its_chapter_after_a_setup_cell(chapter):
    """The code cells after the first are the chapter's cells as the build reads and executes them (less the
    import of myst-nb's `glue`, which the setup cell defines; the book's checks guarded), and the first carries
    the chapter's snapshot."""
    notebook = nbformat.read(notebooks.notebook_path(chapter), as_version=4)
    nbformat.validate(notebook)
    first, *rest = notebook.cells
    assert first.cell_type == "code" and first.metadata["tags"] == [notebooks.SETUP_TAG]
    index = [c.resolve() for c in CHAPTERS].index(chapter.resolve())
    for path, text in _snapshots()[chapter].items():
        assert repr(path) in first.source and text.split("\n")[-2] in first.source
    built = read_myst_markdown_notebook(chapter.read_text(encoding="utf-8"), parser_config(ROOT))
    code = [(c.source, c.metadata.get("tags", [])) for c in rest if c.cell_type == "code"]
    # The book's checks (remove-cell) run folded away and guarded: a reader's numbers never end in a traceback.
    assert code == [
        (
            (notebooks.guarded_check if notebooks.CHECK_TAG in tags else notebooks.notebook_code)(c.source),
            tags,
        )
        for c in built.cells
        if c.cell_type == "code"
        for tags in [c.metadata.get("tags", [])]
    ]
    checks = [c for c in rest if c.cell_type == "code" and notebooks.CHECK_TAG in c.metadata.get("tags", [])]
    assert all(c.metadata["jupyter"]["source_hidden"] for c in checks)
    # A solution's code is folded under its "Solution" heading; the exercise's own cells are not.
    solutions = chapter.read_text(encoding="utf-8").count("{solution-start}")
    folded = [c for c in rest if c.cell_type == "code" and c.metadata.get("jupyter", {}).get("source_hidden")]
    assert len(folded) >= len(checks) + (1 if solutions else 0)
    previous = CHAPTERS[index - 1].read_text(encoding="utf-8").split("\n# ", 1)[1].split("\n", 1)[0] if index else None
    assert (f'up to "{previous}" left it' if previous else "starts from an empty") in first.source
    # It says what the notebook needs and, outside Colab, installs what is missing: every package its code imports.
    assert "Python 3.10 or later" in first.source
    imported = {
        module.split(".")[0] for cell in rest if cell.cell_type == "code" for module in notebooks.imports(cell.source)
    }
    needed = sorted(notebooks.PACKAGES[m] for m in imported if m in notebooks.PACKAGES)
    for package in needed:
        assert f": {package!r}" in first.source, f"the first cell does not install {package}"
    if needed:
        assert "if _missing and 'google.colab' not in sys.modules:" in first.source
        assert "%pip install --quiet {_install}" in first.source
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") for c in rest if c.cell_type == "code")


def test_a_notebook_needs_what_its_cells_and_the_micrograd_they_import_import():
    files = {
        "micrograd/__init__.py": "from .engine import Value\n",
        "micrograd/engine.py": "import math\nfrom . import literate\n",
        "micrograd/literate.py": "import inspect\n",
        "micrograd/viz.py": "from graphviz import Digraph\n",
        "micrograd/tensor.py": "import numpy as np\n",
    }
    assert notebooks.requirements(["import math\nfrom micrograd.engine import Value"], files) == []
    assert notebooks.requirements(["from micrograd.viz import draw_dot\n%timeit 1"], files) == ["graphviz"]
    assert notebooks.requirements(["import torch\nimport sklearn.datasets", "import micrograd"], files) == [
        "scikit-learn",
        "torch",
    ]
    assert notebooks.requirements(["from micrograd import tensor"], files) == ["numpy"]
    with pytest.raises(ValueError, match="pandas"):
        notebooks.requirements(["import pandas"], files)
    # PyTorch comes as its CPU build, from the index Binder uses.
    lines = "\n".join(notebooks.needs_source(["numpy", "torch"]))
    assert f"--extra-index-url {notebooks.TORCH_CPU_INDEX}" in lines
    assert f"--extra-index-url {notebooks.TORCH_CPU_INDEX}\n" in (ROOT / "binder" / "requirements.txt").read_text()
    assert "%pip install" not in "\n".join(notebooks.needs_source([]))


def test_without_graphviz_dot_a_graph_shows_its_dot_source(tmp_path):
    """The first cell, run where Graphviz's `dot` program is missing (and the packages present, so nothing is
    installed): draw_dot's graph displays as its DOT source instead of failing."""
    chapter = next(c for c in CHAPTERS if c.stem == "04-backpropagation")
    first = nbformat.read(notebooks.notebook_path(chapter), as_version=4).cells[0].source
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "import sys\n"
        f"assert shell.run_cell({first!r}).success\n"
        "result = shell.run_cell('from micrograd.viz import draw_dot\\n"
        "from micrograd.engine import Value\\ng = draw_dot(Value(1.0) + Value(2.0))')\n"
        "assert result.success, result.error_in_exec\n"
        "data, _ = shell.display_formatter.format(shell.user_ns['g'])\n"
        "print(sorted(data))\n"
        "print(data['text/plain'])\n"
    )
    env = {**os.environ, "PATH": str(tmp_path), "PYTHONPATH": ""}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "dot program is missing" in result.stdout
    assert "['text/plain']" in result.stdout and "digraph" in result.stdout, result.stdout[-2000:]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_a_notebook_shows_no_myst_only_syntax(chapter):
    notebook = nbformat.read(notebooks.notebook_path(chapter), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        prose = re.sub(r"^(> )?(`{3,}).*?^(> )?\2$", "", cell.source, flags=re.M | re.S)  # code blocks aside
        assert not re.search(r"\{[a-z:-]+\}`", prose), prose[:300]
        assert not re.search(r"^(`{3,}|:{3,})\{", prose, re.M), prose[:300]
        assert not re.search(r"^\([\w-]+\)=$", prose, re.M), prose[:300]


def test_myst_markdown_becomes_jupyter_markdown():
    titles = {"01-derivatives": "Derivatives"}
    text = (
        "See {doc}`01-derivatives`, {doc}`this one <01-derivatives>` and {ref}`sec-x`; "
        "$x$ is {glue:text}`value:.4f`.\n\n(sec-x)=\n## Title\n\n"
        "````{admonition} Solution\n:class: dropdown\n\nBody text.\n\n```python\nx = 1\n```\n````\n"
        "```{note}\nA note.\n```"
    )
    assert notebooks.jupyter_markdown(text, titles) == (
        "See [Derivatives](01-derivatives.ipynb), [this one](01-derivatives.ipynb) and sec-x; "
        "$x$ is `value` (printed by the cell that computes it).\n\n## Title\n\n"
        "> **Solution**\n>\n> Body text.\n>\n> ```python\n> x = 1\n> ```\n\n> **Note**\n>\n> A note."
    )


def _run_alone(notebook, folder: Path):
    """Execute `notebook` as on Colab, Binder or after a download: in `folder`, with no checkout, no `micrograd`
    installed and nothing on PYTHONPATH."""
    saved = os.environ.pop("PYTHONPATH", None)
    try:
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        ).execute()
    finally:
        if saved is not None:
            os.environ["PYTHONPATH"] = saved


# What the setup cell left: the files of the `micrograd` Python imports, and whether `glue` is defined.
PROBE = """import importlib.util, json, pathlib
_spec = importlib.util.find_spec('micrograd')
_package = pathlib.Path(_spec.origin).parent if _spec else None
print(json.dumps({'glue': callable(globals().get('glue')), 'files': {} if _package is None else
    {p.relative_to(_package.parent).as_posix(): p.read_text(encoding='utf-8') for p in _package.rglob('*.py')}}))"""


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_a_notebook_runs_alone_in_an_empty_folder(chapter, site, tmp_path):
    """A notebook's cells after the first are the chapter's cells (test_a_notebook_is_its_chapter_after_a_setup_
    cell), and the build executed those as the notebook runs them: in an empty folder (_config.yml's run_in_temp),
    on the chapter's snapshot alone (PYTHONPATH), where a cell that raises fails the build unless it is tagged
    raises-exception.  So each chapter runs once, in the build: here its page must show a traceback under every
    cell tagged raises-exception, and the setup cell, run alone in an empty folder with no checkout and nothing
    on PYTHONPATH, must make exactly that snapshot the `micrograd` Python imports, define `glue`, and write
    nothing into the folder.  The next test runs one notebook from top to bottom."""
    assert site_config.load(ROOT)["execute"]["run_in_temp"] is True, "the build must execute in an empty folder"
    first, *rest = nbformat.read(notebooks.notebook_path(chapter), as_version=4).cells
    tagged = [c for c in rest if "raises-exception" in c.metadata.get("tags", [])]
    page = BeautifulSoup((site / chapter.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8"), "lxml")
    raised = page.select("div.cell.tag_raises-exception")
    assert len(raised) == len(tagged), f"{len(tagged)} cells tagged raises-exception, {len(raised)} on the page"
    assert all(cell.select_one("div.output.traceback") for cell in raised), "a cell tagged raises-exception did not"
    for cell in rest:  # (a guarded check is the chapter's check inside try/except: it must still be Python)
        if cell.cell_type == "code":
            compile(TransformerManager().transform_cell(cell.source), chapter.name, "exec")
    probe = nbformat.v4.new_notebook(cells=[first, nbformat.v4.new_code_cell(PROBE)])
    _run_alone(probe, tmp_path)
    left = json.loads(probe.cells[-1].outputs[-1].text)
    assert left == {"glue": True, "files": _snapshots()[chapter]}
    assert not [p for p in tmp_path.rglob("micrograd")], "the notebook wrote its package into the reader's folder"


@pytest.mark.book
def test_a_notebook_runs_alone_from_top_to_bottom(tmp_path):
    """One notebook end to end, as a reader runs it: chapter 5's (graphs, a check, a cell that raises).  Cells
    tagged raises-exception must raise; every other cell must run."""
    notebook = nbformat.read(notebooks.notebook_path(ROOT / "book" / "05-more-operations.md"), as_version=4)
    _run_alone(notebook, tmp_path)
    tagged = [c for c in notebook.cells if "raises-exception" in c.metadata.get("tags", [])]
    assert tagged, "chapter 5 has no cell that raises"
    for cell in tagged:
        assert any(o.output_type == "error" for o in cell.outputs), f"this cell should raise:\n{cell.source}"
    assert not [p for p in tmp_path.rglob("micrograd")], "the notebook wrote its package into the reader's folder"


def test_a_recorded_repository_address_is_the_repository_the_site_is_built_from():
    """In GitHub Actions, `repository.url` of _config.yml, when it is written, must be this repository: the
    build takes the address from GITHUB_REPOSITORY, and a stale one (a fork's upstream) would disagree with it.
    Left empty, as in a new fork, nothing needs it, and the first push builds and deploys."""
    github = site_config.github_repository()
    if not github:
        pytest.skip("only in GitHub Actions (GITHUB_REPOSITORY)")
    recorded = site_config.repository_url(ROOT)
    expected = f"https://github.com/{github}"
    assert recorded in ("", expected), (
        f"_config.yml says `repository: url: {recorded}`, but this is {expected}: correct it (or leave it empty)"
    )


@pytest.mark.parametrize(
    "recorded, passes",
    [
        ("", True),
        (f"https://github.com/{OWNER_REPO}", True),
        (f"https://github.com/{OWNER_REPO}/", True),
        ("https://github.com/upstream/some-book", False),
    ],
)
def test_the_repository_check_passes_a_fork_as_it_comes(tmp_path, monkeypatch, recorded, passes):
    (tmp_path / "_config.yml").write_text(f'repository:\n  url: "{recorded}"\n')
    monkeypatch.setenv("GITHUB_REPOSITORY", OWNER_REPO)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    if passes:
        test_a_recorded_repository_address_is_the_repository_the_site_is_built_from()
    else:
        with pytest.raises(AssertionError, match="upstream/some-book"):
            test_a_recorded_repository_address_is_the_repository_the_site_is_built_from()


def test_binder_has_the_pinned_versions():
    pins = dict(
        line.split("==")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    binder = [
        line
        for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
        if line and not line.startswith(("#", "-"))
    ]
    assert binder
    for line in binder:
        name, version = line.split("==")
        assert re.sub(r"\+cpu$", "", version) == pins[name], f"binder/requirements.txt: {line} vs {pins[name]}"
    assert (ROOT / "binder" / "apt.txt").read_text().split() == ["graphviz"]
