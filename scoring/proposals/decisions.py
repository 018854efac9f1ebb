"""Decision files: load a folder of them by the proposals' rules, check each against the
decision schema and the rules that depend on its kind, and check them against each other.

A decision lives in a file of its own (content/decisions/ID.yaml, the file name is its id)
rather than in the proposal: recording one is then its own pull request, CODEOWNERS can ask
a decider to review that folder alone, and the proposal whose fields the decision hashes is
never edited by it. Folders are read as proposals are: no symlinks, FIFOs or devices
(entries.refusal), 256 KiB at most and no YAML aliases (yamlsource).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from scoring.sources.entries import SUFFIXES, discover, printable_name, refusal
from scoring.sources.problems import Problem, format_field
from scoring.sources.validation import checker_for, did_you_mean
from scoring.sources.yamlsource import (
    JsonPath,
    LoadResult,
    YamlDocument,
    load_bytes,
    load_trusted,
    read_source,
)

KINDS = (
    "approval",
    "rejection",
    "risk_acceptance",
    "waiver",
    "pilot_exemption",
    "determination",
    "closure",
    "revocation",
)
# Kinds that lapse: an acceptance without an end looks the same as neglect.
EXPIRING = ("risk_acceptance", "waiver", "pilot_exemption")
WAIVER_YEARS = 1  # waivers are recertified every year (OMB M-25-21)
NEEDS_GROUNDS = ("determination", "rejection", "revocation")
# The scope key each kind must give (risk_acceptance: one of flag or risk_factor).
SCOPE_KEYS: dict[str, tuple[str, ...]] = {
    "approval": ("stage",),
    "rejection": ("stage",),
    "risk_acceptance": ("flag", "risk_factor"),
    "waiver": ("obligation",),
    "pilot_exemption": (),
    "determination": ("determination",),
    "closure": ("decision", "condition"),
    "revocation": ("decision",),
}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@lru_cache(maxsize=1)
def decision_schema() -> dict[str, Any]:
    text = (resources.files("scoring") / "data" / "decision.schema.yaml").read_text("utf-8")
    schema: dict[str, Any] = load_trusted(text)
    return schema


@dataclass(frozen=True)
class Condition:
    """What an approval requires, by when; met by a closure decision naming it."""

    id: str
    text: str
    due: date


@dataclass(frozen=True)
class Decision:
    id: str  # the file name without .yaml
    file: str
    proposal: str
    kind: str
    requested_by: str  # personal data: the fields a public site leaves out
    decided_by: str
    date: dt.date
    expires: dt.date | None
    scope: tuple[tuple[str, str], ...]  # sorted (key, value) pairs, so the record is frozen
    grounds: str | None = None
    record: str | None = None
    conditions: tuple[Condition, ...] = ()
    basis: str | None = None

    def scoped(self, key: str) -> str | None:
        return dict(self.scope).get(key)

    @property
    def subject(self) -> str:
        """What the decision is about, in a few words ("flag no_baseline", "stage approved")."""
        for key in ("flag", "risk_factor", "obligation", "stage", "determination"):
            value = self.scoped(key)
            if value is not None:
                return f"{key.replace('_', ' ')} {value}"
        target = self.scoped("decision")
        if target is not None:
            condition = self.scoped("condition")
            return f"condition {condition} of {target}" if condition else f"decision {target}"
        return "the proposal"


@dataclass
class DecisionIntake:
    """Every decision file of a folder: the valid decisions and every problem found."""

    decisions: list[Decision] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # files with at least one error


@dataclass(frozen=True)
class DecisionRules:
    """What the checks compare against; an empty collection skips that check."""

    deciders: Collection[str] = ()
    flags: Collection[str] = ()  # flag and cap ids of the rubric
    risk_factors: Collection[str] = ()
    proposals: Collection[str] = ()  # ids of the proposals (valid or not) of the site
    # "profile:obligation" of the built-in regulatory profiles; a waiver naming one of
    # these profiles must name one of its obligations (another profile: only the form).
    obligations: Collection[str] = ()


def load_decisions(
    paths: Iterable[Path], rules: DecisionRules, root: Path | None = None
) -> DecisionIntake:
    """Load, check and cross-check every decision file; a bad file is reported by name,
    never a traceback, and never stops the rest."""
    intake = DecisionIntake()
    found: list[tuple[Decision, YamlDocument]] = []
    for path in discover(paths):
        name = path_name(path, root)
        try:
            decision, document, problems = _load_one(path, name, rules)
        except Exception as error:  # an input nobody foresaw: named, not a traceback
            decision, document = None, None
            problems = [
                Problem(
                    name,
                    0,
                    0,
                    "",
                    f"the file could not be loaded ({type(error).__name__}: "
                    f"{str(error)[:200]}); please report this with the file",
                    "internal-error",
                )
            ]
        intake.problems.extend(problems)
        if decision is not None and document is not None:
            found.append((decision, document))
        elif any(p.severity == "error" for p in problems):
            intake.invalid.append(name)
    cross = _cross_problems(found, rules)
    intake.problems.extend(cross)
    broken = {p.file for p in cross if p.severity == "error"}
    intake.decisions = [d for d, _ in found if d.file not in broken]
    intake.invalid = sorted({*intake.invalid, *broken})
    return intake


def path_name(path: Path, root: Path | None) -> str:
    try:
        name = os.path.relpath(path, root) if root is not None else os.path.relpath(path)
    except ValueError:
        name = str(path)
    return printable_name(name)


def _load_one(
    path: Path, name: str, rules: DecisionRules
) -> tuple[Decision | None, YamlDocument | None, list[Problem]]:
    refused = refusal(path, name)
    if refused is not None:
        return None, None, [_in_decision_terms(refused)]
    problems: list[Problem] = []
    if path.suffix not in SUFFIXES:
        problems.append(
            Problem(name, 0, 0, "", "decision files must end in .yaml or .yml", "suffix")
        )
    if not ID_PATTERN.match(path.stem) or len(path.stem) > 64:
        problems.append(
            Problem(
                name,
                0,
                0,
                "",
                f"the file name '{path.stem}' is not a valid decision id: use lowercase "
                "letters, digits and single hyphens, at most 64 characters",
                "bad-id",
            )
        )
    raw = read_source(path, name)
    result = raw if isinstance(raw, LoadResult) else load_bytes(raw, name)
    problems.extend(result.problems)
    document = result.document
    if document is None:
        return None, None, problems
    if not isinstance(document.data, dict):
        problems.append(Problem(name, 1, 1, "", "a decision is a mapping of fields", "type"))
        return None, None, problems
    checked = checker_for(decision_schema()).problems(document, name, result.problems)
    problems.extend(_in_decision_terms(p) for p in checked)
    if any(p.severity == "error" for p in problems):
        return None, None, problems
    problems.extend(kind_problems(document, name, rules))
    if any(p.severity == "error" for p in problems):
        return None, None, problems
    return _decision(path.stem, name, document.data), document, problems


def _in_decision_terms(problem: Problem) -> Problem:
    if problem.code == "required" and problem.message.endswith(" in the proposal"):
        return replace(problem, message=problem.message[: -len("proposal")] + "decision")
    if problem.code == "symlink":
        return Problem(
            problem.file,
            0,
            0,
            "",
            "symlinks are not accepted in the decisions folder (one could publish a file "
            "from outside the repository); commit the file itself",
            "symlink",
        )
    return problem


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def kind_problems(document: YamlDocument, file: str, rules: DecisionRules) -> list[Problem]:
    """The rules the schema cannot say: what each kind needs, real dates in order, and who
    may decide."""
    data = document.data
    kind = data["kind"]
    scope = data["scope"]
    found: list[Problem] = []

    def at(path: JsonPath, message: str, code: str, key: bool = False) -> None:
        pos = document.position(path, key=key)
        found.append(Problem(file, pos.line, pos.column, format_field(path), message, code))

    for path in [("date",), ("expires",)] + [
        ("conditions", i, "due") for i in range(len(data.get("conditions", ())))
    ]:
        text = _get(data, path)
        if text is not None and _day(text) is None:
            at(path, f"{text!r} is not a day of the calendar", "bad-date")
    if found:
        return found
    decided = _day(data["date"])
    assert decided is not None
    wanted = SCOPE_KEYS[kind]
    given = [key for key in scope if key in wanted]
    if kind == "risk_acceptance" and len(given) != 1:
        at(("scope",), "a risk_acceptance names one flag or one risk_factor", "scope")
    elif kind != "risk_acceptance" and len(given) != len(wanted):
        missing = ", ".join(k for k in wanted if k not in scope)
        at(("scope",), f"a {kind} needs scope.{missing}", "scope")
    for key in scope:
        if key not in wanted:
            at(("scope", key), f"a {kind} does not take scope.{key}", "scope", key=True)
    if kind in EXPIRING and "expires" not in data:
        at((), f"a {kind} needs 'expires': the last day it holds", "required")
    expires = _day(data["expires"]) if "expires" in data else None
    if expires is not None and expires < decided:
        at(("expires",), f"{data['expires']} is before the decision's date", "bad-date")
    if kind == "waiver" and expires is not None:
        limit = (
            decided.replace(year=decided.year + WAIVER_YEARS)
            if (
                decided.month,
                decided.day,
            )
            != (2, 29)
            else decided + timedelta(days=365)
        )
        if expires > limit:
            at(
                ("expires",),
                f"a waiver is recertified every year: expires is at most {limit}",
                "waiver-year",
            )
    if kind in NEEDS_GROUNDS and "grounds" not in data:
        at((), f"a {kind} needs 'grounds': why", "required")
    if data.get("conditions") and kind != "approval":
        at(("conditions",), "only an approval has conditions", "scope", key=True)
    ids = [c["id"] for c in data.get("conditions", ())]
    if len(set(ids)) < len(ids):
        at(("conditions",), "two conditions share an id", "duplicate-id")
    if _same_person(data["requested_by"], data["decided_by"]):
        at(("decided_by",), "a decider never decides their own request", "own-request")
    if rules.deciders and not any(_same_person(data["decided_by"], d) for d in rules.deciders):
        at(
            ("decided_by",),
            f"{data['decided_by']!r} is not one of the site's deciders"
            + did_you_mean(data["decided_by"], rules.deciders),
            "not-a-decider",
        )
    flag = scope.get("flag")
    if flag is not None and rules.flags and flag not in rules.flags:
        at(("scope", "flag"), f"no flag '{flag}'{did_you_mean(flag, rules.flags)}", "enum")
    obligation = scope.get("obligation")
    profiles = {known.split(":", 1)[0] for known in rules.obligations}
    if (
        obligation is not None
        and obligation.split(":", 1)[0] in profiles
        and obligation not in rules.obligations
    ):
        at(
            ("scope", "obligation"),
            f"no obligation '{obligation}'{did_you_mean(obligation, rules.obligations)}",
            "enum",
        )
    factor = scope.get("risk_factor")
    if factor is not None and rules.risk_factors and factor not in rules.risk_factors:
        at(
            ("scope", "risk_factor"),
            f"no risk factor '{factor}'{did_you_mean(factor, rules.risk_factors)}",
            "enum",
        )
    proposal = data["proposal"]
    if rules.proposals and proposal not in rules.proposals:
        at(
            ("proposal",),
            f"no proposal '{proposal}'{did_you_mean(proposal, rules.proposals)}",
            "unknown-proposal",
        )
    return found


def _get(data: Any, path: JsonPath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _decision(decision_id: str, file: str, data: dict[str, Any]) -> Decision:
    return Decision(
        id=decision_id,
        file=file,
        proposal=data["proposal"],
        kind=data["kind"],
        requested_by=data["requested_by"],
        decided_by=data["decided_by"],
        date=date.fromisoformat(data["date"]),
        expires=date.fromisoformat(data["expires"]) if "expires" in data else None,
        scope=tuple(sorted((str(k), str(v)) for k, v in data["scope"].items())),
        grounds=data.get("grounds"),
        record=data.get("record"),
        conditions=tuple(
            Condition(c["id"], c["text"], date.fromisoformat(c["due"]))
            for c in data.get("conditions", ())
        ),
        basis=data.get("basis"),
    )


def _cross_problems(
    found: Sequence[tuple[Decision, YamlDocument]], rules: DecisionRules
) -> list[Problem]:
    """Closures and revocations must name a decision about the same proposal, and a
    closure a condition that decision sets."""
    by_id = {decision.id: decision for decision, _ in found}
    problems: list[Problem] = []
    for decision, document in found:
        target_id = decision.scoped("decision")
        if target_id is None:
            continue
        pos = document.position(("scope", "decision"))
        target = by_id.get(target_id)
        message = None
        if target is None:
            message = f"no decision '{target_id}'{did_you_mean(target_id, by_id)}"
        elif target.proposal != decision.proposal:
            message = f"decision '{target_id}' is about {target.proposal}, not {decision.proposal}"
        elif decision.kind == "closure":
            condition = decision.scoped("condition")
            known = [c.id for c in target.conditions]
            if condition not in known:
                pos = document.position(("scope", "condition"))
                message = f"decision '{target_id}' has no condition '{condition}'" + (
                    did_you_mean(condition or "", known) or f"; its conditions: {known}"
                )
        if message is not None:
            problems.append(
                Problem(decision.file, pos.line, pos.column, "scope", message, "unknown-decision")
            )
    return problems


__all__ = [
    "EXPIRING",
    "KINDS",
    "Condition",
    "Decision",
    "DecisionIntake",
    "DecisionRules",
    "decision_schema",
    "load_decisions",
]
