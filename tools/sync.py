"""Keep a generated folder equal to a set of files computed in memory.

`files` maps a path relative to `root` (e.g. "micrograd/engine.py") to the text it must hold.  The files of
`folder` (relative to `root`) that match `pattern` and are not in `files` are stale.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

EXCERPT_LINES = 30


def stale(files: dict[str, str], root: Path, folder: str, pattern: str = "*") -> list[str]:
    """Files of `folder` matching `pattern` that `files` does not produce (relative to `root`, sorted)."""
    base = Path(root) / folder
    if not base.is_dir():
        return []
    on_disk = {
        path.relative_to(root).as_posix()
        for path in base.rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }
    return sorted(on_disk - set(files))


def differences(files: dict[str, str], root: Path, folder: str, pattern: str = "*") -> list[str]:
    """One message per file that differs, is missing or is stale (empty when the folder agrees)."""
    problems = []
    for path, text in files.items():
        target = Path(root) / path
        if not target.is_file():
            problems.append(f"{path} is missing")
        elif (current := target.read_text(encoding="utf-8")) != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), f"{path} (on disk)", f"{path} (generated)", lineterm="", n=1
            )
            problems.append(f"{path} differs from what it is generated from:\n" + "\n".join(list(diff)[:EXCERPT_LINES]))
    problems += [f"{path} is stale: nothing generates it" for path in stale(files, root, folder, pattern)]
    return problems


def write(files: dict[str, str], root: Path, folder: str, pattern: str = "*") -> list[str]:
    """Write the files that changed, remove the stale ones; return what changed."""
    changed = []
    for path, text in files.items():
        target = Path(root) / path
        if not (target.is_file() and target.read_text(encoding="utf-8") == text):
            _write_atomically(target, text)
            changed.append(path)
    for path in stale(files, root, folder, pattern):
        (Path(root) / path).unlink()
        changed.append(f"{path} (removed)")
    return changed


def _write_atomically(target: Path, text: str) -> None:
    """Write beside the target and rename over it, so an interrupted run never leaves half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
