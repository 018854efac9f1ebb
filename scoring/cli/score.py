"""`sweetspot score` output: a terminal table, CSV or JSON of the scored portfolio."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO

from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_INVALID,
    EXIT_OK,
    add_command,
    proposal_paths,
    rubric_from,
)
from scoring.cli.validate import report_problems
from scoring.model.cardjson import card_json
from scoring.model.scorecard import score_intake
from scoring.portfolio.orgunits import SEPARATOR, filter_intake, parse_unit, unit_path, with_org
from scoring.portfolio.summary import summarise, summary_json
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake
from scoring.rubric import Rubric


def write_scores(intake: Intake, rubric: Rubric, fmt: str, out: IO[str]) -> None:
    portfolio = score_intake(intake, rubric)
    summary = summarise(portfolio)
    if fmt == "json":
        payload = {
            "rubric": rubric.name,
            "portfolio": summary_json(summary),
            "proposals": [{**card_json(card), "org": list(unit_path(card.proposal))}
                          for card in portfolio.cards],
            "invalid": [{"file": bad.file, "problems": [p.as_dict() for p in bad.problems]}
                        for bad in intake.invalid],
        }
        out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    frame = with_org(portfolio).reset_index()
    if fmt == "csv":
        frame.to_csv(out, index=False, lineterminator="\n")
        return
    names = rubric.quadrants.names
    rows = [[str(row["id"]), rubric.state_name(str(row["state"])),
             f"{row['priority']:.1f}", f"{row['desirability']:.0f}",
             f"{row['profitability']:.0f}", f"{row['feasibility']:.0f}",
             f"{row['risk']:.0f}", f"{row['confidence']:.0%}",
             str(len(str(row["flags"]).split()))]
            for _, row in frame.sort_values(["priority", "id"],
                                            ascending=[False, True]).iterrows()]
    headers = ["id", "state", "priority", "D", "P", "F", "R", "conf", "flags"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    numeric = set(range(2, len(headers)))

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out.write(line(headers) + "\n")
    out.write(line(["-" * w for w in widths]) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    out.write(f"\n{len(rows)} proposal(s). D desirability, P profitability, F feasibility, "
              "R risk (higher is riskier), all 0-100.\n")
    mix = ", ".join(f"{names[b.quadrant]} {b.share:.0%} (target {b.target:.0%})"
                    for b in summary.balance)
    verdict = "in balance" if summary.in_balance else "OUT OF BALANCE"
    out.write(f"Active proposals: {summary.active}; portfolio {verdict}: {mix}.\n")


def run(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    intake = load_proposals(proposal_paths(args), rubric)
    if args.org:
        intake = filter_intake(intake, parse_unit(args.org), _invalid_units(intake))
        if not intake.proposals and not intake.invalid:
            print(f"sweetspot: no proposal is in the unit '{args.org}'", file=sys.stderr)
    if intake.invalid:
        report_problems(intake, "text", sys.stderr)
    write_scores(intake, rubric, args.format, sys.stdout)
    return EXIT_INVALID if intake.invalid else EXIT_OK


def _invalid_units(intake: Intake) -> dict[str, tuple[str, ...]]:
    """The ``org`` of each invalid file, read leniently, so --org keeps its problems."""
    import yaml

    units: dict[str, tuple[str, ...]] = {}
    for bad in intake.invalid:
        try:
            with open(bad.file, encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        except (OSError, ValueError, yaml.YAMLError):
            continue
        org = data.get("org") if isinstance(data, dict) else None
        if isinstance(org, list):
            units[bad.file] = tuple(str(part) for part in org)
    return units


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scores = add_command(sub, "score",
                         "Score proposals on desirability, profitability, feasibility and risk.")
    scores.add_argument("paths", nargs="*", metavar="PATH",
                        help=f"files or folders (default: {DEFAULT_PROPOSALS})")
    scores.add_argument("--format", choices=["table", "csv", "json"], default="table")
    scores.add_argument("--org", metavar="UNIT",
                        help=f"only this organisation unit and those below it: a path from "
                        f"the top ('Department of Energy{SEPARATOR}Office of Science') or one "
                        "unit's name")
    scores.set_defaults(func=run)
