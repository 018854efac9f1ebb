"""Benchmark: import the real 2024 US federal AI inventory, then re-import it unchanged.

    python benchmarks/bench_import.py [--csv PATH] [--rounds 3]

Targets: the first import of the 2,133 rows in under 30 s, a re-import with nothing changed
in under 10 s. As a baseline measured in the same run, pandas reads the same CSV (that is
the least any importer has to do), so a slow machine shows up in both figures.
Times are the fastest of ``--rounds`` runs, each into a fresh folder (the re-import reuses
the folder of its round). CPU time is printed too: on a shared machine it varies less than
the wall-clock time the targets are about.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from register import DEFAULT_CSV

from scoring.cli.main import main as cli

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"import": 30.0, "re-import": 10.0}


def run_import(source: Path, out: Path) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli(["import", str(source), "--mapping", "us-federal-2024", "--out", str(out)])
    elapsed = (time.perf_counter() - start, time.process_time() - cpu)
    if code not in (0, 1):
        raise SystemExit(f"import failed with exit code {code}")
    return elapsed


def baseline(source: Path) -> tuple[float, float]:
    import pandas as pd

    start, cpu = time.perf_counter(), time.process_time()
    pd.read_csv(source, encoding="cp1252", dtype=str, keep_default_na=False)
    return time.perf_counter() - start, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"no inventory at {args.csv}", file=sys.stderr)
        return 2
    inf = (float("inf"), float("inf"))
    names = ("pandas read_csv (baseline)", "import", "re-import")
    best = dict.fromkeys(names, inf)
    for _ in range(args.rounds):
        folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
        try:
            best[names[0]] = min(best[names[0]], baseline(args.csv))
            best["import"] = min(best["import"], run_import(args.csv, folder / "p"))
            best["re-import"] = min(best["re-import"], run_import(args.csv, folder / "p"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    base = best[names[0]][0]
    for name, (seconds, cpu) in best.items():
        target = TARGETS.get(name)
        verdict = (
            ""
            if target is None
            else (f"  target < {target:.0f} s: {'ok' if seconds < target else 'MISSED'}")
        )
        print(
            f"{name:<28} {seconds:7.2f} s (CPU {cpu:6.2f} s) {seconds / base:7.1f} x "
            f"baseline{verdict}"
        )
    return 0 if all(best[k][0] < t for k, t in TARGETS.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
