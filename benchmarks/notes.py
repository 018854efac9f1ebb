"""The measured figures in CONTRIBUTING.md, kept in one place and written by the benchmarks.

    python benchmarks/notes.py            # rewrite CONTRIBUTING.md's figures block
    python benchmarks/notes.py --check    # exit 1 when the block is not what figures.json gives

``bench_scale.py --notes`` and ``bench_serve.py --notes`` add their run to
``benchmarks/figures.json`` (the latest run of each kind and size replaces the one before)
and rewrite the block between ``<!-- figures:begin -->`` and ``<!-- figures:end -->`` in
CONTRIBUTING.md's Benchmarks section. Each run keeps when, on which commit and machine,
and under which load average it was measured, because on a shared machine the load moves
times by tens of percent. The prose around the block carries no figure of its own, so
nothing in it goes stale unseen.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "benchmarks" / "figures.json"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"

# Build runs, in the order their columns appear; "serve" runs get a table of their own.
BUILD_KINDS = ("synthetic", "demo", "inventory")
KIND_TITLES = {"synthetic": "synthetic", "demo": "demo, replicated", "inventory": "inventory"}


class NotesError(Exception):
    """figures.json or CONTRIBUTING.md cannot be used; the message names the file."""


@dataclass
class Run:
    """One benchmark run: what was measured, where and when, and its figures."""

    kind: str  # synthetic, demo, inventory, serve or "serve, answers"
    n: int  # proposals in the site
    measured: str  # UTC, minutes
    commit: str
    load: tuple[float, float]  # one-minute load average at the start and the end
    machine: str
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str, int]:
        build = BUILD_KINDS.index(self.kind) if self.kind in BUILD_KINDS else len(BUILD_KINDS)
        return (build, self.kind, self.n)


# --------------------------------------------------------------------------------------------
# Where and when
# --------------------------------------------------------------------------------------------


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")


def load_average() -> float:
    return round(os.getloadavg()[0], 1)


def commit() -> str:
    """The checkout's short commit, with "+changes" when files differ from it (apart from
    the two files the notes themselves write)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git(
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ".",
        f":!{CONTRIBUTING.name}",
        f":!{FIGURES.relative_to(ROOT).as_posix()}",
    )
    return head + ("+changes" if changed else "")


