"""The measured figures in CONTRIBUTING.md are the ones benchmarks/figures.json records.

Performance notes live in one place (issue 23): the benchmarks write the figures block, and
this test fails when someone edits the block by hand or records a run without rewriting it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_notes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "notes.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_contributing_figures_block_matches_recorded_runs() -> None:
    done = run_notes("--check")
    assert done.returncode == 0, done.stderr


def test_a_hand_edited_block_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import notes
    finally:
        sys.path.pop(0)
    copy = tmp_path / "CONTRIBUTING.md"
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    begin = text.index(notes.BEGIN) + len(notes.BEGIN)
    copy.write_text(text[:begin] + "\n| made up | 0.1× |\n" + text[begin:], encoding="utf-8")
    monkeypatch.setattr(notes, "CONTRIBUTING", copy)
    assert notes.main(["--check"]) == 1
    assert notes.main([]) == 0  # rewriting puts the recorded figures back
    assert notes.main(["--check"]) == 0
