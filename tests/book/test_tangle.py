"""The tangler: how chapters become the package, and how it refuses bad input without writing anything."""

import subprocess
import sys
import tempfile
import textwrap
from itertools import count
from pathlib import Path

import pytest
from conftest import FRONT_MATTER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools import ROOT
from tools.chapters import ChapterError
from tools.tangle import differences as sync_differences
from tools.tangle import main, tangle, write


def differences(files: dict[str, str], root: Path) -> list[str]:
    return sync_differences(files, root, "micrograd", "*.py")


def cell(code: str, target: str | None = "micrograd/engine.py") -> str:
    option = f":tangle: {target}\n\n" if target else ""
    return f"```{{code-cell}} ipython3\n{option}{textwrap.dedent(code).strip()}\n```\n"


def make_book(tmp_path: Path, chapters: dict[str, str], listed: list[str] | None = None) -> Path:
    """A tiny book: chapter name -> markdown body; `_toc.yml` lists `listed` (default: all, in order)."""
    (tmp_path / "book").mkdir()
    (tmp_path / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    names = list(chapters) if listed is None else listed
    toc = f"format: jb-book\nroot: book/{names[0]}\n"
    if len(names) > 1:
        toc += "chapters:\n" + "".join(f"  - file: book/{n}\n" for n in names[1:])
    (tmp_path / "_toc.yml").write_text(toc)
    for name, body in chapters.items():
        (tmp_path / "book" / f"{name}.md").write_text(FRONT_MATTER + f"# {name}\n\n" + body)
    return tmp_path


VALUE = cell('''
    import math

    # Why: a scalar that remembers where it came from.
    class Value:
        """A number."""

        def __init__(self, data):
            self.data = data

        def __repr__(self):
            return f"Value({self.data})"  # the number itself
''')

BETTER_INIT = cell("""
    import math

    @add_to_class(Value)
    def __init__(self, data, label=''):
        # A label makes graphs readable.
        self.data = data
        self.label = label

    @add_to_class(Value)
    def exp(self):
        return Value(math.exp(self.data))
""")


def test_class_grown_across_chapters_is_one_class_with_replaced_methods(tmp_path):
    root = make_book(tmp_path, {"one": "## Start\n\n" + VALUE, "two": "## Labels\n\n" + BETTER_INIT})
    engine = tangle(root)["micrograd/engine.py"]
    assert engine.count("class Value") == 1
    assert engine.count("def __init__") == 1, "a redefined method replaces the earlier one"
    assert "def __init__(self, data, label='')" in engine
    assert engine.index("def __init__") < engine.index("def __repr__"), "the replacement keeps its place"
    assert engine.index("def __repr__") < engine.index("def exp"), "new methods are appended"
    assert "add_to_class" not in engine
    assert engine.count("import math") == 1
    # Comments survive, and each chunk points back to its chapter and section.
    for comment in ("# Why: a scalar that remembers", "# the number itself", "# A label makes graphs readable."):
        assert comment in engine
    assert '# From book/one.md, section "Start"' in engine
    assert '# From book/two.md, section "Labels"' in engine
    # The header says the file is generated and lists the chapters to edit, in reading order.
    assert engine.startswith("# GENERATED FILE -- DO NOT EDIT.")
    assert engine.index("#     book/one.md") < engine.index("#     book/two.md")
    # And the result is a working module.
    namespace = {}
    exec(compile(engine, "engine.py", "exec"), namespace)
    value = namespace["Value"](0.0, label="x").exp()
    assert value.data == 1.0 and value.label == ""


def test_order_follows_toc_not_file_names(tmp_path):
    chapters = {"b": cell("def first():\n    return 1"), "a": cell("def second():\n    return 2")}
    root = make_book(tmp_path, chapters, listed=["b", "a"])
    engine = tangle(root)["micrograd/engine.py"]
    assert engine.index("def first") < engine.index("def second")


def test_tangling_is_deterministic_and_idempotent(tmp_path):
    root = make_book(tmp_path, {"one": VALUE, "two": BETTER_INIT})
    first = tangle(root)
    assert tangle(root) == first
    assert write(first, root)  # writes the files the first time ...
    on_disk = {p: (root / p).read_bytes() for p in first}
    assert write(tangle(root), root) == []  # ... and nothing the second time
    assert {p: (root / p).read_bytes() for p in first} == on_disk
    assert differences(tangle(root), root) == []


def test_init_module_maps_modules_to_chapters(tmp_path):
    root = make_book(tmp_path, {"one": VALUE, "two": cell("def draw():\n    return 0", "micrograd/viz.py")})
    init = tangle(root)["micrograd/__init__.py"]
    assert "micrograd.engine" in init and "book/one.md" in init
    assert "micrograd.viz" in init and "book/two.md" in init


def test_drift_is_reported_by_file_name(tmp_path):
    root = make_book(tmp_path, {"one": VALUE})
    write(tangle(root), root)
    engine = root / "micrograd/engine.py"
    engine.write_text(engine.read_text() + "# edited by hand\n")
    (root / "micrograd/stale.py").write_text("x = 1\n")
    problems = differences(tangle(root), root)
    assert any(p.startswith("micrograd/engine.py differs") for p in problems)
    assert any(p.startswith("micrograd/stale.py is stale") for p in problems)
    check = run_cli(root, "--check")
    assert check.returncode == 1 and "micrograd/engine.py differs" in check.stderr


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.tangle", "--root", str(root), *args], cwd=ROOT, capture_output=True, text=True
    )


