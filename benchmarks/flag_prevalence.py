"""Report: how often each flag fires on an imported register (issue 26, item 4).

    python benchmarks/flag_prevalence.py [--csv PATH] [--mapping NAME|FILE] [--seed N]

Imports the register (by default the 2024 US federal AI inventory in ../shared/data, with the
shipped us-federal-2024 mapping) into a temporary folder, scores every valid row, and prints
each flag with the share of rows it fires on. A flag fires on what a row says, never on what
it leaves out, so no flag should fire on more than half the rows only because the register
has no column for what it asks (target: none). For each flag on more than a tenth of the
rows it prints ten rows drawn at random (seeded), each with what the flag's rule reads, so
they can be checked by hand. It also counts how often each flag is only open: a question
the row leaves unanswered, which widens its risk range instead of firing.

It is a report, not a check: it exits 0 whatever it finds (2 when the import fails).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from register import DEFAULT_CSV, imported

from scoring.model.findings import open_flags
from scoring.model.scorecard import ScoredPortfolio

MOST = 0.5  # no flag should fire on more rows than this share
SAMPLED = 0.1  # flags above this share get rows to check by hand
SAMPLES = 10


def leaves(condition: Any) -> Iterator[str]:
    """The fields and facts a rule reads, in order."""
    if isinstance(condition, dict):
        for key in ("field", "fact", "level", "score"):
            if key in condition:
                yield f"{key} {condition[key]}"
        for key in ("all", "any"):
            for part in condition.get(key) or ():
                yield from leaves(part)


def what_it_reads(portfolio: ScoredPortfolio, flag_id: str, pid: str) -> str:
    """The values of the proposal fields a flag's rule reads ("left out" when unanswered)."""
    rule = portfolio.rubric.flag(flag_id)
    card = portfolio.card(pid)
    if rule is None or card is None:
        return ""
    said = []
    for leaf in dict.fromkeys(leaves(rule.when or {})):
        kind, name = leaf.split(" ", 1)
        if kind == "field":
            value = card.proposal.get(name)
            said.append(f"{name}={'left out' if value is None else value}")
    return "; ".join(said)


def report(portfolio: ScoredPortfolio, seed: int) -> list[str]:
    cards = portfolio.cards
    total = len(cards)
    fired: dict[str, list[str]] = {}
    asked: Counter[str] = Counter()
    for card in cards:
        for flag in card.flags:
            fired.setdefault(flag.id, []).append(card.proposal.id)
        for flag in open_flags(card.actions.features, card.rubric, card.row):
            asked[flag.id] += 1
    lines = [f"{total} rows scored"]
    if not total:
        return lines
    lines.append("")
    lines.append("flag                                 fires on        only asked on")
    for rule in portfolio.rubric.flags:
        count = len(fired.get(rule.id, []))
        lines.append(
            f"{rule.id:<36} {count:>5} ({count / total:>4.0%})  {asked[rule.id]:>5} "
            f"({asked[rule.id] / total:>4.0%})"
        )
    for cap_id in sorted(set(fired) - {f.id for f in portfolio.rubric.flags}):
        count = len(fired[cap_id])
        lines.append(f"{cap_id + ' (red, a cap)':<36} {count:>5} ({count / total:>4.0%})")
    common = sorted(f for f, ids in fired.items() if len(ids) > MOST * total)
    lines.append("")
    lines.append(
        f"flags on more than {MOST:.0%} of the rows (target: none): {', '.join(common) or 'none'}"
    )
    picker = random.Random(seed)
    for flag_id, ids in sorted(fired.items()):
        if len(ids) <= SAMPLED * total:
            continue
        lines.append("")
        lines.append(f"{flag_id}: {SAMPLES} of {len(ids)} rows, drawn at random (seed {seed})")
        for pid in sorted(picker.sample(ids, min(SAMPLES, len(ids)))):
            found = portfolio.card(pid)
            title = found.proposal.title[:70] if found is not None else ""
            lines.append(f"  {pid}: {title}")
            lines.append(f"    {what_it_reads(portfolio, flag_id, pid)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--mapping", default="us-federal-2024")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            portfolio = imported(args.csv, args.mapping, Path(tmp) / "proposals")
        except SystemExit as stop:
            print(stop, file=sys.stderr)
            return 2
        print("\n".join(report(portfolio, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