def machine() -> str:
    """CPU model, cores, memory, OS and Python: enough to tell two machines apart."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 2**20:.0f} GB"
                break
    except OSError:  # not Linux: the platform module's names will do
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()}, "
        f"Python {platform.python_version()}"
    )


@dataclass(frozen=True)
class Start:
    """What a run records when it starts: the load then, and the code it measures (taken
    before any edit made while it runs)."""

    load: float
    commit: str


def start() -> Start:
    return Start(load=load_average(), commit=commit())


def new_run(kind: str, n: int, started: Start, figures: dict[str, float]) -> Run:
    return Run(
        kind=kind,
        n=n,
        measured=now(),
        commit=started.commit,
        load=(started.load, load_average()),
        machine=machine(),
        figures=figures,
    )


# --------------------------------------------------------------------------------------------
# figures.json
# --------------------------------------------------------------------------------------------


def read_runs(path: Path = FIGURES) -> list[Run]:
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        runs = [
            Run(
                kind=e["kind"],
                n=int(e["n"]),
                measured=e["measured"],
                commit=e["commit"],
                load=(float(e["load"][0]), float(e["load"][1])),
                machine=e["machine"],
                figures={k: float(v) for k, v in e["figures"].items()},
            )
            for e in entries
        ]
    except KeyError as error:
        raise NotesError(f"{path}: a run has no {error} field") from None
    except (
        OSError,
        UnicodeDecodeError,
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
    ) as error:
        raise NotesError(f"{path}: not a list of benchmark runs ({error})") from None
    return sorted(runs, key=lambda run: run.key)


def write_runs(runs: list[Run], path: Path = FIGURES) -> None:
    path.write_text(
        json.dumps([asdict(run) for run in sorted(runs, key=lambda r: r.key)], indent=1) + "\n",
        encoding="utf-8",
    )


def record(run: Run, figures: Path = FIGURES, page: Path = CONTRIBUTING) -> None:
    """Keep `run` (replacing the last one of its kind and size) and rewrite the block."""
    runs = [old for old in read_runs(figures) if (old.kind, old.n) != (run.kind, run.n)]
    write_runs([*runs, run], figures)
    rewrite(page, render(read_runs(figures)))
    print(f"recorded in {figures.relative_to(ROOT)} and {page.relative_to(ROOT)}")


# --------------------------------------------------------------------------------------------
# The block
# --------------------------------------------------------------------------------------------


def _kb(count: float) -> str:
    return f"{count / 1024:,.1f} KB"


def _mb(count: float) -> str:
    return f"{count:,.0f} MB"


def _build_rows(runs: list[Run]) -> list[tuple[str, list[str]]]:
    def each(fmt: Any, *names: str) -> list[str]:
        return [
            fmt(*(run.figures[n] for n in names)) if all(n in run.figures for n in names) else ""
            for run in runs
        ]

    rows = [
        (
            "build CPU, sweetspot / floor",
            each(lambda a, b: f"{a:.1f} s / {b:.1f} s", "cpu", "floor_cpu"),
        ),
        ("ratio to the floor", each(lambda a, b: f"{a / b:.2f}×", "cpu", "floor_cpu")),
        (
            "growth T(N)/T(N/2) (floor)",
            each(lambda a, b: f"{a:.2f} ({b:.2f})", "growth", "floor_growth"),
        ),
        ("peak RSS (floor)", each(lambda a, b: f"{_mb(a)} ({_mb(b)})", "rss_mb", "floor_rss_mb")),
        ("proposal `<article>`", each(_kb, "article")),
        ("site per proposal, `assets/` aside", each(_kb, "site_per_proposal")),
        ("search index per proposal", each(_kb, "search_per_proposal")),
        ("portfolio page", each(_kb, "portfolio_page")),
        ("site in all", each(lambda b: f"{b / 2**20:,.0f} MB", "site_bytes")),
    ]
    return [(label, cells) for label, cells in rows if any(cells)]


def _table(heads: list[str], rows: list[tuple[str, list[str]]]) -> list[str]:
    lines = ["| | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return lines


def _when(runs: list[Run], machines: list[str]) -> list[tuple[str, list[str]]]:
    rows = [
        ("measured (UTC), commit", [f"{run.measured}, {run.commit}" for run in runs]),
        ("load average, start / end", [f"{run.load[0]:.1f} / {run.load[1]:.1f}" for run in runs]),
    ]
    if len(machines) > 1:
        rows.append(("machine", [f"machine {machines.index(run.machine) + 1}" for run in runs]))
    return rows


def render(runs: list[Run]) -> str:
    """The block's Markdown: one table of build runs, one of serve runs, then the machines."""
    lines: list[str] = []
    machines = sorted({run.machine for run in runs})
    builds = [run for run in runs if run.kind in BUILD_KINDS]
    if builds:
        heads = [f"{KIND_TITLES[run.kind]}, {run.n:,}" for run in builds]
        lines += ["`bench_scale.py`, CPU seconds of the build, same-run floor:", ""]
        lines += [*_table(heads, _build_rows(builds) + _when(builds, machines)), ""]
    serves = [run for run in runs if run.kind.startswith("serve")]
    if serves:
        heads = [f"{run.kind.replace('serve', 'serve --dirty', 1)}, {run.n:,}" for run in serves]
        rows = [
            ("edit to reload, median", [f"{run.figures['median']:.2f} s" for run in serves]),
            (
                "fastest / slowest",
                [f"{run.figures['min']:.2f} / {run.figures['max']:.2f} s" for run in serves],
            ),
            ("edits", [f"{run.figures['edits']:.0f}" for run in serves]),
        ]
        lines += ["`bench_serve.py`, seconds from saving a title to the page showing it:", ""]
        lines += [*_table(heads, rows + _when(serves, machines)), ""]
    if len(machines) == 1:
        lines.append(f"Machine: {machines[0]}.")
    else:
        lines += [f"Machine {i}: {name}." for i, name in enumerate(machines, 1)]
    if not runs:
        lines = ["No figures recorded yet: run a benchmark with `--notes`."]
    return "\n".join(lines)


def rewrite(page: Path, block: str) -> bool:
    """Put `block` between the markers of `page`; True when the file changed."""
    text = _page_text(page)
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    updated = f"{text[:start]}\n{block}\n{text[end:]}"
    if updated != text:
        page.write_text(updated, encoding="utf-8")
    return updated != text


def current_block(page: Path) -> str:
    text = _page_text(page)
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip("\n")


def _page_text(page: Path) -> str:
    try:
        text = page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NotesError(f"{page}: cannot read it ({error})") from None
    begin, end = text.find(BEGIN), text.find(END)
    if begin < 0 or end < begin:
        raise NotesError(f"{page}: no {BEGIN} ... {END} block to write the figures into")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when CONTRIBUTING.md's block differs from figures.json",
    )
    args = parser.parse_args(argv)
    try:
        block = render(read_runs())
        if args.check:
            if current_block(CONTRIBUTING) != block:
                print(
                    f"{CONTRIBUTING.name}: the figures block is not what "
                    f"{FIGURES.name} gives: run python benchmarks/notes.py",
                    file=sys.stderr,
                )
                return 1
            return 0
        changed = rewrite(CONTRIBUTING, block)
    except NotesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{CONTRIBUTING.name}: figures block {'rewritten' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
