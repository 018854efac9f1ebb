"""Report: do a register's pages ask questions that fit each row? (issue 26, item 5)

    python benchmarks/bench_questions.py [--csv PATH] [--mapping NAME|FILE]

Imports the register (by default the 2024 US federal AI inventory in ../shared/data, with the
shipped us-federal-2024 mapping) into a temporary folder, scores every valid row, and takes
the first three next steps each page shows (scoring/model/steps.py, the one ordering rule
of every page and the portfolio). It prints how many rows share each set of three, the
commonest first, and the share the commonest covers (target: under half), with how often
a class question comes first (for a row from an inventory, class questions outrank
placement questions).

It is a report, not a check: it exits 0 whatever it finds (2 when the import fails).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from register import DEFAULT_CSV, imported

from scoring.model.steps import next_steps

SHOWN = 3  # the steps a page shows before "more steps"
TARGET = 0.5  # the commonest set of three should cover less than this share of rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--mapping", default="us-federal-2024")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        portfolio = imported(args.csv, args.mapping, Path(folder) / "proposals")
        sets: Counter[tuple[str, ...]] = Counter()
        first_kind: Counter[str] = Counter()
        for card in portfolio.cards:
            steps = next_steps(card)[:SHOWN]
            sets[tuple(step.text for step in steps)] += 1
            first_kind[steps[0].kind if steps else "none"] += 1
    rows = sum(sets.values())
    print(f"{rows:,} rows scored; {len(sets):,} distinct sets of the first {SHOWN} steps")
    for texts, count in sets.most_common(5):
        print(f"\n{count:6,} rows ({count / rows:.0%}):")
        for text in texts:
            print(f"    - {text}")
    top = sets.most_common(1)[0][1] / rows if rows else 0.0
    verdict = "PASS" if top < TARGET else "MISS"
    print(f"\ncommonest set covers {top:.1%} of rows  {verdict} (target < {TARGET:.0%})")
    print("first step by kind: " + ", ".join(f"{k} {v:,}" for k, v in first_kind.most_common()))


if __name__ == "__main__":
    main()
