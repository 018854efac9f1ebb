"""The rubric: criteria, risk factors, caps, flags and checklists, loaded from YAML data."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from scoring.sources.problems import Problem, format_field
from scoring.sources.validation import checker_for
from scoring.sources.yamlsource import load_file, load_trusted

DIMENSIONS = ("desirability", "profitability", "feasibility", "risk")
QUADRANTS = ("quick_win", "strategic_bet", "incremental", "reconsider")


def slugify(identifier: str) -> str:
    return identifier.replace("_", "-")


@dataclass(frozen=True)
class Level:
    level: int
    label: str
    meaning: str


@dataclass(frozen=True)
class Criterion:
    id: str
    dimension: str
    kind: str
    weight: float
    question: str
    answer: str
    playbook: str
    scale: tuple[str, ...]
    bands: tuple[float, ...] = ()
    checklists: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return slugify(self.id)


@dataclass(frozen=True)
class RiskFactor:
    id: str
    kind: str
    weight: float
    question: str
    answer: str
    playbook: str
    checklists: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return slugify(self.id)


@dataclass(frozen=True)
class Cap:
    id: str
    applies_to: str
    max: float
    title: str
    message: str
    playbook: str


@dataclass(frozen=True)
class FlagRule:
    id: str
    severity: str
    title: str
    message: str
    playbook: str

    @property
    def slug(self) -> str:
        return slugify(self.id)


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    playbook: str


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    summary: str
    playbook: str
    items: tuple[ChecklistItem, ...]

    @property
    def slug(self) -> str:
        return slugify(self.id)


@dataclass(frozen=True)
class Quadrants:
    impact_threshold: float
    risk_threshold: float
    names: dict[str, str]
    descriptions: dict[str, str]


@dataclass(frozen=True)
class CustomField:
    """A declared ``custom.<id>`` proposal field: checked, labelled on pages, exported."""

    id: str
    label: str
    type: str  # text, number, integer, boolean or list
    description: str = ""
    values: tuple[str, ...] = ()  # the allowed texts, when the field is a choice


@dataclass(frozen=True)
class Rubric:
    name: str
    source: str
    levels: tuple[Level, ...]
    dimensions: dict[str, dict[str, str]]
    priority_weights: dict[str, float]
    risk_discount: float
    unknown_severity: int
    unknown_likelihood: int
    roi_horizon_years: float
    low_confidence_penalty: int
    quadrants: Quadrants
    target_mix: dict[str, float]
    tolerance: float
    criteria: tuple[Criterion, ...]
    risk_factors: tuple[RiskFactor, ...]
    caps: tuple[Cap, ...]
    flags: tuple[FlagRule, ...]
    checklists: tuple[Checklist, ...]
    severity_scale: tuple[str, ...]
    likelihood_scale: tuple[str, ...]
    custom_fields: tuple[CustomField, ...] = ()  # an organisation's own fields, declared

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def checklist(self, checklist_id: str) -> Checklist | None:
        return next((c for c in self.checklists if c.id == checklist_id), None)

    def flag(self, flag_id: str) -> FlagRule | None:
        return next((f for f in self.flags if f.id == flag_id), None)

    def cap(self, cap_id: str) -> Cap | None:
        return next((c for c in self.caps if c.id == cap_id), None)

    def criteria_for(self, dimension: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.dimension == dimension)

    def with_quadrants(self, impact_threshold: float | None = None,
                       risk_threshold: float | None = None,
                       target_mix: dict[str, float] | None = None,
                       tolerance: float | None = None) -> Rubric:
        """A copy with site-level overrides (from the plugin config) applied."""
        quadrants = dataclasses.replace(
            self.quadrants,
            impact_threshold=self.quadrants.impact_threshold if impact_threshold is None
            else impact_threshold,
            risk_threshold=self.quadrants.risk_threshold if risk_threshold is None
            else risk_threshold,
        )
        return dataclasses.replace(
            self,
            quadrants=quadrants,
            target_mix=self.target_mix if target_mix is None else dict(target_mix),
            tolerance=self.tolerance if tolerance is None else tolerance,
        )


class RubricError(Exception):
    """A rubric file that cannot be used; ``problems`` says exactly why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.as_text() for p in problems))


def default_rubric_path() -> Path:
    return Path(str(resources.files("scoring") / "data" / "rubric.yaml"))


@lru_cache(maxsize=1)
def rubric_schema() -> dict[str, Any]:
    text = (resources.files("scoring") / "data" / "rubric.schema.yaml").read_text("utf-8")
    schema: dict[str, Any] = load_trusted(text)
    return schema


