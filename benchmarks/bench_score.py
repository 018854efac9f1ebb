"""Benchmark: load and validate N synthetic proposals, then score them with ``score_intake``.

    python benchmarks/bench_score.py [--n 10000] [--seed 0] [--no-memory]

Loading (reading YAML, checking the schema), scoring (features, estimates and ranges, risk
classes, flags, states and score cards) and the explanations a site adds (the questions that
would settle each placement and the suggestions that would raise each priority, computed
together on first use) are timed separately, in the same run, so the load time is the
baseline the scoring time is read against. Peak memory is measured in a second pass
under tracemalloc, because tracing slows Python code down and would distort the timings.
The target is scoring 10,000 proposals in under 2 seconds.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic import write_proposals
from scoring.model.scorecard import ScoredPortfolio, score_intake
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake
from scoring.rubric import load_rubric

TARGET_SECONDS = 2.0
T = TypeVar("T")


def timed(run: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def peak_mib(run: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def report(name: str, n: int, seconds: float, peak: float | None) -> None:
    memory = "" if peak is None else f", peak {peak:8.1f} MiB"
    print(f"{name:<22} {seconds:8.2f} s  {n / seconds:10,.0f} proposals/s{memory}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the tracemalloc pass (halves the run time)"
    )
    args = parser.parse_args(argv)

    rubric = load_rubric()
    with tempfile.TemporaryDirectory(prefix="sweetspot-bench-") as tmp:
        folder = Path(tmp)
        _, seconds = timed(lambda: write_proposals(folder, args.n, args.seed))
        print(f"generated {args.n} proposals in {seconds:.2f} s ({folder})")

        intake: Intake
        intake, load_seconds = timed(lambda: load_proposals([folder], rubric))
        if intake.invalid:
            print(
                f"error: {len(intake.invalid)} synthetic proposal(s) are invalid, e.g.",
                intake.invalid[0].problems[0].as_text(),
                file=sys.stderr,
            )
            return 1
        portfolio: ScoredPortfolio
        portfolio, score_seconds = timed(lambda: score_intake(intake, rubric))
        assert len(portfolio.cards) == args.n
        _, explain_seconds = timed(lambda: [(c.questions, c.suggestions) for c in portfolio.cards])

        load_peak = score_peak = None
        if not args.no_memory:
            load_peak = peak_mib(lambda: load_proposals([folder], rubric))
            score_peak = peak_mib(lambda: score_intake(intake, rubric))

    print(f"python {sys.version.split()[0]}, {args.n} proposals, seed {args.seed}")
    report("load + validation", args.n, load_seconds, load_peak)
    report("scoring (score_intake)", args.n, score_seconds, score_peak)
    report("explanations (site)", args.n, explain_seconds, None)
    print(f"scoring takes {score_seconds / load_seconds:.2f} x the time of loading the same files")
    verdict = "meets" if score_seconds < TARGET_SECONDS else "misses"
    print(f"scoring {verdict} the {TARGET_SECONDS:.0f} s target for {args.n} proposals")
    return 0


if __name__ == "__main__":
    sys.exit(main())
