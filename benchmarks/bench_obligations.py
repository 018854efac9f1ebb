"""Benchmark: do the obligation gaps of a real register show, named, where a leader looks?

    python benchmarks/bench_obligations.py [--csv PATH] [--mapping us-federal-2024]
        [--regime omb-m-24-10 ...] [--as-of YYYY-MM-DD] [--top 12]

The 2024 US federal AI inventory is imported with the shipped mapping (its rights- and
safety-impact column kept) and scored against the register's own rules, OMB M-24-10 (the
practices its columns 52 to 67 report), at the build date (--as-of, else
SWEETSPOT_BUILD_DATE, SOURCE_DATE_EPOCH or today). It prints the issue's targets:

* every rights- or safety-impacting use in production with one of the core practices
  (impact assessment, real-world testing, independent evaluation, monitoring) missing or in
  progress carries a red or high flag naming that practice. The gap is read from the
  imported files' answers, not from the engine's statuses;
* no use carries an obligation flag without such a gap: each flag's practice is open in the
  file (missing, planned, in progress or partial);
* per agency: uses in production, high (declared rights- or safety-impacting), likely high
  (a lower class declared, its own words suggesting high), with a gap, and with a waiver;
  the figures must be non-zero and differ between agencies.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.cli.main import main as cli
from scoring.model.obligations import make_context
from scoring.model.scorecard import ScoreCard, score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CSV = (
    REPO.parent
    / "shared"
    / "data"
    / "us-federal-ai-inventory-2024"
    / "2024_consolidated_ai_inventory_raw_v2.csv"
)
# The core practices: governance answer -> the M-24-10 profile's obligation id.
CORE = {
    "impact_assessment": "impact-assessment",
    "real_world_testing": "real-world-testing",
    "independent_review": "independent-evaluation",
    "monitoring": "monitoring",
}
OPEN_ANSWERS = {"none", "planned", "in_progress", "partial"}
SERIOUS = ("red", "high")


def flagged_practices(card: ScoreCard, regime: str) -> dict[str, str]:
    """Obligation id -> severity of each red or high obligation flag under ``regime``."""
    found = {}
    for flag in card.flags:
        parts = flag.id.split(":")
        if len(parts) == 3 and parts[0] == regime and flag.severity in SERIOUS:
            found[parts[1]] = flag.severity
    return found


def raw_open(card: ScoreCard, regime_index: int, obligation_id: str) -> bool:
    """Whether the file's own answer for an obligation's evidence is open."""
    result = card.compliance[regime_index]
    item = next((o for o in result.obligations if o.id == obligation_id), None)
    if item is None:
        return False
    for source in item.obligation.evidence:
        value = card.proposal.get(source.where)
        if source.field == "problem.automation" and value == "automate":
            return True
        if value in OPEN_ANSWERS:
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--mapping", default="us-federal-2024")
    parser.add_argument("--regime", action="append", help="default: omb-m-24-10")
    parser.add_argument("--as-of", default=None)
    parser.add_argument("--top", type=int, default=12, help="agencies listed")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"no register at {args.csv}", file=sys.stderr)
        return 2
    regimes = args.regime or ["omb-m-24-10"]
    judged = regimes[0]
    rubric = load_rubric()
    context = make_context(rubric, regimes, args.as_of)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "proposals"
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli(["import", str(args.csv), "--mapping", args.mapping, "--out", str(out)])
        if code not in (0, 1):
            print(f"import failed with exit status {code}", file=sys.stderr)
            return 2
        intake = load_proposals([out], rubric)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        portfolio = score_intake(intake, rubric, context)
        scored = time.perf_counter() - started
    print(
        f"{len(portfolio.cards)} uses imported ({imported:.1f} s) and scored against "
        f"{', '.join(regimes)} as of {context.as_of.isoformat()} ({scored:.1f} s)."
    )
    index = regimes.index(judged)
    missed: list[str] = []
    unfounded: list[str] = []
    gaps_by_practice: Counter[str] = Counter()
    in_scope = 0
    for card in portfolio.cards:
        proposal = card.proposal
        governance = proposal.get("governance") or {}
        flagged = flagged_practices(card, judged)
        impacting = proposal.get("stakes.declared_class") == "high"
        if impacting and proposal.stage == "production":
            open_core = [k for k in CORE if governance.get(k) in OPEN_ANSWERS]
            if open_core:
                in_scope += 1
            for answer in open_core:
                gaps_by_practice[answer] += 1
                if CORE[answer] not in flagged:
                    missed.append(f"{proposal.id}: {answer} {governance.get(answer)}, no flag")
        for obligation_id in flagged:
            if not raw_open(card, index, obligation_id):
                unfounded.append(f"{proposal.id}: {obligation_id} flagged, answered in the file")
    print(
        f"\nTarget 1: rights- or safety-impacting uses in production with a core practice "
        f"missing or in progress: {in_scope}; practices open: "
        + ", ".join(f"{k} {n}" for k, n in gaps_by_practice.most_common())
        + f". Without a red or high flag naming the practice: {len(missed)} (target 0)."
    )
    for line in missed[:10]:
        print(f"  {line}")
    print(
        f"Target 2: obligation flags whose practice the file answers as met, waived or not "
        f"applicable: {len(unfounded)} (target 0)."
    )
    for line in unfounded[:10]:
        print(f"  {line}")

    columns = ("in production", "high", "likely high", "gaps", "waived")
    agencies: dict[str, Counter[str]] = defaultdict(Counter)
    for card in portfolio.cards:
        org = card.proposal.get("org") or ["(no agency)"]
        counts = agencies[str(org[0])]
        counts["uses"] += 1
        counts["in production"] += card.proposal.stage == "production"
        counts["high"] += card.risk_class == "high"
        suggested = card.suggestion.risk_class if card.suggestion else None
        counts["likely high"] += card.risk_class != "high" and suggested == "high"
        result = card.compliance[index]
        counts["gaps"] += result.state == "gap"
        counts["waived"] += any(o.status == "waived" for o in result.obligations)
    ranked = sorted(agencies.items(), key=lambda item: (-item[1]["gaps"], -item[1]["uses"]))
    width = max(len(name) for name in agencies)
    width = min(width, 48)
    header = "agency".ljust(width) + "  uses  " + "  ".join(columns)
    print(f"\nPer agency ({len(agencies)}), most gaps first:\n{header}")
    for name, counts in ranked[: args.top]:
        cells = "  ".join(str(counts[c]).rjust(len(c)) for c in columns)
        print(f"{name[:width].ljust(width)}  {counts['uses']:4d}  {cells}")
    nonzero = {c: sum(1 for _, counts in agencies.items() if counts[c]) for c in columns}
    distinct = len({tuple(counts[c] for c in columns) for counts in agencies.values()})
    totals = {c: sum(counts[c] for counts in agencies.values()) for c in columns}
    print(
        "Totals: " + ", ".join(f"{c} {totals[c]}" for c in columns) + ".\n"
        "Agencies with a non-zero figure: "
        + ", ".join(f"{c} {n}" for c, n in nonzero.items())
        + f"; distinct rows of figures: {distinct} of {len(agencies)}."
    )
    flat = [c for c in columns if totals[c] == 0]
    target_3 = not flat and distinct > 1
    print(
        "Target 3: every column non-zero somewhere and the agencies' figures differ: "
        + ("met" if target_3 else f"missed ({', '.join(flat) or 'all rows equal'})")
        + "."
    )
    return 0 if not missed and not unfounded and target_3 else 1


if __name__ == "__main__":
    sys.exit(main())
