"""Time ``load_proposals`` over 1,000 valid, varied proposals.

Run it from the repository root (the package must be installed, e.g. ``pip install -e .``)::

    python benchmarks/bench_validate.py            # 1,000 proposals, 5 timed runs
    python benchmarks/bench_validate.py -n 5000 -r 3

It writes the proposals into a temporary folder (deleted afterwards), loads the rubric and warms
up the compiled schema validator (both cached by the engine), then times ``load_proposals`` over the
folder several times. It prints the best and median wall time, the CPU time (a steadier figure
on a busy machine), proposals per second, the peak memory of one run measured with
``tracemalloc`` (in a separate, untimed run, because tracing slows Python down), and whether
PyYAML's libyaml C parser is in use. The target is well under one second for 1,000 proposals.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import STAGES as ALL_STAGES
from scoring.proposals.schema import proposal_schema
from scoring.rubric import load_rubric
from scoring.sources import yamlsource
from scoring.sources.validation import checker_for

TEMPLATE = """\
# yaml-language-server: $schema=proposal.schema.json
schema_version: 1
title: {title}
summary: >-
  {team} currently decides this by hand, using last quarter's figures and a shared
  spreadsheet. A model that {verb} {thing} each {period} would let the team act earlier
  and spend less time on cases that turn out fine.
team: {team}
stage: {stage}
owner: {owner}
sponsor: Head of {team}
tags: [{tag1}, {tag2}]
links:
  - title: Discovery notes
    url: "https://wiki.example.com/{slug}/discovery"
problem:
  decision: Which {thing} the {team} team handles first each {period}
  decision_owner: {team} team leads
  user_need: Team leads asked for it in the {year} process review ({asked} of 40 people).
  non_ml_alternative: "Sorting by size; it gets {baseline}% right on a labelled sample"
  automation: {automation}
  stakeholders: The {team} steering group reviewed the goal in March.
  business_metric:
    name: Share of {thing} handled within the target time
    unit: "%"
    baseline: {baseline}
    target: {target}
    direction: increase
value:
  currency: {currency}
  annual_value: {annual_value}
  one_off_cost: {one_off_cost}
  annual_running_cost: {running_cost}
  confidence: {confidence}
  months_to_value: {months}
  basis: Estimated from {year} volumes and the hours the team spends today.
data:
  sources:
    - name: {team} ledger
      owner: {team} systems
      access: {access}
      notes: Daily extract since {since}
  labels: {labels}
  labelling_plan: Two analysts label 1,500 cases with written guidelines.
  golden_set: 400 cases from Q1 {year}, labelled by two analysts, never trained on.
  representativeness: Covers all regions since {since}; small accounts are under-represented.
  leakage_exposure: [temporal, duplicates]
  split_plan: Train on cases before mid-{year}, test on later ones.
roles:
  product_owner: {owner}
  data_scientist: Lee Park
  data_engineer: Sam Rivera
  subject_matter_expert: Senior {team} analyst
delivery:
  mvp: A ranked list in the morning report for one region; stop after 8 weeks without gain.
  serving: {serving}
  integration: {team} worklist
  uses_llm: {uses_llm}
  technical_evidence: A prototype beat the size rule by {gain} points on {year} data.
  online_metrics: [Share handled in time, Hours per case]
  guardrails: [Complaints per 1,000 cases]
  ab_plan: Half the team works from the ranked list for six weeks.
  home: {home}
risks:
  human_oversight: {oversight}
  personal_data: {personal}
  privacy_review: {privacy}
  affected_groups: [Small-business customers]
  regulation: None beyond the usual data protection rules.
  factors:
    harm_if_wrong: {{severity: {sev}, likelihood: {lik}, note: A wrong rank delays a case}}
    personal_data: {{severity: {lik}, likelihood: {sev}}}
evidence:
  decision_named: {e1}
  user_need: {{level: {e2}, note: Survey of the team}}
  beats_baseline: {e3}
  data_access: {e1}
  labels: {e2}
  leak_free_split: {e3}
checklists:
  data:
    golden_set: '{a1}'
    representative: '{a2}'
    sources_and_owners: '{a3}'
  team:
    domain_expert: '{a2}'
    product_owner: '{a1}'
