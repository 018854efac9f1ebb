"""Benchmark: does risk see the stakes of a register that does not state them?

    python benchmarks/bench_stakes.py [--csv PATH] [--sample 30] [--seed 0] [--n 10000]

The 2024 US federal AI inventory is imported with the shipped mapping (us-federal-2024)
minus the agencies' own determination: the rights/safety-impact column and every column the
data dictionary asks only of rights- or safety-impacting uses (those whose `if_field` is
17_impact_type, such as 51_extension_request, whose answers differ by determination, and
the minimum-practice columns after it), with their "If Other, please explain." columns.
What is left is what any register says about a use: its name, purpose, outputs, topic,
data, stage and personal data. Then every row is scored, and the agencies' determination
(read from the CSV, never from the imported files) is the truth the figures are read
against:

* AUC: the chance that a rights- or safety-impacting use gets a higher Risk (the card's one
  risk figure, ``scores.risk`` in JSON) than a "neither" use, ties counting half. A use whose
  stakes are not answered and whose words suggest no class has no figure ("not yet
  assessed"); it counts at the rubric's neutral risk prior (risk_prior.mean, 50), as the
  engine counts an unrated factor.
* the share of impacting uses classed or suggested high (target at least 80%), and the
  share of "neither" uses suggested high (target at most 15%);
* ``--sample`` "neither" uses suggested high, drawn at random, with the reason, for review.

Last, the imported rows are replicated to ``--n`` files (10,000) and loading them (read,
parse, validate) is timed against scoring them (score_intake); target: scoring takes under
half the time of loading. CPU time decides (wall-clock time is printed too): on a shared
machine it moves far less with what else runs.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import io
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from scoring.cli.main import main as cli
from scoring.model.scorecard import ScoreCard, score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import Rubric, load_rubric

REPO = Path(__file__).resolve().parent.parent
FOLDER = REPO.parent / "shared" / "data" / "us-federal-ai-inventory-2024"
DEFAULT_CSV = FOLDER / "2024_consolidated_ai_inventory_raw_v2.csv"
MAPPING = REPO / "scoring" / "data" / "mappings" / "us-federal-2024.yaml"
IMPACT_COLUMN = "17_impact_type"
# The "If Other, please explain." columns that belong to a column asked only of impacting
# uses (57, 59, 63 and 67 in the dictionary's numbering).
EXPLAIN_COLUMNS = ("57_question_type", "59_question_type", "63_question_type", "67_question_type")
IMPACTING = ("rights-impacting", "safety-impacting", "both")
TARGETS = {"auc": 0.85, "impacting_high": 0.80, "neither_high": 0.15, "score_vs_load": 0.5}


def determination_columns(dictionary: Path) -> set[str]:
    """The impact column and every column the data dictionary asks only when it says
    rights- or safety-impacting."""
    data = yaml.safe_load(dictionary.read_text("utf-8"))
    fields = data["fields"] if isinstance(data, dict) and "fields" in data else data
    found = {IMPACT_COLUMN, *EXPLAIN_COLUMNS}

    def mentions(node: Any) -> bool:
        if isinstance(node, dict):
            if node.get("if_field") == IMPACT_COLUMN:
                return True
            return any(mentions(v) for v in node.values())
        if isinstance(node, list):
            return any(mentions(v) for v in node)
        return False

    for field in fields:
        if isinstance(field, dict) and mentions(field):
            found.add(str(field["name"]).strip())
    return found


def stripped_mapping(dropped: set[str], out: Path) -> Path:
    """The shipped mapping without any rule that reads a dropped column."""
    mapping = yaml.safe_load(MAPPING.read_text("utf-8"))
    mapping["name"] = "us-federal-2024-without-determination"

    def reads(rule: dict[str, Any]) -> set[str]:
        return {rule.get("column"), rule.get("fallback"), *rule.get("columns", [])} - {None}

    mapping["fields"] = {k: v for k, v in mapping["fields"].items() if not reads(v) & dropped}
    mapping["custom"] = {k: v for k, v in mapping["custom"].items() if not reads(v) & dropped}
    mapping["ignore"] = sorted(set(mapping.get("ignore", [])) | dropped)
    path = out / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def truth(source: Path, mapping: dict[str, Any]) -> dict[int, str]:
    """Each row's determination by its row in the file (the header is row 1, as the import
    records it in source.row): impacting, neither or other."""
    with source.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle))
    impact_at = rows[0].index(mapping["columns"][IMPACT_COLUMN])
    result = {}
    for number, row in enumerate(rows[1:], start=2):
        answer = " ".join(row[impact_at].split()).lower()
        kind = "impacting" if answer in IMPACTING else "neither" if answer == "neither" else "other"
        result[number] = kind
    return result


def import_rows(source: Path, mapping: Path, out: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli(["import", str(source), "--mapping", str(mapping), "--out", str(out)])
    if code not in (0, 1):
        raise SystemExit(f"import failed with exit code {code}")


def risk_figure(card: ScoreCard, rubric: Rubric) -> float:
    figure = card.risk_story.figure
    return rubric.uncertainty.risk_prior_mean if figure is None else figure


def auc(positive: list[float], negative: list[float]) -> float:
    """P(a random positive scores above a random negative), ties half, by ranks."""
    pooled = sorted([(v, 1) for v in positive] + [(v, 0) for v in negative])
    rank_sum, i = 0.0, 0
    while i < len(pooled):
        j = i
        while j < len(pooled) and pooled[j][0] == pooled[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2  # ranks i+1 .. j
        rank_sum += mean_rank * sum(1 for _, label in pooled[i:j] if label)
        i = j
    n_pos, n_neg = len(positive), len(negative)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def timed(run: Any) -> tuple[Any, float, float]:
    """The result, wall-clock seconds and CPU seconds (steadier on a shared machine)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - start, time.process_time() - cpu


