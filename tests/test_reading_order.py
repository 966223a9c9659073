"""No chapter may use what a later chapter introduces.

Each chapter is executed in a fresh kernel that can import only the package tangled from the chapters before it,
exactly the state a reader is in when they reach that chapter.
"""
from pathlib import Path

import pytest

from tools.chapters import toc_chapters
from tools.run_chapter import execute_chapter
from tools.tangle import tangle, write

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = toc_chapters(ROOT)


@pytest.mark.parametrize("index", range(len(CHAPTERS)), ids=[p.stem for p in CHAPTERS])
def test_chapter_runs_with_only_earlier_chapters_tangled(index, tmp_path, monkeypatch):
    write(tangle(ROOT, CHAPTERS[:index]), tmp_path)
    # The kernel inherits this environment: `import micrograd` finds the partial package and nothing else.
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    execute_chapter(CHAPTERS[index])
