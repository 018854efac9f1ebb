"""Regulatory profiles as typed data: what a regime requires of each use case (issue 27).

A profile (``scoring/data/profiles/<id>.yaml``, or an organisation's own file) says how the
regime classifies a use (its determination: ordered outcomes, the first whose condition
holds), and lists its obligations: plain words, the rule that sets each, which proposal
fields evidence it, which outcomes it applies to and when it falls due. The rubric's class
obligations are the default profile (``from_rubric``), so there is one mechanism.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from scoring.rubric import Rubric
from scoring.sources.problems import Problem, format_field
from scoring.sources.safefile import PROFILE as PROFILE_FILE
from scoring.sources.safefile import InputError, read_named
from scoring.sources.validation import checker_for
from scoring.sources.yamlsource import load_bytes, load_trusted

DEFAULT_PROFILE = "rubric-classes"
BUILTIN_DIR = "profiles"
DEFAULT_PRODUCTION = ("production",)
DEFAULT_IN_USE = ("pilot", "production")


class ProfileError(Exception):
    """A profile that cannot be used: an unknown id, or a file with located problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.as_text() for p in problems))


@dataclass(frozen=True)
class Condition:
    """When an outcome or obligation applies; an empty condition always holds."""

    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()
    negated: Condition | None = None
    classes: tuple[str, ...] = ()  # the assessed risk class is one of these
    suggested: tuple[str, ...] = ()  # the class the proposal's words suggest is one of these
    stages: tuple[str, ...] = ()
    field: str | None = None
    equals: Any = None
    within: tuple[Any, ...] | None = None  # `in`
    not_within: tuple[Any, ...] | None = None  # `not_in`
    answered: bool | None = None


@dataclass(frozen=True)
class Evidence:
    """One place a proposal shows how far an obligation is met."""

    governance: str | None = None  # a governance safeguard
    checklist: str | None = None  # "checklist.item"
    field: str | None = None  # any field, read through ``values``
    values: tuple[tuple[str, str], ...] = ()  # answer -> status
    otherwise: str | None = None  # status for an answer ``values`` does not name

    @property
    def where(self) -> str:
        """The proposal field it reads, as a reader would look it up."""
        if self.governance:
            return f"governance.{self.governance}"
        if self.checklist:
            return f"checklists.{self.checklist}"
        return self.field or ""


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    grounds: str = ""
    when: Condition = Condition()
    flags: bool = False  # a gap in its obligations raises a red or high flag
    needs_grounds: bool = False  # an exception claimed from a higher class


@dataclass(frozen=True)
class Obligation:
    id: str
    text: str
    rule: str  # the article, section or paragraph that sets it
    applies_to: tuple[str, ...] = ()  # outcome ids; every outcome when empty
    when: Condition = Condition()
    evidence: tuple[Evidence, ...] = ()
    combine: str = "all"
    due: date | None = None
    due_note: str = ""
    required: bool = True  # a gap in it raises a flag


@dataclass(frozen=True)
class Extension:
    """A deadline extension recorded in a field; until ``until`` it holds a gap off."""

    field: str
    values: tuple[Any, ...]
    until: date
    note: str = ""


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    short: str  # the name in a flag or a table cell
    source: str  # the regulation, as cited
    source_url: str
    source_note: str
    question: str  # what the determination answers
    grounds_needed: str
    outcomes: tuple[Outcome, ...]
    obligations: tuple[Obligation, ...]
    production: tuple[str, ...] = DEFAULT_PRODUCTION
    in_use: tuple[str, ...] = DEFAULT_IN_USE
    extension: Extension | None = None
    waiver_by: str = ""
    recertify_months: int | None = None
    file: str = ""  # where it was read from, as named on pages

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)


# --- loading --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def profile_schema() -> dict[str, Any]:
    text = (resources.files("scoring") / "data" / "profile.schema.yaml").read_text("utf-8")
    schema: dict[str, Any] = load_trusted(text)
    return schema


def builtin_ids() -> tuple[str, ...]:
    """The ids of the profiles that ship with Sweetspot, the default first."""
    folder = resources.files("scoring") / "data" / BUILTIN_DIR
    names = sorted(
        entry.name[: -len(".yaml")] for entry in folder.iterdir() if entry.name.endswith(".yaml")
    )
    return tuple(sorted(names, key=lambda name: name != DEFAULT_PROFILE))


def is_path(name: str) -> bool:
    """A regime named by a file (``profiles/ours.yaml``) rather than a built-in id."""
    return "/" in name or "\\" in name or name.endswith((".yaml", ".yml"))


