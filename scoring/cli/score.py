"""`sweetspot score` output: a terminal table, CSV or JSON of the scored portfolio."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO

from scoring.cli import decisions_check
from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_INVALID,
    EXIT_OK,
    UsageError,
    add_command,
    one_line,
    paint,
    plural,
    progress,
    proposal_paths,
    rubric_from,
    use_colour,
)
from scoring.cli.validate import report_problems
from scoring.model.cardjson import card_json, release
from scoring.model.clock import BuildDateError
from scoring.model.decisions import DecisionRegister
from scoring.model.decisions import as_json as decisions_json
from scoring.model.obligations import (
    DEFAULT_PROFILE,
    ComplianceContext,
    ProfileError,
    builtin_ids,
    make_context,
)
from scoring.model.scorecard import ScoreCard, ScoredPortfolio, score_intake
from scoring.portfolio.csvfile import write_csv
from scoring.portfolio.orgunits import SEPARATOR, filter_intake, parse_unit, unit_path, with_org
from scoring.portfolio.summary import PortfolioSummary, summarise, summary_json
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake
from scoring.rubric import Rubric


def write_scores(
    intake: Intake,
    rubric: Rubric,
    fmt: str,
    out: IO[str],
    colour: bool = False,
    compliance: ComplianceContext | None = None,
    decisions: DecisionRegister | None = None,
) -> None:
    portfolio = score_intake(intake, rubric, compliance, decisions)
    summary = summarise(portfolio)
    if fmt == "json":
        write_json(portfolio, summary, out)
        return
    frame = with_org(portfolio).reset_index()
    if fmt == "csv":
        write_csv(frame, out)  # formulas and line breaks neutralised
        return
    write_table(portfolio, summary, rubric, out, colour)


def _nested(value: object) -> str:
    """``value`` as indented JSON, shifted one level in (two spaces), as json.dumps(indent=2)
    writes a value inside an object."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def write_json(portfolio: ScoredPortfolio, summary: PortfolioSummary, out: IO[str]) -> None:
    """The same text ``json.dumps(payload, indent=2)`` would write, streamed: one proposal
    at a time, so memory does not grow with the portfolio beyond the scored cards (a
    5,000-proposal payload held as one string was most of the command's memory)."""
    out.write(
        '{\n  "rubric": '
        + json.dumps(portfolio.rubric.name, ensure_ascii=False)
        + ',\n  "portfolio": '
        + _nested(summary_json(summary))
        + ',\n  "proposals": ['
    )
    for index, card in enumerate(portfolio.cards):
        entry = {**card_json(card), "org": list(unit_path(card.proposal))}
        if card.ledger is not None:
            entry["decisions"] = decisions_json(card.ledger)
        out.write(("," if index else "") + "\n    " + _nested(entry).replace("\n", "\n  "))
        release(card)  # its explanation tables were built for this entry only
    out.write("\n  ]" if portfolio.cards else "]")
    invalid = [
        {"file": bad.file, "problems": [p.as_dict() for p in bad.problems]}
        for bad in portfolio.intake.invalid
    ]
    out.write(',\n  "invalid": ' + _nested(invalid) + "\n}\n")


SUMMARY_MIN_ACTIVE = 2  # a balance of fewer active proposals says nothing


def class_cell(card: ScoreCard) -> str:
    """The class, or "high?" while the stakes are unanswered and the words suggest one."""
    suggested = card.suggestion.risk_class if card.suggestion else None
    if card.risk_class == "unassessed" and suggested:
        return f"{suggested}?"
    return card.risk_story.class_name.lower()