# --- Bad input: a clear error naming the chapter file and line, and nothing written -------------------------------

BAD_INPUT = {
    "target outside the package": (cell("X = 1", "../x.py"), 13, "outside micrograd/"),
    "sneaky relative target": (cell("X = 1", "micrograd/../x.py"), 13, "outside micrograd/"),
    "absolute target": (cell("X = 1", "/tmp/x.py"), 13, "absolute path"),
    "not a python module": (cell("X = 1", "micrograd/notes.txt"), 13, "not an importable Python module"),
    "method for a class never defined": (
        cell("@add_to_class(Missing)\ndef f(self):\n    pass"),
        16,
        "class that is never defined",
    ),
    "invalid python": (cell("def broken(:\n    pass"), 16, "not valid Python"),
    "demo code in a tangled cell": (cell("X = 1\nprint(X)"), 17, "move it to a cell without :tangle:"),
    "two definitions of one name": (cell("def f():\n    return 1\n\n\ndef f():\n    return 2"), 20, "defined twice"),
    "a method defined twice in one cell": (
        VALUE + cell("@add_to_class(Value)\ndef g(self):\n    pass\n\n@add_to_class(Value)\ndef g(self):\n    pass"),
        35,
        "Value.g is defined twice",
    ),
    # A class indented with tabs and a method added to it with spaces: the tangled class would mix the two.
    "a class indented with tabs": (
        cell("class Value:\n\tdef __init__(self, data):\n\t\tself.data = data")
        + cell("@add_to_class(Value)\ndef f(self):\n    return 1"),
        17,
        "indents with a tab",
    ),
    "a method indented with tabs": (VALUE + cell("@add_to_class(Value)\ndef f(self):\n\treturn 1"), 33, "with a tab"),
    "a plain python fence with :tangle:": ("```python\n:tangle: micrograd/engine.py\n\nX = 1\n```\n", 13, "fence"),
    "a plain fence with tangle in a yaml block": (
        "Text.\n\n```py\n---\ntangle: micrograd/engine.py\n---\nX = 1\n```\n",
        15,
        "only a ```{code-cell} ipython3 cell is tangled",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_names_file_and_line_and_writes_nothing(tmp_path, case):
    body, line, message = BAD_INPUT[case]
    root = make_book(tmp_path, {"one": body})
    with pytest.raises(ChapterError) as error:
        tangle(root)
    assert error.value.path.name == "one.md"
    assert error.value.line == line, str(error.value)
    assert message in error.value.message
    result = run_cli(root)
    assert result.returncode == 1
    assert f"book/one.md:{line}: " in result.stderr and "nothing was written" in result.stderr
    assert not (root / "micrograd").exists()


def test_a_fence_that_only_shows_a_tangled_cell_is_not_refused(tmp_path):
    """A ````md fence that quotes a tangled cell (as the appendix on how the book is made does) is an example."""
    quoted = "````md\n" + cell("X = 1") + "````\n\n```python\nX = 2  # a plain listing\n```\n"
    root = make_book(tmp_path, {"one": quoted + cell("Y = 1")})
    assert "Y = 1" in tangle(root)["micrograd/engine.py"]
    assert "X = " not in tangle(root)["micrograd/engine.py"]


def test_conflicting_class_definitions_across_chapters(tmp_path):
    root = make_book(tmp_path, {"one": VALUE, "two": "Again:\n\n" + VALUE})
    with pytest.raises(ChapterError) as error:
        tangle(root)
    assert error.value.path.name == "two.md"
    assert "Value is already defined in micrograd/engine.py by book/one.md:19" in error.value.message
    assert "@add_to_class(Value)" in error.value.message


def test_unterminated_fence(tmp_path):
    root = make_book(
        tmp_path,
        {
            "one": VALUE + "\nText.\n\n```{code-cell} ipython3\n:tangle: micrograd/engine.py\n"
            "X = 1\n\nMore text that the fence swallows.\n"
        },
    )
    with pytest.raises(ChapterError) as error:
        tangle(root)
    assert error.value.line == 31 and "never closed" in error.value.message
    assert run_cli(root).returncode == 1 and not (root / "micrograd").exists()


def test_chapter_missing_from_toc(tmp_path):
    root = make_book(tmp_path, {"one": VALUE, "orphan": "Text.\n\n" + BETTER_INIT}, listed=["one"])
    with pytest.raises(ChapterError) as error:
        tangle(root)
    assert error.value.path.name == "orphan.md" and error.value.line == 15
    assert "not listed in _toc.yml" in error.value.message


def test_toc_entry_without_a_file(tmp_path):
    root = make_book(tmp_path, {"one": VALUE}, listed=["one", "ghost"])
    with pytest.raises(ChapterError) as error:
        tangle(root)
    assert error.value.path.name == "_toc.yml" and "book/ghost.md" in error.value.message


def test_a_failed_tangle_leaves_an_existing_package_untouched(tmp_path):
    root = make_book(tmp_path, {"one": VALUE})
    write(tangle(root), root)
    before = (root / "micrograd/engine.py").read_bytes()
    chapter = root / "book/one.md"
    chapter.write_text(chapter.read_text() + cell("def broken(:\n    pass"))
    assert run_cli(root).returncode == 1
    assert (root / "micrograd/engine.py").read_bytes() == before


# --- Bugs found by review: each case tangled to a working module, or refused with file:line -------------------


def run_engine(tmp_path: Path, body: str) -> dict:
    """Tangle a one-chapter book and run its engine module; return the module's namespace."""
    engine = tangle(make_book(tmp_path, {"one": body}))["micrograd/engine.py"]
    namespace = {}
    exec(compile(engine, "engine.py", "exec"), namespace)
    return namespace | {"__text__": engine}


THING = cell("class Thing:\n    def one(self):\n        return 1")


@pytest.mark.parametrize("trailer", ["# one comment", "# first comment\n# second comment"])
def test_comments_at_the_end_of_a_cell_stay_after_its_last_definition(tmp_path, trailer):
    body = (
        THING
        + cell(f"@add_to_class(Thing)\ndef two(self):\n    x = 2\n    return x\n{trailer}")
        + cell(f"class Other:\n    pass\n{trailer}")
    )
    engine = run_engine(tmp_path, body)
    assert engine["Thing"]().two() == 2 and "add_to_class" not in engine["__text__"]
    assert engine["__text__"].count(trailer.split("\n")[-1]) == 2


def test_one_line_class(tmp_path):
    engine = run_engine(tmp_path, cell("class ShapeError(ValueError): pass\n\nclass Other(ValueError): pass"))
    assert issubclass(engine["ShapeError"], ValueError)
    assert "class ShapeError(ValueError): pass" in engine["__text__"]


def test_one_line_class_cannot_grow(tmp_path):
    root = make_book(
        tmp_path, {"one": cell("class Thing: pass") + cell("@add_to_class(Thing)\ndef f(self):\n    pass")}
    )
    with pytest.raises(ChapterError, match="written on one line") as error:
        tangle(root)
    assert error.value.line == 21


def test_class_ending_in_a_comment_keeps_one_docstring(tmp_path):
    engine = run_engine(
        tmp_path, cell('class Thing:\n    """Doc."""\n\n    def f(self):\n        return 1\n    # the end')
    )
    assert engine["__text__"].count('"""Doc."""') == 1 and "# the end" in engine["__text__"]


def test_a_comment_block_followed_by_a_blank_line_stays_whole_with_its_definition(tmp_path):
    engine = run_engine(tmp_path, cell("X = 1\n\n# About f:\n# it returns two.\n\ndef f():\n    return 2"))["__text__"]
    assert "# About f:\n# it returns two.\n\ndef f():" in engine
    assert engine.index("X = 1") < engine.index("# About f:")


def test_add_to_class_with_a_keyword_argument(tmp_path):
    engine = run_engine(tmp_path, THING + cell("@add_to_class(cls=Thing)\ndef two(self):\n    return 2"))
    assert engine["Thing"]().two() == 2 and "add_to_class" not in engine["__text__"]


@pytest.mark.parametrize("decorator", ["@add_to_class(Outer.Inner)", "@add_to_class", "@add_to_class(A, B)"])
def test_add_to_class_that_cannot_be_moved_into_a_class_is_refused(tmp_path, decorator):
    root = make_book(tmp_path, {"one": THING + cell(f"{decorator}\ndef two(self):\n    return 2")})
    with pytest.raises(ChapterError, match="must name one class") as error:
        tangle(root)
    assert error.value.line == 23
    result = run_cli(root)
    assert result.returncode == 1 and "book/one.md:23: " in result.stderr and not (root / "micrograd").exists()


def test_a_byte_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    root = make_book(tmp_path, {"one": VALUE})
    chapter = root / "book/one.md"
    chapter.write_bytes(chapter.read_bytes() + b"Caf\xe9\n")
    with pytest.raises(ChapterError, match="not UTF-8") as error:
        tangle(root)
    assert error.value.line == 28


@pytest.mark.parametrize(
    "text, problem",
    [("The rule gives $\tfrac12$.\n", "a tab outside code"), ("A bell\x07 rings.\n", "control character")],
)
def test_a_tab_or_control_character_in_the_text_is_reported_with_its_line(tmp_path, text, problem):
    root = make_book(tmp_path, {"one": VALUE})
    chapter = root / "book/one.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + text, encoding="utf-8")
    with pytest.raises(ChapterError, match=problem) as error:
        tangle(root)
    assert error.value.line == 28


def test_a_tab_in_a_code_cell_that_is_not_tangled_is_python_s_business(tmp_path):
    root = make_book(tmp_path, {"one": VALUE + "```{code-cell} ipython3\nif True:\n\tx = 1\n```\n"})
    assert "micrograd/engine.py" in tangle(root)


def test_an_unclosed_plain_fence_does_not_swallow_the_next_cell(tmp_path):
    root = make_book(tmp_path, {"one": "```python\nexample = 1\n\n" + VALUE})
    with pytest.raises(ChapterError, match="never closed") as error:
        tangle(root)
    assert error.value.line == 13 and "before line 16" in error.value.message


PROPERTY = """
    @property
    def x(self):
        return self._x

    @x.setter
    def x(self, value):
        self._x = value
"""


def test_a_property_with_a_setter_in_a_class_body(tmp_path):
    engine = run_engine(tmp_path, cell("class Thing:" + textwrap.indent(PROPERTY, "    ")))
    thing = engine["Thing"]()
    thing.x = 3
    assert thing.x == 3


def test_a_property_with_a_setter_added_to_a_class(tmp_path):
    added = textwrap.dedent(PROPERTY).replace("@", "@add_to_class(Thing)\n@")
    engine = run_engine(tmp_path, THING + cell(added))
    thing = engine["Thing"]()
    thing.x = 3
    assert thing.x == 3 and thing.one() == 1


def test_a_package_that_does_not_import_is_refused_naming_module_and_cell(tmp_path):
    root = make_book(tmp_path, {"one": VALUE + cell("LIMIT = undefined_name + 1", "micrograd/nn.py")})
    with pytest.raises(ChapterError) as error:
        tangle(root)
    assert str(error.value).endswith("micrograd.nn does not import: NameError: name 'undefined_name' is not defined")
    assert error.value.path.name == "one.md" and error.value.line == 31
    assert run_cli(root).returncode == 1 and not (root / "micrograd").exists()


def test_a_tangled_definition_that_differs_from_its_cell_is_a_tangler_bug(tmp_path, monkeypatch):
    import tools.tangle

    render = tools.tangle._render

    def faulty_render(module, modules, root):
        text, where = render(module, modules, root)
        return text.replace("return 1", "return 2"), where

    monkeypatch.setattr(tools.tangle, "_render", faulty_render)
    with pytest.raises(RuntimeError, match=r"one.md:17: tangled micrograd/engine.py does not match"):
        tangle(make_book(tmp_path, {"one": THING}))


# --- Property: any chapter built from definitions, comments and blank lines tangles faithfully, or is refused ----


@st.composite
def chapter_cells(draw) -> tuple[list[str], list[str], list[str]]:
    """(cells, the text each definition must have in the module, every comment line) of a generated chapter."""
    numbers, classes, cells, expected, comments = count(), [], [], [], []

    def comments_and_blanks(indent: str = "") -> list[str]:
        lines = [
            f"{indent}# note {next(numbers)}" if kind == "comment" else ""
            for kind in draw(st.lists(st.sampled_from(["comment", "blank"]), max_size=3))
        ]
        comments.extend(line.strip() for line in lines if line)
        return lines

    def definition(kind: str) -> list[str]:
        n = next(numbers)
        if kind == "function":
            lines = [f"def f{n}(x):", f"    return x + {n}"]
        elif kind == "constant":
            lines = [f"K{n} = {n}"]
        elif kind == "one-line class":
            lines, _ = [f"class E{n}(ValueError): pass"], classes.append(f"E{n}")
        elif kind == "class":
            inside = ["    " + line if line else "" for line in comments_and_blanks()]
            lines = [
                f"class C{n}:",
                f'    """Class {n}."""',
                *inside,
                "",
                "    def m(self):",
                f"        return {n}",
                *comments_and_blanks("    "),
            ]
            classes.append(f"C{n}")
        elif not classes:
            return []
        else:
            owner, name = draw(st.sampled_from(classes)), f"p{n}"
            getter = [f"@add_to_class({owner})", "@property", f"def {name}(self):", f"    return {n}"]
            setter = [f"@add_to_class(cls={owner})", f"@{name}.setter", f"def {name}(self, value):", "    pass"]
            method = [f"@add_to_class({owner})", f"def m{n}(self):", f"    return {n}"]
            for part in [getter, [""], setter] if kind == "property" else [method]:
                expected.append("\n".join("    " + line if line else "" for line in part[1:]))
            return [line for part in ([getter, [""], setter] if kind == "property" else [method]) for line in part]
        expected.append("\n".join(line for line in lines if not line.strip().startswith("#") and line))
        return lines

    kinds = ["function", "constant", "class", "one-line class", "method", "property"]
    for _ in range(draw(st.integers(1, 3))):
        lines = []
        for kind in draw(st.lists(st.sampled_from(kinds), max_size=4)):
            lines += comments_and_blanks() + definition(kind)
        cells.append("\n".join(lines + comments_and_blanks()))
    return cells, expected, comments


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(chapter_cells())
def test_any_chapter_tangles_to_its_cells_or_is_refused_with_file_and_line(generated):
    cells, expected, comments = generated
    with tempfile.TemporaryDirectory() as folder:
        root = make_book(Path(folder), {"one": "".join(f"Text.\n\n{cell(code)}\n" for code in cells)})
        try:
            engine = tangle(root).get("micrograd/engine.py", "")
        except ChapterError as error:
            assert error.path.name == "one.md" and error.line, str(error)
            assert main(["--root", str(root)]) == 1 and not (root / "micrograd").exists()
            return
        namespace = {}
        exec(compile(engine, "engine.py", "exec"), namespace)  # the verified module also runs here
        for text in expected:
            assert text.replace("\n\n", "\n") in "\n".join(
                line for line in engine.splitlines() if not line.strip().startswith("#") and line.strip()
            )
        for comment in comments:
            assert comment in engine


def test_the_import_of_add_to_class_goes_once_the_methods_sit_in_their_class(tmp_path):
    """A tangled cell imports add_to_class to grow a class; the module, with the method moved in, needs it no more
    (an unused import would fail the package's lint)."""
    grown = cell("from micrograd.literate import add_to_class\n\n@add_to_class(Value)\ndef two(self):\n    return 2")
    engine = tangle(make_book(tmp_path, {"one": VALUE + grown}))["micrograd/engine.py"]
    assert "add_to_class" not in engine and "def two(self):" in engine