def replicate(folder: Path, out: Path, n: int) -> None:
    files = sorted(folder.glob("*.yaml"))
    out.mkdir()
    for i in range(n):
        original = files[i % len(files)]
        # A new id per copy, within the 64 characters an id may have.
        name = f"r{i:05d}-{original.stem}"[:64].rstrip("-")
        shutil.copyfile(original, out / f"{name}.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=10_000, help="rows for the timing (0: skip)")
    args = parser.parse_args(argv)
    dictionary = args.csv.parent / "data_dictionary.yaml"
    if not args.csv.is_file() or not dictionary.is_file():
        print(f"no inventory and data dictionary at {args.csv.parent}", file=sys.stderr)
        return 2
    rubric = load_rubric()
    dropped = determination_columns(dictionary)
    with tempfile.TemporaryDirectory(prefix="bench-stakes-") as tmp:
        work = Path(tmp)
        mapping = stripped_mapping(dropped, work)
        proposals = work / "proposals"
        import_rows(args.csv, mapping, proposals)
        intake = load_proposals([proposals], rubric)
        portfolio = score_intake(intake, rubric)
        kinds = truth(args.csv, yaml.safe_load(MAPPING.read_text("utf-8")))
        report(portfolio.cards, kinds, rubric, dropped, args)
        if args.n:
            timing(proposals, work / "replicated", args.n, rubric)
    return 0


def report(
    cards: list[ScoreCard],
    kinds: dict[int, str],
    rubric: Rubric,
    dropped: set[str],
    args: argparse.Namespace,
) -> None:
    by_kind: dict[str, list[ScoreCard]] = {"impacting": [], "neither": [], "other": []}
    missing = 0
    for card in cards:
        kind = kinds.get(int((card.proposal.get("source") or {}).get("row", 0)))
        if kind is None:
            missing += 1
            continue
        by_kind[kind].append(card)
    impacting, neither = by_kind["impacting"], by_kind["neither"]
    print(f"columns left out: {', '.join(sorted(dropped))}")
    print(
        f"{len(cards)} valid rows: {len(impacting)} rights- or safety-impacting, "
        f"{len(neither)} neither, {len(by_kind['other'])} other"
        + (f", {missing} not matched to the CSV" if missing else "")
    )

    def high(card: ScoreCard) -> bool:
        suggested = card.stakes.suggestion
        return card.risk_class == "high" or (
            suggested is not None and suggested.risk_class == "high"
        )

    def suggested_high(card: ScoreCard) -> bool:
        return card.stakes.suggestion is not None and card.stakes.suggestion.risk_class == "high"

    value = auc(
        [risk_figure(c, rubric) for c in impacting], [risk_figure(c, rubric) for c in neither]
    )
    share_hi = sum(map(high, impacting)) / max(1, len(impacting))
    share_ne = sum(map(suggested_high, neither)) / max(1, len(neither))
    verdict = {True: "meets", False: "misses"}
    print(
        f"AUC of Risk, impacting over neither:      {value:6.3f}  "
        f"({verdict[value >= TARGETS['auc']]} >= {TARGETS['auc']})"
    )
    print(
        f"impacting uses classed or suggested high: {share_hi:6.1%}  "
        f"({verdict[share_hi >= TARGETS['impacting_high']]} >= {TARGETS['impacting_high']:.0%})"
    )
    print(
        f"'neither' uses suggested high:            {share_ne:6.1%}  "
        f"({verdict[share_ne <= TARGETS['neither_high']]} <= {TARGETS['neither_high']:.0%})"
    )
    counts: dict[str, int] = {}
    for card in impacting + neither:
        for rule in card.stakes.suggestion.rules if card.stakes.suggestion else ():
            counts[rule.id] = counts.get(rule.id, 0) + 1
    print("rules matched (impacting and neither rows):")
    for rule_id, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        hits = sum(
            1
            for c in impacting
            if c.stakes.suggestion and any(r.id == rule_id for r in c.stakes.suggestion.rules)
        )
        print(f"  {rule_id:<32} {count:5d}  ({hits} impacting)")
    flagged = [c for c in neither if suggested_high(c)]
    sample = random.Random(args.seed).sample(flagged, min(args.sample, len(flagged)))
    print(f"\n{len(sample)} of the {len(flagged)} 'neither' uses suggested high, at random:")
    for number, card in enumerate(sample, 1):
        suggestion = card.stakes.suggestion
        assert suggestion is not None
        print(f"{number:2d}. {card.proposal.id}: {card.proposal.title}")
        print(f"    {suggestion.reason}")


def timing(folder: Path, out: Path, n: int, rubric: Rubric) -> None:
    replicate(folder, out, n)
    intake, load_wall, load_cpu = timed(lambda: load_proposals([out], rubric))
    _, score_wall, score_cpu = timed(lambda: score_intake(intake, rubric))
    share = score_cpu / load_cpu
    verdict = "meets" if share < TARGETS["score_vs_load"] else "misses"
    print(
        f"\n{len(intake.proposals)} rows: loading {load_wall:.2f} s ({load_cpu:.2f} s CPU), "
        f"scoring {score_wall:.2f} s ({score_cpu:.2f} s CPU): scoring takes "
        f"{share:.2f} x the CPU time of loading ({verdict} < {TARGETS['score_vs_load']}; "
        f"wall-clock {score_wall / load_wall:.2f} x)"
    )


if __name__ == "__main__":
    sys.exit(main())
