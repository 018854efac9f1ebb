"""Benchmark: import a 3,611-row file in the 2025 US federal format, then re-import it
unchanged.

    python benchmarks/bench_import_2025.py [--rows 3611] [--rounds 3]

The real 2025 rows are not published with the data dictionary, so the file is the
dictionary-shaped fixture of ``tests/fixtures/us_federal_2025.py`` replicated to 3,611 rows
(the size of the 2025 inventory), each copy with its own id and use-case name. Targets:
each of the two under 5 s on 2 cores. Times are the fastest of ``--rounds`` runs, each into
a fresh folder; CPU time is printed too.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from fixtures.us_federal_2025 import rows_2025, write  # noqa: E402

from scoring.cli.main import main as cli  # noqa: E402

ROWS = 3611
TARGETS = {"import": 5.0, "re-import": 5.0}


def replicated(count: int) -> list[dict[str, str]]:
    """``count`` rows: the fixture's, over and over, each copy a use case of its own."""
    base = rows_2025()
    rows = []
    for i in range(count):
        row = dict(base[i % len(base)])
        copy = i // len(base)
        if copy:
            row["use_case_name"] = f"{row['use_case_name']} {copy}"
            row["id"] = f"{row['id']}-{copy}" if row["id"] else ""
        rows.append(row)
    return rows


def run_import(source: Path, out: Path) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli(["import", str(source), "--mapping", "us-federal-2025", "--out", str(out)])
    elapsed = (time.perf_counter() - start, time.process_time() - cpu)
    if code not in (0, 1):
        raise SystemExit(f"import failed with exit code {code}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    inf = (float("inf"), float("inf"))
    best = {"import": inf, "re-import": inf}
    folder = Path(tempfile.mkdtemp(prefix="bench-import-2025-"))
    try:
        source = write(folder / "2025.csv", replicated(args.rows))
        for round_ in range(args.rounds):
            out = folder / f"p{round_}"
            best["import"] = min(best["import"], run_import(source, out))
            best["re-import"] = min(best["re-import"], run_import(source, out))
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    failed = False
    print(f"{args.rows:,} rows in the 2025 format")
    for name, (seconds, cpu) in best.items():
        target = TARGETS[name]
        verdict = "PASS" if seconds < target else "MISS"
        failed |= verdict == "MISS"
        print(f"{name:<10} {seconds:6.2f} s  (CPU {cpu:.2f} s)  target < {target:.0f} s: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
