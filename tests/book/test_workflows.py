"""The GitHub Actions workflows: valid against GitHub's workflow schema, and the Pages workflow does what the
README says (strict build on pull requests, deployment from main with the official Pages actions, least
permissions, PyTorch's CPU build, pip and execution caches)."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
PAGES = ROOT / ".github" / "workflows" / "book.yml"


def validate(*paths: Path) -> subprocess.CompletedProcess:
    # check-jsonschema ships GitHub's workflow schema (SchemaStore's copy): nothing is downloaded.
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
    )


def load(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(job) if "uses" in step]


def test_there_is_a_pages_workflow():
    assert PAGES in WORKFLOWS, f"{PAGES.relative_to(ROOT)} is missing"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_is_valid_against_githubs_schema(path):
    result = validate(path)
    assert result.returncode == 0, f"{path.relative_to(ROOT)}:\n{result.stdout}{result.stderr}"


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    steps:\n      - run: make\n")  # no runs-on
    assert validate(broken).returncode != 0


def test_triggers_pull_requests_and_pushes_to_main():
    on = load(PAGES)["on"]
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]


def test_permissions_are_limited_to_reading_and_pages():
    workflow = load(PAGES)
    granted = {}
    for scope in [workflow, *workflow["jobs"].values()]:
        permissions = scope.get("permissions", {})
        assert isinstance(permissions, dict), "permissions must be listed one by one, not read-all/write-all"
        granted.update(permissions)
    assert granted == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["permissions"] == {"contents": "read"}, "the workflow as a whole may only read"
    writers = [name for name, job in workflow["jobs"].items() if "pages" in job.get("permissions", {})]
    assert writers == ["deploy"], "only the deploy job may write to Pages"


def test_builds_and_tests_with_make_test_and_deploys_with_the_official_pages_actions():
    jobs = load(PAGES)["jobs"]
    build, deploy = jobs["build"], jobs["deploy"]
    assert any(step.get("run", "").strip() == "make test" for step in steps(build))
    assert "actions/upload-pages-artifact" in uses(build)
    assert uses(deploy) == ["actions/deploy-pages"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    # Deploy only from main; pull requests build and upload the site as an artifact.
    assert "refs/heads/main" in deploy["if"] and "pull_request" in deploy["if"]
    upload_pages = next(s for s in steps(build) if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload_pages["with"]["path"] == "_build/html"
    assert "pull_request" in upload_pages["if"] and "refs/heads/main" in upload_pages["if"]
    artifact = [
        s
        for s in steps(build)
        if s.get("uses", "").startswith("actions/upload-artifact") and s.get("with", {}).get("path") == "_build/html"
    ]
    assert artifact and artifact[0]["if"] == "github.event_name == 'pull_request'"


def test_pytorch_comes_from_the_cpu_wheel_index():
    build = load(PAGES)["jobs"]["build"]
    scripts = "\n".join(step.get("run", "") for step in steps(build))
    assert "--index-url https://download.pytorch.org/whl/cpu" in scripts
    pinned = next(line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("torch=="))
    assert pinned in scripts, f"the workflow should install the pinned {pinned} from the CPU index"
    # ...before `make test` installs requirements.txt, which the CPU build then already satisfies.
    runs = [step.get("run", "") for step in steps(build)]
    assert next(i for i, r in enumerate(runs) if "download.pytorch.org" in r) < runs.index("make test")


def test_caches_pip_and_the_execution_of_the_chapters():
    build = load(PAGES)["jobs"]["build"]
    caches = [step for step in steps(build) if step.get("uses", "").startswith("actions/cache")]
    paths = {step["with"]["path"]: step["with"]["key"] for step in caches}
    assert "~/.cache/pip" in paths and "hashFiles('requirements.txt')" in paths["~/.cache/pip"]
    execution = paths.get(".jupyter_cache")
    assert execution, "Jupyter Book's execution cache is not cached"
    for part in ("book/**", "micrograd/**", "requirements.txt"):
        assert part in execution, f"the execution cache's key does not depend on {part}"
    assert build["env"]["BOOK_EXECUTION_CACHE"] == ".jupyter_cache"


# Modules of the book's tooling (and the tests that share theirs): a test importing one needs the book's setup.
BOOK_TOOLING = {
    "tools",
    "yaml",
    "nbformat",
    "nbclient",
    "myst_nb",
    "jupytext",
    "bs4",
    "playwright",
    "test_book",
    "test_tangle",
}


def package_tests() -> set[str]:
    """The package's own tests: the test modules that import nothing of the book's tooling."""
    import ast

    found = set()
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
        if not imported & BOOK_TOOLING:
            found.add(path.relative_to(ROOT).as_posix())
    return found


def test_the_package_is_tested_on_the_oldest_python_it_supports():
    import re
    import tomllib

    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    oldest = re.fullmatch(r">=\s*(3\.\d+)", requires).group(1)
    workflow = load(PAGES)
    job = workflow["jobs"]["package"]
    versions = [str(v) for v in job["strategy"]["matrix"]["python"]]
    assert oldest in versions, f"pyproject.toml says Python {requires}, the package job tests {versions}"
    assert any(
        s.get("uses", "").startswith("actions/setup-python") and s["with"]["python-version"] == "${{ matrix.python }}"
        for s in steps(job)
    )
    assert workflow["jobs"]["build"]["container"].startswith("python:3.11"), "the book is built on Python 3.11"
    # Every test of the package, and only those (the rest need Jupyter Book and the build): the folder
    # tests/package/ holds exactly the test modules that import nothing of the book's tooling.
    command = next(s["run"] for s in steps(job) if "-m pytest" in s.get("run", ""))
    assert command.split("-m pytest", 1)[1].split() == ["tests/package"]
    in_folder = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests" / "package").glob("test_*.py")}
    assert in_folder == package_tests()
    assert "download.pytorch.org/whl/cpu" in "\n".join(s.get("run", "") for s in steps(job))


def test_a_repository_without_pages_is_built_and_not_deployed():
    """A new fork has no Pages site: the deploy job says so and skips the deployment instead of failing."""
    deploy = load(PAGES)["jobs"]["deploy"]
    check, deployment = steps(deploy)[0], steps(deploy)[-1]
    assert "/pages" in check["run"] and "404" in check["run"] and "::notice" in check["run"]
    assert deployment["uses"].startswith("actions/deploy-pages")
    assert deployment["if"] == f"steps.{check['id']}.outputs.enabled == 'true'"
