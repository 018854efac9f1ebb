"""`sweetspot validate`'s part for decision files (#29): each file checked like a proposal
(located problems, did-you-mean), and, at the build date, the decisions about the proposals
checked that have expired or need renewal: a warning, or an error with
`--decisions-expired fail`, so a pull request's check can refuse them."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from scoring.cli.annotations import github_annotation
from scoring.cli.common import UsageError, paint, plural
from scoring.model.clock import BuildDateError, build_date
from scoring.model.decisions import (
    EXPIRED,
    NEEDS_RENEWAL,
    DecisionRegister,
    read_register,
    scope_hash,
)
from scoring.proposals.proposal import Intake
from scoring.rubric import Rubric
from scoring.sources.problems import Problem

DEFAULT_DECISIONS = Path("decisions")
LAPSE_MODES = ("fail", "warn", "off")


def add_options(
    command: argparse.ArgumentParser, *, lapse: bool = True, as_of: bool = True
) -> None:
    """--decisions and --deciders; --as-of unless the command has it already (score's
    obligations take it too); --decisions-expired for the checks that can fail."""
    command.add_argument(
        "--decisions",
        metavar="DIR",
        help="the folder of decision files; without it, decisions are checked only when no "
        f"PATH is given, in the decisions_dir of ./mkdocs.yml or else {DEFAULT_DECISIONS}/",
    )
    command.add_argument(
        "--deciders",
        metavar="NAMES",
        help="comma-separated names of who may decide (default: the deciders of ./mkdocs.yml)",
    )
    if as_of:
        command.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="the build date decisions are read at (default: SWEETSPOT_BUILD_DATE, then "
            "SOURCE_DATE_EPOCH, then today)",
        )
    if not lapse:
        return
    command.add_argument(
        "--decisions-expired",
        choices=LAPSE_MODES,
        default="warn",
        help="what an expired decision, or one whose proposal fields changed since, about a "
        "proposal checked is: an error (fail), a warning, or not reported",
    )


@dataclass
class DecisionCheck:
    register: DecisionRegister | None
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0
    invalid: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _site_options() -> dict[str, Any]:
    # The site's reader of mkdocs.yml (regular file, capped, no aliases), loaded only here:
    # it brings the site's modules, which validate needs for nothing else.
    from scoring.site.generated_site import SiteSourceError, read_config, sweetspot_options

    config = Path("mkdocs.yml")
    if not config.is_file():
        return {}
    try:
        return sweetspot_options(read_config(config), str(config)) or {}
    except SiteSourceError as error:
        raise UsageError(str(error)) from None


def register_for(
    args: argparse.Namespace, intake: Intake, rubric: Rubric
) -> tuple[DecisionRegister | None, date]:
    """The decisions the command's options (or ./mkdocs.yml) name, at its build date. A
    command given PATHs checks those files only, unless --decisions names the folder: the
    site's decisions are about the site's proposals, not about any file named."""
    named = getattr(args, "decisions", None)
    if getattr(args, "paths", None) and not named:
        return None, date.min
    site = _site_options()
    folder = Path(named) if named else Path(str(site.get("decisions_dir", DEFAULT_DECISIONS)))
    if named and not folder.is_dir():
        raise UsageError(f"no such folder: {named} (--decisions)")
    deciders = (
        [n.strip() for n in args.deciders.split(",") if n.strip()]
        if getattr(args, "deciders", None)
        else [str(n) for n in site.get("deciders") or ()]
    )
    try:
        today = build_date(getattr(args, "as_of", None) or site.get("build_date"))
    except BuildDateError as error:
        raise UsageError(str(error)) from None
    return read_register(folder, rubric, intake, today, deciders), today


def check_decisions(args: argparse.Namespace, intake: Intake, rubric: Rubric) -> DecisionCheck:
    """Every decision file checked, and the lapses of those about ``intake``'s proposals."""
    register, today = register_for(args, intake, rubric)
    if register is None:
        return DecisionCheck(None)
    invalid = sorted({p.file for p in register.problems if p.severity == "error"})
    check = DecisionCheck(
        register,
        list(register.problems),
        len(register.decisions) + len(invalid),
        invalid,
    )
    check.problems += lapses(register, intake, today, getattr(args, "decisions_expired", "warn"))
    check.problems += basis_hints(register, intake)
    return check


def lapses(register: DecisionRegister, intake: Intake, today: date, mode: str) -> list[Problem]:
    """An expired decision, or one needing renewal, about a proposal checked; and a missed
    condition (always a warning: the proposal shows Needs review)."""
    if mode == "off":
        return []
    severity = "error" if mode == "fail" else "warning"
    found: list[Problem] = []
    for proposal in intake.proposals:
        ledger = register.ledger(proposal)
        for state in ledger.states:
            decision = state.decision
            if state.status in (EXPIRED, NEEDS_RENEWAL):
                found.append(
                    Problem(
                        decision.file,
                        0,
                        0,
                        "",
                        f"the {decision.kind.replace('_', ' ')} of {decision.subject} for "
                        f"{proposal.id} {state.label.lower()} ({state.reason}) as of {today}; "
                        "renew it with a new decision or revoke it",
                        "decision-lapsed",
                        severity,  # type: ignore[arg-type]
                    )
                )
        for reason in ledger.needs_review:
            found.append(
                Problem(
                    proposal.file, 0, 0, "", f"needs review: {reason}", "needs-review", "warning"
                )
            )
    return found


def basis_hints(register: DecisionRegister, intake: Intake) -> list[Problem]:
    """For a decision without `basis`: the value to add, so that a later change to the
    fields it covers marks it as needing renewal."""
    by_id = {p.id: p for p in intake.proposals}
    hints: list[Problem] = []
    for decision in register.decisions:
        proposal = by_id.get(decision.proposal)
        value = scope_hash(decision, proposal) if proposal is not None else None
        if decision.basis is None and value is not None:
            hints.append(
                Problem(
                    decision.file,
                    0,
                    0,
                    "basis",
                    f"style hint: add `basis: {value}` (a hash of the proposal fields this "
                    "decision covers) so that a later change to them marks it for renewal",
                    "decision-basis",
                    "info",
                )
            )
    return hints


def report(check: DecisionCheck, fmt: str, out: TextIO, colour: bool) -> None:
    """Text and github lines, then a one-line summary (json goes into validate's payload)."""
    if check.register is None:
        return

    for problem in check.problems:
        if fmt == "github":
            print(github_annotation(problem), file=out)
        else:
            style = {"error": "red", "warning": "yellow"}.get(problem.severity, "cyan")
            print(paint(problem.as_text(), style, colour), file=out)
    errors = sum(1 for p in check.problems if p.severity == "error")
    summary = (
        f"{plural(check.checked, 'decision file')} checked: "
        f"{check.checked - len(check.invalid)} valid, {len(check.invalid)} invalid, "
        f"{plural(errors, 'error')}"
    )
    print(paint(summary, "red" if check.failed else "green", colour), file=out)


def payload(check: DecisionCheck) -> dict[str, Any]:
    return {
        "decisions": {
            "checked": check.checked,
            "invalid": check.invalid,
            "problems": [p.as_dict() for p in check.problems],
        }
    }


__all__ = [
    "DecisionCheck",
    "add_options",
    "check_decisions",
    "payload",
    "register_for",
    "report",
]