def load_profiles(
    names: Sequence[str], rubric: Rubric, base: Path | None = None
) -> tuple[Profile, ...]:
    """The profiles named (built-in ids, or files relative to ``base``, the folder of
    mkdocs.yml), in the order given; a ProfileError names the first one that cannot load."""
    seen: set[str] = set()
    profiles = []
    for name in names:
        profile = load_profile(name, rubric, base)
        if profile.id in seen:
            raise ProfileError(
                [Problem(profile.file, 0, 0, "id", f"profile '{profile.id}' is enabled twice")]
            )
        seen.add(profile.id)
        profiles.append(profile)
    return tuple(profiles)


def load_profile(name: str, rubric: Rubric, base: Path | None = None) -> Profile:
    if not is_path(name):
        if name not in builtin_ids():
            known = ", ".join(builtin_ids())
            raise ProfileError(
                [
                    Problem(
                        "regimes",
                        0,
                        0,
                        "",
                        f"unknown regime '{name}'; the built-in ones are {known}, "
                        "or name a profile file (.yaml)",
                        "unknown",
                    )
                ]
            )
        raw = (resources.files("scoring") / "data" / BUILTIN_DIR / f"{name}.yaml").read_bytes()
        return _parse(f"scoring/data/profiles/{name}.yaml", raw, rubric)
    root = (base or Path.cwd()).resolve()
    path = root / name
    display = name
    # Never outside the site's folder: a relative path that climbs out (or an absolute one)
    # is refused before anything is read.
    try:
        path.resolve().relative_to(root)
    except ValueError:
        raise ProfileError(
            [
                Problem(
                    display,
                    0,
                    0,
                    "",
                    "a profile file must be inside the site's folder (beside mkdocs.yml)",
                    "outside",
                )
            ]
        ) from None
    with contextlib.suppress(ValueError):
        display = str(path.relative_to(root))
    try:
        raw = read_named(path, PROFILE_FILE, display)
    except InputError as error:
        raise ProfileError([Problem(display, 0, 0, "", error.message, "unreadable")]) from None
    return _parse(display, raw, rubric)


def _parse(display: str, raw: bytes, rubric: Rubric) -> Profile:
    data = _checked(display, raw)
    return _build(data, display, rubric)


@lru_cache(maxsize=32)
def _checked(display: str, raw: bytes) -> Any:
    result = load_bytes(raw, display)
    if result.document is None or result.problems:
        raise ProfileError(result.problems)
    document = result.document
    problems = checker_for(profile_schema()).problems(document, display)
    if problems:
        raise ProfileError(problems)
    problems = _cross_check(document.data, display, document.position)
    if problems:
        raise ProfileError(problems)
    return document.data


def _cross_check(data: dict[str, Any], file: str, position: Any) -> list[Problem]:
    """Unique ids, and obligations that name outcomes the profile has."""
    problems: list[Problem] = []

    def problem(path: tuple[str | int, ...], message: str) -> None:
        pos = position(path)
        problems.append(Problem(file, pos.line, pos.column, format_field(path), message, "profile"))

    outcomes = [o["id"] for o in data["determination"]["outcomes"]]
    for index, name in enumerate(outcomes):
        if name in outcomes[:index]:
            problem(("determination", "outcomes", index, "id"), f"outcome '{name}' is listed twice")
    seen: set[str] = set()
    for index, obligation in enumerate(data["obligations"]):
        if obligation["id"] in seen:
            problem(
                ("obligations", index, "id"), f"obligation '{obligation['id']}' is listed twice"
            )
        seen.add(obligation["id"])
        for at, name in enumerate(obligation.get("applies_to", ())):
            if name not in outcomes and not data.get("from_rubric"):
                problem(
                    ("obligations", index, "applies_to", at),
                    f"'{name}' is not an outcome of this profile ({', '.join(outcomes) or 'none'})",
                )
        for key in ("due",):
            if key in obligation:
                try:
                    date.fromisoformat(obligation[key])
                except ValueError:
                    problem(("obligations", index, key), f"'{obligation[key]}' is not a date")
    if "extension" in data:
        try:
            date.fromisoformat(data["extension"]["until"])
        except ValueError:
            problem(("extension", "until"), f"'{data['extension']['until']}' is not a date")
    return problems