def write_table(
    portfolio: ScoredPortfolio,
    summary: PortfolioSummary,
    rubric: Rubric,
    out: IO[str],
    colour: bool = False,
) -> None:
    names = rubric.quadrants.names
    cards = sorted(portfolio.cards, key=lambda c: (-c.priority, c.proposal.id))
    confidence = portfolio.frame["confidence"].to_dict()
    flag_cells = [", ".join(f.id for f in card.flags) or "–" for card in cards]
    rows = [
        [
            one_line(card.proposal.id),
            rubric.state_name(card.state),
            f"{card.priority:.1f}",
            f"{card.scores['desirability']:.0f}",
            f"{card.scores['profitability']:.0f}",
            f"{card.scores['feasibility']:.0f}",
            f"{card.delivery_risk:.0f}",
            "–" if card.risk is None else f"{card.risk:.0f}",
            class_cell(card),
            f"{confidence[card.proposal.id]:.0%}",
            flags,
        ]
        for card, flags in zip(cards, flag_cells, strict=True)
    ]
    headers = ["id", "state", "priority", "D", "P", "F", "Delivery risk", "Risk", "class"]
    headers += ["conf", "flags"]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    widths[-1] = 0  # the last column is not padded
    numeric = set(range(2, 8)) | {9}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out.write(paint(line(headers), "bold", colour) + "\n")
    out.write(line(["-" * max(w, len(h)) for w, h in zip(widths, headers, strict=True)]) + "\n")
    for card, row in zip(cards, rows, strict=True):
        text = line(row)
        if colour and any(f.severity == "red" for f in card.flags):
            text = text[: len(text) - len(row[-1])] + paint(row[-1], "red", True)
        out.write(text + "\n")
    bands = ", ".join(
        f"{key} {c.band[0]:g}-{c.band[1]:g}"
        for key, c in rubric.risk_model.classes.items()
        if key != "unassessed"
    )
    out.write(
        f"\n{plural(len(rows), 'proposal')}. D desirability, P profitability, "
        "F feasibility, all 0-100, higher is better. Delivery risk places the proposal: half "
        "the shortfall of feasibility, half the risk factors (stakes, rated harms, flags and "
        "open pitfalls), so it can be high for a minimal-risk use. Risk is what the system "
        "can do to whom, after its safeguards: 0-100, always inside its class's band "
        f"({bands}); flags never change it. A class such as high? is the one a proposal's "
        "own words suggest while its stakes are unanswered. Flags are the red flags and "
        "warnings each proposal raised (see its page for what they mean).\n"
    )
    width = max((len(r[0]) for r in rows), default=0)
    out.write("\nWhy each risk class:\n")
    for card, row in zip(cards, rows, strict=True):
        story = card.risk_story
        # The note says why a figure beside the class (flags, a low delivery risk) does
        # not contradict it, as the proposal page's risk line does.
        why = f"{story.summary} {story.note}" if story.note else story.summary
        out.write(f"  {row[0].ljust(width)}  {one_line(why)}\n")
    if summary.active < SUMMARY_MIN_ACTIVE:
        return
    mix = ", ".join(
        f"{names[b.quadrant]} {b.share:.0%} (target {b.target:.0%})" for b in summary.balance
    )
    if not summary.judged:  # a few placed proposals say nothing about the mix
        rule = rubric.judge_from
        out.write(
            f"{plural(summary.active, 'active proposal')}, {summary.placed} placed; the balance "
            f"cannot be judged yet: it needs at least {rule.placed} placed and "
            f"{rule.share:.0%} of the active ones.\n"
        )
        return
    verdict = "in balance" if summary.in_balance else paint("OUT OF BALANCE", "yellow", colour)
    out.write(f"{plural(summary.active, 'active proposal')}; portfolio {verdict}: {mix}.\n")


def compliance_from(args: argparse.Namespace, rubric: Rubric) -> ComplianceContext:
    """The --regime profiles (default: the rubric's classes) at the --as-of date (default:
    the build date, scoring/model/clock.py); a bad one is a one-line usage error."""
    try:
        return make_context(rubric, args.regime or (DEFAULT_PROFILE,), args.as_of, Path.cwd())
    except ProfileError as error:
        raise UsageError(error.problems[0].as_text()) from None
    except BuildDateError as error:
        text = str(error)
        raise UsageError(text.replace("build_date", "--as-of", 1) if args.as_of else text) from None


def run(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    compliance = compliance_from(args, rubric)
    intake = load_proposals(
        proposal_paths(args), rubric, progress=lambda files: progress(files, "Scoring")
    )
    if args.org:
        intake = filter_intake(
            intake, parse_unit(args.org), {bad.file: bad.org for bad in intake.invalid if bad.org}
        )
        if not intake.proposals and not intake.invalid:
            print(f"sweetspot: no proposal is in the unit '{args.org}'", file=sys.stderr)
    if intake.invalid:
        report_problems(intake, "text", sys.stderr, use_colour(sys.stderr, args.color))
    colour = use_colour(sys.stdout, args.color)
    register, _ = decisions_check.register_for(args, intake, rubric)
    for problem in register.problems if register is not None else ():
        print(problem.as_text(), file=sys.stderr)
    decided_badly = register is not None and any(p.severity == "error" for p in register.problems)
    write_scores(intake, rubric, args.format, sys.stdout, colour, compliance, register)
    return EXIT_INVALID if intake.invalid or decided_badly else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scores = add_command(
        sub, "score", "Score proposals on desirability, profitability, feasibility and risk."
    )
    scores.add_argument(
        "paths", nargs="*", metavar="PATH", help=f"files or folders (default: {DEFAULT_PROPOSALS})"
    )
    scores.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table for the terminal, csv for spreadsheets, json with every "
        "breakdown, flag and suggestion",
    )
    scores.add_argument(
        "--org",
        metavar="UNIT",
        help=f"only this organisation unit and those below it: a path from "
        f"the top ('Department of Energy{SEPARATOR}Office of Science') or one "
        "unit's name",
    )
    add_compliance_arguments(scores)
    decisions_check.add_options(scores, lapse=False, as_of=False)  # --as-of: just above
    scores.set_defaults(func=run)


def add_compliance_arguments(parser: argparse.ArgumentParser) -> None:
    """--regime and --as-of, for every command that judges obligations (issue 27)."""
    parser.add_argument(
        "--regime",
        action="append",
        metavar="ID|FILE",
        help="judge obligations against this regulatory profile (repeat for more): "
        f"{', '.join(builtin_ids())} or a profile file; default: {DEFAULT_PROFILE}",
    )
    parser.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="the date obligations fall due against; default: SWEETSPOT_BUILD_DATE, "
        "then SOURCE_DATE_EPOCH, then today",
    )
