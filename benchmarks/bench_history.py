"""Benchmark: what history from git (#30) costs a site build, against the same build
without it, in the same run.

    python benchmarks/bench_history.py [--size 200] [--commits 20] [--repeat 3] [--keep DIR]

Writes N synthetic proposals (benchmarks/synthetic.py) into a git repository and commits
them C times, each commit changing every file (so each proposal has C versions to score),
then builds every page in-process (``build_pages``, the plugin's and build-docs' path):

- cold: a first build, as `mkdocs build` or the first `mkdocs serve` build runs it;
- warm: a rebuild with the memo kept and nothing changed, as a `mkdocs serve` reload;
- edit: a rebuild after one proposal file is edited (not committed);
- restart: a first build again with the cache folder kept (the scored versions on disk),
  as CI with a restored cache or `mkdocs serve` started again runs it.

Each figure is CPU seconds (git's included), the median of ``--repeat`` runs with history on
and off taking turns, and the extra time history takes. The issue's targets (at 1,000
proposals × 20 commits): cold at most 20% slower, warm and edit at most 5%.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import write_proposals  # noqa: E402
from scoring.model.scorecard import ScoredPortfolio  # noqa: E402
from scoring.proposals.loading import LoadCache, load_proposals  # noqa: E402
from scoring.rubric import load_rubric  # noqa: E402
from scoring.site.pages.builder import build_pages  # noqa: E402
from scoring.site.pages.options import SiteOptions  # noqa: E402
from scoring.site.rebuild.memo import RebuildMemo  # noqa: E402
from scoring.site.rebuild.versionstore import FILE as VERSIONS  # noqa: E402


def git(root: Path, *args: str, day: int = 1) -> None:
    stamp = f"2026-01-{day:02d}T10:00:00+00:00"
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.org",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.org",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def write_repository(root: Path, size: int, commits: int) -> Path:
    folder = root / "content" / "proposals"
    files = write_proposals(folder, size, seed=7)
    git(root, "init", "-q", "-b", "main")
    for n in range(commits):
        for path in files:  # a new blob per file and commit
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"# revision {n}\n")
        git(root, "add", "-A", day=1 + n % 28)
        git(root, "commit", "-q", "-m", f"revision {n}", day=1 + n % 28)
    return folder


class Session:
    """One `mkdocs serve` session: the memo and the last scoring, kept between builds."""

    def __init__(self, options: SiteOptions) -> None:
        self.options = options
        self.rubric = load_rubric(None)
        self.memo = RebuildMemo()
        self.scored: ScoredPortfolio | None = None

    def build(self, folder: Path) -> float:
        """CPU seconds (git's included) to load (from a warm cache) and build every page."""
        start = cpu_seconds()
        intake = load_proposals([folder], self.rubric, self.cache)
        _, _, self.scored = build_pages(
            intake, self.rubric, self.options, previous=self.scored, memo=self.memo
        )
        return cpu_seconds() - start

    @cached_property
    def cache(self) -> LoadCache:
        return {}


def cpu_seconds() -> float:
    """CPU time of this process and the git processes it waited for: on a shared machine
    far steadier than wall-clock time."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def one_round(folder: Path, history: bool) -> dict[str, float]:
    cache = folder.parent.parent / ".cache"
    options = SiteOptions(
        history=history,
        history_since=date(2026, 1, 10),
        proposals_dir=folder,
        source_root=Path.cwd(),
        cache_dir=cache,
    )
    (cache / VERSIONS).unlink(missing_ok=True)  # cold: no versions kept on disk
    edited = sorted(folder.glob("*.yaml"))[0]
    original = edited.read_text(encoding="utf-8")
    session = Session(options)
    figures = {"cold": session.build(folder), "warm": session.build(folder)}
    edited.write_text(original + "# an edit\n", encoding="utf-8")
    figures["edit"] = session.build(folder)
    edited.write_text(original, encoding="utf-8")
    # A new process with the cache folder kept (CI restoring it, serve started again).
    figures["restart"] = Session(options).build(folder)
    return figures


def measure(folder: Path, repeat: int) -> dict[bool, dict[str, float]]:
    """Median CPU seconds with history off and on, the two taking turns (after one round
    that compiles the templates, left out), so load on the machine falls on both alike."""
    one_round(folder, False)
    runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for _ in range(repeat):
        for history in (False, True):
            runs[history].append(one_round(folder, history))
    return {
        history: {name: statistics.median(r[name] for r in found) for name in found[0]}
        for history, found in runs.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--commits", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="build in this folder and keep it")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-history-"))
    try:
        root.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        folder = write_repository(root, args.size, args.commits)
        print(
            f"{args.size} proposals × {args.commits} commits written in "
            f"{time.perf_counter() - start:.1f} s; CPU seconds, median of {args.repeat} "
            "runs each"
        )
        os.chdir(root)  # proposal file names are relative to the working folder
        figures = measure(folder, args.repeat)
        without, with_history = figures[False], figures[True]
        targets = {"cold": 20, "warm": 5, "edit": 5, "restart": 20}
        for name, target in targets.items():
            base, cost = without[name], with_history[name]
            extra = (cost - base) / base * 100 if base else 0.0
            print(
                f"{name:>7}: without history {base:6.2f} s, with history {cost:6.2f} s "
                f"({extra:+.0f}%; target at 1,000 × 20: at most +{target}%)"
            )
    finally:
        if not args.keep:
            os.chdir(ROOT)
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["main", "measure", "write_repository"]