def _cross_check(data: dict[str, Any], file: str, position: Any) -> list[Problem]:
    """Rules a JSON Schema cannot express: unique ids and references between sections."""
    problems: list[Problem] = []

    def problem(path: tuple[str | int, ...], message: str) -> None:
        pos = position(path)
        problems.append(Problem(file, pos.line, pos.column, format_field(path), message,
                                "rubric"))

    checklist_ids = [c["id"] for c in data["checklists"]]
    for section in ("criteria", "risk_factors", "checklists", "caps", "flags"):
        seen: set[str] = set()
        for index, entry in enumerate(data[section]):
            if entry["id"] in seen:
                problem((section, index, "id"), f"id '{entry['id']}' is used twice in {section}")
            seen.add(entry["id"])
    for index, checklist in enumerate(data["checklists"]):
        seen_items: set[str] = set()
        for item_index, item in enumerate(checklist["items"]):
            if item["id"] in seen_items:
                problem(("checklists", index, "items", item_index, "id"),
                        f"item id '{item['id']}' is used twice in checklist '{checklist['id']}'")
            seen_items.add(item["id"])
    for section in ("criteria", "risk_factors"):
        for index, entry in enumerate(data[section]):
            kind = entry.get("kind", "evidence" if section == "criteria" else "rated")
            for ref_index, ref in enumerate(entry.get("checklists", [])):
                if ref not in checklist_ids:
                    problem((section, index, "checklists", ref_index),
                            f"checklist '{ref}' does not exist")
            if kind in ("checklist", "open_pitfalls") and not entry.get("checklists"):
                problem((section, index), f"a '{kind}' entry needs a 'checklists' list")
            if kind in ("roi", "payback") and "bands" not in entry:
                problem((section, index), f"a '{kind}' criterion needs 'bands'")
    if sum(data["aggregation"]["priority_weights"].values()) <= 0:
        problem(("aggregation", "priority_weights"), "the priority weights must not all be 0")
    return problems


def _build(data: dict[str, Any], source: str) -> Rubric:
    aggregation = data["aggregation"]
    quadrants = data["quadrants"]
    return Rubric(
        name=data["name"],
        source=source,
        levels=tuple(Level(**entry) for entry in data["levels"]),
        dimensions=data["dimensions"],
        priority_weights={k: float(v) for k, v in aggregation["priority_weights"].items()},
        risk_discount=float(aggregation["risk_discount"]),
        unknown_severity=aggregation["unknown_risk"]["severity"],
        unknown_likelihood=aggregation["unknown_risk"]["likelihood"],
        roi_horizon_years=float(aggregation["roi_horizon_years"]),
        low_confidence_penalty=aggregation["low_confidence_penalty"],
        quadrants=Quadrants(
            impact_threshold=float(quadrants["impact_threshold"]),
            risk_threshold=float(quadrants["risk_threshold"]),
            names=dict(quadrants["names"]),
            descriptions=dict(quadrants["descriptions"]),
        ),
        target_mix={k: float(v) for k, v in data["portfolio"]["target_mix"].items()},
        tolerance=float(data["portfolio"]["tolerance"]),
        criteria=tuple(
            Criterion(
                id=c["id"], dimension=c["dimension"], kind=c.get("kind", "evidence"),
                weight=float(c["weight"]), question=c["question"], answer=c["answer"],
                playbook=c["playbook"], scale=tuple(c["scale"]),
                bands=tuple(float(b) for b in c.get("bands", ())),
                checklists=tuple(c.get("checklists", ())),
            )
            for c in data["criteria"]
        ),
        risk_factors=tuple(
            RiskFactor(
                id=r["id"], kind=r.get("kind", "rated"), weight=float(r["weight"]),
                question=r["question"], answer=r["answer"], playbook=r["playbook"],
                checklists=tuple(r.get("checklists", ())),
            )
            for r in data["risk_factors"]
        ),
        caps=tuple(Cap(**{**c, "max": float(c["max"])}) for c in data["caps"]),
        flags=tuple(FlagRule(**f) for f in data["flags"]),
        checklists=tuple(
            Checklist(
                id=c["id"], title=c["title"], summary=c["summary"], playbook=c["playbook"],
                items=tuple(ChecklistItem(**item) for item in c["items"]),
            )
            for c in data["checklists"]
        ),
        severity_scale=tuple(data["severity_scale"]),
        likelihood_scale=tuple(data["likelihood_scale"]),
        custom_fields=tuple(
            CustomField(id=k, label=v["label"], type=v["type"],
                        description=v.get("description", ""), values=tuple(v.get("values", ())))
            for k, v in (data.get("custom_fields") or {}).items()
        ),
    )


def load_rubric(path: Path | None = None) -> Rubric:
    """Load and validate a rubric; raise RubricError naming file, line and field."""
    source = path or default_rubric_path()
    return _load_cached(str(Path(source).resolve()), _mtime(source))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@lru_cache(maxsize=8)
def _load_cached(source: str, _mtime: float) -> Rubric:
    display = source
    with contextlib.suppress(ValueError):
        display = str(Path(source).relative_to(Path.cwd()))
    result = load_file(Path(source), display)
    if result.document is None or result.problems:
        raise RubricError(result.problems)
    document = result.document
    problems = checker_for(rubric_schema()).problems(document, display)
    if problems:
        raise RubricError(problems)
    problems = _cross_check(document.data, display, document.position)
    if problems:
        raise RubricError(problems)
    return _build(document.data, display)