"""

TEAMS = ["Credit Risk", "Logistics", "Customer Support", "Marketing", "Finance", "Field Service"]
THINGS = ["overdue invoices", "delivery routes", "support tickets", "leads", "claims", "parts"]
VERBS = ["ranks", "forecasts", "flags", "scores", "routes"]
STAGES = [stage for stage in ALL_STAGES if stage != "not_reported"]
ANSWERS = ["yes", "partial", "no", "unknown", "n/a"]


def proposal_text(index: int, rng: random.Random) -> str:
    team = rng.choice(TEAMS)
    thing = rng.choice(THINGS)
    verb = rng.choice(VERBS)
    sev, lik = rng.randint(0, 4), rng.randint(0, 4)
    return TEMPLATE.format(
        title=f"{verb.capitalize()} {thing} for {team} (variant {index})",
        slug=f"proposal-{index:04d}",
        team=team,
        thing=thing,
        verb=verb,
        period=rng.choice(["morning", "week", "month"]),
        stage=rng.choice(STAGES),
        owner=rng.choice(["Dana Okafor", "Lee Park", "Ana Costa", "Jo Smith"]),
        tag1=rng.choice(["forecasting", "ranking", "classification", "nlp"]),
        tag2=f"area-{index % 17}",
        year=rng.choice([2024, 2025, 2026]),
        asked=rng.randint(3, 40),
        baseline=rng.randint(30, 70),
        target=rng.randint(71, 95),
        automation=rng.choice(["automate", "augment"]),
        currency=rng.choice(["EUR", "USD", "GBP"]),
        annual_value=rng.randrange(10_000, 2_000_000),
        one_off_cost=rng.randrange(5_000, 900_000),
        running_cost=rng.randrange(1_000, 300_000),
        confidence=rng.choice(["low", "medium", "high"]),
        months=rng.randint(1, 24),
        access=rng.choice(["granted", "requested", "refused", "unknown"]),
        since=rng.randint(2015, 2023),
        labels=rng.choice(["available", "partial", "planned", "none"]),
        serving=rng.choice(["batch", "online", "streaming", "embedded", "report"]),
        uses_llm=rng.choice(["true", "false"]),
        gain=rng.randint(1, 15),
        home=rng.choice(["incubator", "product_line"]),
        oversight=rng.choice(["none", "spot-checks", "review-before-action", "human-decides"]),
        personal=rng.choice(["true", "false"]),
        privacy=rng.choice(["not-needed", "planned", "done", "none"]),
        sev=sev,
        lik=lik,
        e1=rng.randint(0, 4),
        e2=rng.randint(0, 4),
        e3=rng.randint(0, 4),
        a1=rng.choice(ANSWERS),
        a2=rng.choice(ANSWERS),
        a3=rng.choice(ANSWERS),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=1000, help="proposals to write")
    parser.add_argument("-r", "--runs", type=int, default=5, help="timed runs")
    parser.add_argument("--seed", type=int, default=20251123)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="sweetspot-bench-") as tmp:
        folder = Path(tmp) / "proposals"
        folder.mkdir()
        total_bytes = 0
        for index in range(args.count):
            text = proposal_text(index, rng)
            total_bytes += len(text.encode("utf-8"))
            (folder / f"proposal-{index:04d}.yaml").write_text(text, encoding="utf-8")

        started = time.perf_counter()
        rubric = load_rubric()
        checker_for(proposal_schema(rubric))
        setup = time.perf_counter() - started

        times, cpu_times = [], []
        for _ in range(args.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            intake = load_proposals([folder], rubric)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        if intake.invalid:
            for problem in intake.problems[:10]:
                print(problem.as_text(), file=sys.stderr)
            print(f"error: {len(intake.invalid)} generated proposals are invalid", file=sys.stderr)
            return 1

        tracemalloc.start()
        load_proposals([folder], rubric)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    best, median = min(times), statistics.median(times)
    loader = getattr(yamlsource, "_Loader", None)
    print(f"proposals:          {args.count} valid ({total_bytes / 1024:.0f} KiB of YAML)")
    print(f"rubric + schema:    {setup * 1000:.1f} ms (once, not in the timings below)")
    print(f"load_proposals:     best {best:.3f} s, median {median:.3f} s over {args.runs} runs")
    print(
        f"CPU time:           best {min(cpu_times):.3f} s (process time; less affected by "
        f"other load, load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)"
    )
    print(
        f"throughput:         {args.count / best:,.0f} proposals/s (best), "
        f"{args.count / median:,.0f} proposals/s (median)"
    )
    print(f"peak memory:        {peak / 1024 / 1024:.1f} MiB (tracemalloc, one run)")
    print(
        f"libyaml C parser:   {'yes' if yaml.__with_libyaml__ else 'no'} "
        f"(PyYAML {yaml.__version__}, loader {getattr(loader, '__name__', '?')})"
    )
    print(f"target < 1 s:       {'met' if median < 1.0 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
