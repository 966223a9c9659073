"""The configuration the book is really built with, and the strict build itself.

In GitHub Actions (GITHUB_REPOSITORY=OWNER/REPO) the repository buttons point at https://github.com/OWNER/REPO;
elsewhere they are left out.  BOOK_EXECUTION_CACHE=DIR executes through Jupyter Book's cache in DIR; `build`
(`make html`) sets it to .jupyter_cache/local-<fingerprint>.

    python -m tools.site_config build [--output DIR]   the strict build into DIR/_build/html (DIR: here)
    python -m tools.site_config show                   print the effective configuration
    python -m tools.site_config stamp | fresh          record what _build/html was built from | fail when stale
    python -m tools.site_config run book/<chapter>.md  execute chapters as the build does, each on its snapshot
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import yaml

from tools import ROOT

REPOSITORY_BUTTONS = ("use_repository_button", "use_edit_page_button", "use_issues_button")


def load(root: Path = ROOT) -> dict:
    """`_config.yml` as written."""
    return yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8")) or {}


def repository_url(root: Path = ROOT) -> str:
    """The book's repository as `_config.yml` records it ("" until it is set), without a trailing slash."""
    return str((load(root).get("repository") or {}).get("url") or "").strip().rstrip("/")


def github_repository(env: Mapping[str, str] = os.environ) -> str | None:
    """OWNER/REPO when running in GitHub Actions, else None."""
    value = (env.get("GITHUB_REPOSITORY") or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", value):
        raise ValueError(f"GITHUB_REPOSITORY={value!r} is not of the form OWNER/REPO")
    return value


def effective_config(root: Path = ROOT, env: Mapping[str, str] = os.environ) -> dict:
    """The configuration a build in this environment uses (see the module's docstring)."""
    root = Path(root).resolve()
    config = load(root)
    github = github_repository(env)
    # An empty url also keeps Jupyter Book's default address (its own repository) out of the site.
    config.setdefault("repository", {})["url"] = f"https://github.com/{github}" if github else ""
    if not github:
        config.setdefault("html", {}).update(dict.fromkeys(REPOSITORY_BUTTONS, False))
        config.pop("launch_buttons", None)
    # Local extensions are found relative to the configuration file, which is written elsewhere.
    sphinx = config.setdefault("sphinx", {})
    local = sphinx.get("local_extensions") or {}
    sphinx["local_extensions"] = {name: str((root / path).resolve()) for name, path in local.items()}

    cache = (env.get("BOOK_EXECUTION_CACHE") or "").strip()
    if cache:
        execute = config.setdefault("execute", {})
        execute["execute_notebooks"] = "cache"
        execute["cache"] = str(Path(cache).resolve())
    return config


def write_effective_config(root: Path, destination: Path, env: Mapping[str, str]) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by tools/site_config.py from _config.yml for one build; edit _config.yml instead.\n"
    destination.write_text(header + yaml.safe_dump(effective_config(root, env), sort_keys=False), encoding="utf-8")
    return destination


def local_execution_cache(root: Path = ROOT) -> Path:
    """.jupyter_cache/local-<fingerprint of what the cells import or read: the snapshots, pins, benchmark report>."""
    from tools.tangle import snapshots

    digest = hashlib.sha256()
    for chapter, files in snapshots(root).items():
        for path, text in sorted(files.items()):
            digest.update(f"{chapter.name}/{path}".encode() + b"\0" + text.encode())
    for path in [root / "requirements.txt", *sorted((root / "benchmarks" / "results").glob("*"))]:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return root / ".jupyter_cache" / f"local-{digest.hexdigest()[:16]}"


# What the site and its PDF are built from: a change to any of these makes _build/html stale.
INPUTS = ["_config.yml", "_toc.yml", "requirements.txt", "package-lock.json", "book", "micrograd", "notebooks",
          "tools", "benchmarks/results"]  # fmt: skip
STAMP = Path("_build") / "site-inputs.txt"


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        top = Path(root) / name
        for path in sorted([top] if top.is_file() else top.rglob("*") if top.is_dir() else []):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def fresh(root: Path = ROOT) -> bool:
    """Whether _build/html holds the site and its PDF, built from the files as they are now."""
    stamp, site = Path(root) / STAMP, Path(root) / "_build" / "html"
    built = (site / "index.html").is_file() and (site / "book.pdf").is_file() and stamp.is_file()
    return built and stamp.read_text(encoding="utf-8").strip() == fingerprint(root)


def cli_env(root: Path = ROOT, env: Mapping[str, str] = os.environ) -> dict:
    """The environment of the command-line build: `env`, with the local execution cache unless one is set."""
    env = dict(env)
    if not (env.get("BOOK_EXECUTION_CACHE") or "").strip():
        env["BOOK_EXECUTION_CACHE"] = str(local_execution_cache(root))
    return env


# A chapter runs in an empty folder (_config.yml's run_in_temp): where the benchmark report it reads lies.
KERNEL_ENV = {"BOOK_BENCHMARKS": str(ROOT / "benchmarks" / "results")}

# Jupyter Book's command line, with one Sphinx job per core (it has no -j option), each taking one page at a time in
# the book's order: Sphinx's own batches of about ten pages in no fixed order could leave a core idle for minutes
# behind the batch that holds the slowest chapters.
PARALLEL_JUPYTER_BOOK = (
    "import functools, os, jupyter_book.sphinx as s, sphinx.builders as b; "
    "s.build_sphinx = functools.partial(s.build_sphinx, jobs=os.cpu_count() or 1); "
    "b.make_chunks = lambda pages, *_, **__: [[page] for page in sorted(pages)]; "
    "from jupyter_book.cli.main import main; main()"
)


def jupyter_book(source: Path, output: Path, env: Mapping[str, str], builder: str, *options: str, capture=True):
    """`jupyter-book build` of `source` into `output`/_build/`builder` with the effective configuration."""
    env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])), **KERNEL_ENV}
    config = write_effective_config(source, output / "_build" / f"_config.{builder}.yml", env)
    command = [sys.executable, "-c", PARALLEL_JUPYTER_BOOK, "build", str(source), "--builder", builder,
               *options, "--path-output", str(output), "--config", str(config)]  # fmt: skip
    return subprocess.run(command, capture_output=capture, text=True, env=env)