def condition(data: dict[str, Any] | None) -> Condition:
    if not data:
        return Condition()
    return Condition(
        all=tuple(condition(c) for c in data.get("all", ())),
        any=tuple(condition(c) for c in data.get("any", ())),
        negated=condition(data["not"]) if "not" in data else None,
        classes=tuple(data.get("class", ())),
        suggested=tuple(data.get("suggested", ())),
        stages=tuple(data.get("stage", ())),
        field=data.get("field"),
        equals=data.get("equals"),
        within=tuple(data["in"]) if "in" in data else None,
        not_within=tuple(data["not_in"]) if "not_in" in data else None,
        answered=data.get("answered"),
    )


def evidence(entries: Iterable[dict[str, Any]]) -> tuple[Evidence, ...]:
    return tuple(
        Evidence(
            governance=entry.get("governance"),
            checklist=entry.get("checklist"),
            field=entry.get("field"),
            values=tuple((str(k), str(v)) for k, v in (entry.get("values") or {}).items()),
            otherwise=entry.get("otherwise"),
        )
        for entry in entries
    )


def _build(data: dict[str, Any], display: str, rubric: Rubric) -> Profile:
    source = data["source"]
    determination = data["determination"]
    outcomes = tuple(
        Outcome(
            id=o["id"],
            label=o["label"],
            grounds=o.get("grounds", ""),
            when=condition(o.get("when")),
            flags=bool(o.get("flags", False)),
            needs_grounds=bool(o.get("needs_grounds", False)),
        )
        for o in determination["outcomes"]
    )
    obligations = tuple(
        Obligation(
            id=o["id"],
            text=o["text"],
            rule=o["rule"],
            applies_to=tuple(o.get("applies_to", ())),
            when=condition(o.get("when")),
            evidence=evidence(o.get("evidence", ())),
            combine=o.get("combine", "all"),
            due=date.fromisoformat(o["due"]) if "due" in o else None,
            due_note=o.get("due_note", ""),
            required=bool(o.get("required", True)),
        )
        for o in data["obligations"]
    )
    if data.get("from_rubric"):
        rubric_outcomes, rubric_obligations = _from_rubric(
            rubric, data.get("evidence_by_text") or {}
        )
        outcomes += rubric_outcomes
        obligations = rubric_obligations + obligations
    extension = data.get("extension")
    waivers = data.get("waivers") or {}
    return Profile(
        id=data["id"],
        title=data["title"],
        short=data.get("short", data["title"]),
        source=source["name"],
        source_url=source.get("url", ""),
        source_note=source.get("note", ""),
        question=determination["question"],
        grounds_needed=determination.get("grounds_needed", ""),
        outcomes=outcomes,
        obligations=obligations,
        production=tuple(data.get("production", DEFAULT_PRODUCTION)),
        in_use=tuple(data.get("in_use", DEFAULT_IN_USE)),
        extension=None
        if extension is None
        else Extension(
            field=extension["field"],
            values=tuple(extension["values"]),
            until=date.fromisoformat(extension["until"]),
            note=extension.get("note", ""),
        ),
        waiver_by=waivers.get("by", ""),
        recertify_months=waivers.get("recertify_months"),
        file=display,
    )


def _from_rubric(
    rubric: Rubric, by_text: dict[str, list[dict[str, Any]]]
) -> tuple[tuple[Outcome, ...], tuple[Obligation, ...]]:
    """The rubric's risk classes as outcomes and their obligations, evidenced by the fields
    ``evidence_by_text`` names for each obligation's words (none, so not reported, for words
    a custom rubric changed)."""
    outcomes = []
    obligations = []
    for class_id, risk_class in rubric.risk_model.classes.items():
        outcomes.append(
            Outcome(
                id=class_id,
                label=risk_class.label,
                grounds=risk_class.description,
                when=Condition(classes=(class_id,)),
                flags=class_id == "high",
            )
        )
        for number, text in enumerate(risk_class.obligations, start=1):
            obligations.append(
                Obligation(
                    id=f"{class_id}-{number}",
                    text=text,
                    rule=f"the rubric's {risk_class.label.lower()} class, obligation {number}",
                    applies_to=(class_id,),
                    evidence=evidence(by_text.get(text, ())),
                )
            )
    return tuple(outcomes), tuple(obligations)


__all__ = [
    "DEFAULT_PROFILE",
    "Condition",
    "Evidence",
    "Extension",
    "Obligation",
    "Outcome",
    "Profile",
    "ProfileError",
    "builtin_ids",
    "is_path",
    "load_profile",
    "load_profiles",
]
