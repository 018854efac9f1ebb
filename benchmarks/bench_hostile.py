"""Time the worst files a pull request can send: 256 KiB (the size cap) of one long list.

Run it from the repository root (the package must be installed, e.g. ``pip install -e .``)::

    python benchmarks/bench_hostile.py          # best of 3 runs per case
    python benchmarks/bench_hostile.py -r 5

Each case fills a proposal up to the size cap with one list: small mappings under ``tags``
or ``data.leakage_exposure`` (what made jsonschema's ``uniqueItems`` quadratic), empty
mappings, or one value repeated. For each it prints the CPU time of

* ``parse``: reading the YAML with positions (yamlsource),
* ``validate``: the schema check with every problem explained (SchemaChecker.problems),
* ``total``: ``load_one`` end to end,

and, as the baseline measured in the same run, the time libyaml's C parser alone needs to
read the same bytes (what any YAML reader pays), so ``total / baseline`` says how much the
engine adds. It also times jsonschema's stock validator on the first 2,000 items of the
first case, to show the quadratic cost the engine avoids. The target: ``validate`` under
1 s for every case.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from scoring.proposals.loading import load_one
from scoring.proposals.schema import proposal_schema
from scoring.rubric import load_rubric
from scoring.sources.validation import checker_for
from scoring.sources.yamlsource import MAX_BYTES, load_bytes

HEAD = """\
title: Suggest reorder quantities for spare parts
summary: Depot managers reorder spare parts by feel. A suggestion per part could cut stock-outs.
team: Field Service
stage: idea
"""
CASES = {
    "tags: small mappings": (HEAD + "tags:\n", "  - {{a: {i}}}\n"),
    "tags: empty mappings": (HEAD + "tags:\n", "  - {{}}\n"),
    "tags: one tag repeated": (HEAD + "tags:\n", "  - forecasting\n"),
    "leakage_exposure: small mappings": (
        HEAD + "data:\n  leakage_exposure:\n",
        "    - {{a: {i}}}\n",
    ),
    "leakage_exposure: repeated": (HEAD + "data:\n  leakage_exposure:\n", "    - temporal\n"),
}


def fill(head: str, line: str) -> tuple[bytes, int]:
    parts, size, count = [head], len(head), 0
    while True:
        text = line.format(i=count)
        if size + len(text) > MAX_BYTES:
            return "".join(parts).encode(), count
        parts.append(text)
        size += len(text)
        count += 1


def best(action: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--runs", type=int, default=3)
    args = parser.parse_args()
    rubric = load_rubric(None)
    schema = proposal_schema(rubric)
    checker = checker_for(schema)
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    print(
        f"{'case':34} {'items':>6} {'baseline':>9} {'parse':>7} {'validate':>9} "
        f"{'total':>7} {'total/base':>10}"
    )
    worst = 0.0
    for name, (head, line) in CASES.items():
        raw, items = fill(head, line)
        document = load_bytes(raw, "big.yaml").document
        assert document is not None
        baseline = best(lambda raw=raw: list(yaml.parse(raw, Loader=loader)), args.runs)
        parse = best(lambda raw=raw: load_bytes(raw, "big.yaml"), args.runs)
        validate = best(lambda doc=document: checker.problems(doc, "big.yaml"), args.runs)
        total = best(lambda raw=raw: load_one(Path("big.yaml"), rubric, raw=raw), args.runs)
        worst = max(worst, validate)
        print(
            f"{name:34} {items:6d} {baseline:8.3f}s {parse:6.3f}s {validate:8.3f}s "
            f"{total:6.3f}s {total / baseline:9.1f}x"
        )
    print(f"\nworst validate: {worst:.3f} s (target under 1 s): {'PASS' if worst < 1 else 'FAIL'}")
    raw, _ = fill(*CASES["tags: small mappings"])
    data = yaml.load(raw, Loader=loader)
    data["tags"] = data["tags"][:2000]
    stock = Draft202012Validator(schema)
    started = time.process_time()
    list(stock.iter_errors(data))
    print(
        f"for comparison, stock jsonschema on 2,000 of those items: "
        f"{time.process_time() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
