"""`sweetspot decisions-digest`: one Markdown digest of what needs a decider's attention at
the build date: decisions expired or needing renewal, decisions and conditions falling due
within 30 days, and proposals in Needs review, each with its owner and decider. The
publishing workflow's daily run keeps it in one repository issue (README: Decisions)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

from scoring.cli import decisions_check
from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_OK,
    UsageError,
    add_command,
    md_code,
    md_text,
    proposal_paths,
    rubric_from,
)
from scoring.model.decisions import ACTIVE, EXPIRED, NEEDS_RENEWAL, DecisionRegister
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake

MARKER = "<!-- sweetspot-decisions-digest -->"
ISSUE_TITLE = "Sweetspot: decisions due, expired and needing review"
DUE_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class DigestLine:
    due: date | None
    text: str


def digest(register: DecisionRegister, intake: Intake) -> str:
    """The digest's Markdown; every value escaped, so no text from a file becomes a link,
    a mention or HTML in the issue."""
    today = register.today
    horizon = today + DUE_WITHIN
    expired: list[DigestLine] = []
    due: list[DigestLine] = []
    review: list[DigestLine] = []
    for proposal in sorted(intake.proposals, key=lambda p: p.id):
        ledger = register.ledger(proposal)
        owner = f"owner {md_text(proposal.owner)}" if proposal.owner else "no owner named"
        name = f"{md_text(proposal.title)} ({md_code(proposal.id)}, {owner})"
        for state in ledger.states:
            d = state.decision
            what = (
                f"{md_code(d.id)}: {md_text(d.kind.replace('_', ' '))} of "
                f"{md_text(d.subject)} for {name}, decided by {md_text(d.decided_by)}"
            )
            if state.status in (EXPIRED, NEEDS_RENEWAL):
                expired.append(
                    DigestLine(d.expires, f"{what}: **{state.label}**, {md_text(state.reason)}")
                )
            elif state.status == ACTIVE and d.expires is not None and d.expires <= horizon:
                due.append(DigestLine(d.expires, f"{what}: expires on {d.expires}"))
        for c in ledger.open_conditions:
            decider = next(
                (s.decision.decided_by for s in ledger.states if s.decision.id == c.decision),
                "",
            )
            if not c.overdue and c.condition.due <= horizon:
                due.append(
                    DigestLine(
                        c.condition.due,
                        f"condition {md_code(c.condition.id)} of {md_code(c.decision)} for "
                        f"{name}: {md_text(c.condition.text)}, due {c.condition.due}, "
                        f"decided by {md_text(decider)}",
                    )
                )
        for reason in ledger.needs_review:
            review.append(DigestLine(None, f"{name}: {md_text(reason)}"))
    out = [MARKER, f"## Decisions as of {today}", ""]
    out.append(
        f"Expired or needing renewal: {len(expired)} · due within {DUE_WITHIN.days} days: "
        f"{len(due)} · needs review: {len(review)}"
    )
    for title, lines in (
        ("Expired or needing renewal", expired),
        (f"Due within {DUE_WITHIN.days} days", sorted(due, key=lambda line: line.due or today)),
        ("Needs review", review),
    ):
        out += ["", f"### {title}", ""]
        out += [f"- {line.text}" for line in lines] or ["Nothing."]
    out += [
        "",
        "_Written by `sweetspot decisions-digest` on the publishing workflow's daily run; "
        "edits to this issue are overwritten._",
    ]
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    rubric = rubric_from(args)
    intake = load_proposals(proposal_paths(args), rubric)
    register, _ = decisions_check.register_for(args, intake, rubric)
    if register is None:
        raise UsageError("no decisions folder: name one with --decisions")
    for problem in register.problems:
        print(problem.as_text(), file=sys.stderr)
    (out or sys.stdout).write(digest(register, intake))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_command(
        sub,
        "decisions-digest",
        "Write a Markdown digest of decisions expired, due within 30 days and needing review.",
        epilog=f'The publishing workflow keeps it in the issue titled "{ISSUE_TITLE}".',
    )
    command.add_argument(
        "paths", nargs="*", metavar="PATH", help=f"files or folders (default: {DEFAULT_PROPOSALS})"
    )
    decisions_check.add_options(command, lapse=False)
    command.set_defaults(func=run)


__all__ = ["ISSUE_TITLE", "MARKER", "digest", "register", "run"]