def build(source: Path = ROOT, output: Path | None = None, env: Mapping[str, str] | None = None, capture=True):
    """A clean, strict build of `source` into `output`/_build/html: warnings are errors, every reference resolves,
    every problem is reported."""
    source, output = Path(source).resolve(), Path(output or source).resolve()
    shutil.rmtree(output / "_build", ignore_errors=True)
    env = os.environ if env is None else env
    return jupyter_book(source, output, env, "html", "--all", "-W", "-n", "--keep-going", capture=capture)


def run_on_snapshot(path: Path, timeout: int = 300):
    """Run every cell of a chapter of _toc.yml in a new kernel, on its snapshot alone; raise ChapterError."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from tools.chapters import ChapterError, read_notebook
    from tools.tangle import kernel_pythonpath, snapshots, write

    path, saved = Path(path).resolve(), os.environ.get("PYTHONPATH")
    notebook = read_notebook(path)
    # In an empty folder, as the build (_config.yml's run_in_temp) and a downloaded notebook run it.
    with tempfile.TemporaryDirectory(prefix="snapshot-") as folder, tempfile.TemporaryDirectory(prefix="run-") as cwd:
        write({c.resolve(): files for c, files in snapshots().items()}[path], Path(folder))
        os.environ["PYTHONPATH"] = kernel_pythonpath(Path(folder), saved)
        os.environ.update(KERNEL_ENV)
        where = {"metadata": {"path": cwd}}
        try:
            NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources=where).execute()
        except CellExecutionError as error:
            cells = zip(notebook.cells, notebook.metadata["source_map"])
            line = next((at for cell, at in cells if "error" in [o.output_type for o in cell.get("outputs", [])]), None)
            raise ChapterError(path, line, f"a cell failed:\n{error}") from None
        finally:
            os.environ.pop("PYTHONPATH")
            if saved is not None:
                os.environ["PYTHONPATH"] = saved
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site_config", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="the strict build of the book into OUTPUT/_build/html")
    build_parser.add_argument("--output", type=Path, default=ROOT, help="folder to build in (default: here)")
    commands.add_parser("show", help="print the configuration a build here would use")
    commands.add_parser("stamp", help="record what _build/html was built from")
    commands.add_parser("fresh", help="fail when _build/html is missing or stale")
    run = commands.add_parser("run", help="execute chapters as the build does, each on its snapshot")
    run.add_argument("chapters", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "run":
        from tools.chapters import ChapterError

        for name in args.chapters:
            try:
                run_on_snapshot(name if name.is_absolute() else ROOT / name)
            except ChapterError as error:
                print(error, file=sys.stderr)
                return 1
            print(f"ok: {name}")
        return 0
    if args.command == "stamp":
        (ROOT / STAMP).write_text(fingerprint(ROOT) + "\n", encoding="utf-8")
        return 0
    if args.command == "fresh":
        ok = fresh(ROOT)
        print("_build/html is up to date" if ok else "_build/html is missing or older than the book: building it")
        return 0 if ok else 1
    if args.command == "show":
        print(yaml.safe_dump(effective_config(ROOT, cli_env(ROOT)), sort_keys=False), end="")
        return 0
    env = cli_env(ROOT)
    current = local_execution_cache(ROOT)
    if Path(env["BOOK_EXECUTION_CACHE"]) == current:
        for old in current.parent.glob("local-*"):  # caches of an older package: never used again
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
    result = build(ROOT, args.output, env=env, capture=False)
    if result.returncode == 0:
        print(f"The book is in {args.output.resolve() / '_build' / 'html'}.")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
