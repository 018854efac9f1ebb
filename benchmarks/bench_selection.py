"""Benchmark: choose a portfolio (issue 31) from N synthetic proposals under three scenarios.

    python benchmarks/bench_selection.py [--n 5000] [--seed 0]

The proposals are the synthetic ones of the other benchmarks, with people by team, some
dependencies (`requires`) and alternatives (`excludes`) added, and made costed candidates
(value and costs in EUR; most at idea or proposed, a tenth committed). Scoring them is timed first,
in the same run, as the baseline: it is what every build already spends on the same
proposals. Each scenario is then timed whole: inputs, the optimum, the frontier, the
core/out/borderline labels, the core index and the value of information. The target is the
three scenarios in under 10 seconds on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic import TEAMS, make_proposal, proposal_id
from scoring.model.scorecard import score_intake
from scoring.portfolio.selection import Scenario, select
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

TARGET_SECONDS = 10.0


def write_with_selection(folder: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    links = random.Random(seed + 1)
    for i in range(n):
        proposal = make_proposal(i, rng)
        selection: dict[str, object] = {
            "people": {links.choice(TEAMS): links.choice((0.5, 1, 2, 3))}
        }
        if i > 10 and links.random() < 0.1:
            selection["requires"] = [proposal_id(links.randrange(i))]
        if i > 10 and links.random() < 0.05:
            selection["excludes"] = [proposal_id(links.randrange(i))]
        proposal["selection"] = selection
        # Most synthetic proposals lack costs or are closed; a plan needs costed candidates.
        cost = links.lognormvariate(12, 0.8)
        proposal["value"] = {
            "currency": "EUR",
            "annual_value": round(cost * links.lognormvariate(-0.5, 0.9)),
            "one_off_cost": round(cost),
            "annual_running_cost": round(cost * links.uniform(0.05, 0.3)),
            "confidence": links.choice(("low", "medium", "high")),
        }
        proposal["stage"] = links.choices(
            ("idea", "proposed", "approved", "pilot"), (3, 6, 1, 0.3)
        )[0]
        text = yaml.safe_dump(proposal, sort_keys=False, allow_unicode=True, width=100)
        (folder / f"{proposal_id(i)}.yaml").write_text(text, encoding="utf-8")


def scenarios(committed: float, candidates: float, first_year: float) -> list[Scenario]:
    """Budgets that pay for the committed and a share of what the candidates would cost."""
    return [
        Scenario("Lean", 3, budget=committed + 0.05 * candidates),
        Scenario(
            "Plan", 3, budget=committed + 0.15 * candidates, capacity={t: 400.0 for t in TEAMS}
        ),
        Scenario("Yearly", 3, budget_per_year=first_year + 0.05 * candidates),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rubric = load_rubric()
    with tempfile.TemporaryDirectory(prefix="sweetspot-bench-") as tmp:
        folder = Path(tmp)
        write_with_selection(folder, args.n, args.seed)
        intake = load_proposals([folder], rubric)
        if intake.invalid:
            print("error:", intake.invalid[0].problems[0].as_text(), file=sys.stderr)
            return 1
    start = time.perf_counter()
    portfolio = score_intake(intake, rubric)
    baseline = time.perf_counter() - start
    probe = select(portfolio.cards, Scenario("probe", 3, budget=1.0), with_frontier=False)
    cost = {
        status: sum(c.item.cost for c in probe.choices if c.item.status == status)
        for status in ("committed", "candidate")
    }
    print(f"python {sys.version.split()[0]}, {args.n} proposals, seed {args.seed}")
    print(f"baseline: scoring them (score_intake) {baseline:.2f} s")
    elapsed = 0.0
    first_year = sum(c.item.first_year_cost for c in probe.choices if c.item.status == "committed")
    for scenario in scenarios(cost["committed"], cost["candidate"], first_year):
        start = time.perf_counter()
        plan = select(portfolio.cards, scenario)
        seconds = time.perf_counter() - start
        elapsed += seconds
        labels = [c.label for c in plan.choices]
        if plan.infeasible:
            print(f"  {scenario.name:7} {seconds:6.2f} s: {plan.infeasible}")
            continue
        print(
            f"  {scenario.name:7} {seconds:6.2f} s  ({seconds / baseline:.2f} x scoring): "
            f"{len(plan.chosen)} chosen, {labels.count('core')} core, "
            f"{labels.count('borderline')} borderline, {labels.count('out')} out, "
            f"{len(plan.frontier)} frontier points"
            + (f", core index over {plan.portfolios} portfolios" if plan.portfolios else "")
        )
    verdict = "meets" if elapsed < TARGET_SECONDS else "misses"
    print(
        f"selection: {elapsed:.2f} s for 3 scenarios ({elapsed / baseline:.2f} x scoring); "
        f"{verdict} the {TARGET_SECONDS:.0f} s target"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
