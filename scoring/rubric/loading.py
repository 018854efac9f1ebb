"""Load a rubric file: validate it against its schema, cross-check ids, build typed data.

Sections added after the first release (uncertainty, states, risk_model, flag rules) are
optional in a custom rubric: anything left out is taken from the built-in rubric, so a
rubric copied from an older default keeps working.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from scoring.rubric.definitions import (
    BalanceJudgement,
    Cap,
    Checklist,
    ChecklistItem,
    ClassSuggestions,
    Criterion,
    CustomField,
    FlagRule,
    Level,
    Prior,
    Quadrants,
    RiskClass,
    RiskFactor,
    RiskModel,
    Rubric,
    SuggestionExclusion,
    SuggestionRule,
    Uncertainty,
)
from scoring.sources.numbers import numbers_too_large
from scoring.sources.problems import Problem, format_field
from scoring.sources.safefile import RUBRIC, InputError, read_named
from scoring.sources.validation import checker_for
from scoring.sources.yamlsource import load_bytes, load_trusted


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
        problems.append(Problem(file, pos.line, pos.column, format_field(path), message, "rubric"))

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
                problem(
                    ("checklists", index, "items", item_index, "id"),
                    f"item id '{item['id']}' is used twice in checklist '{checklist['id']}'",
                )
            seen_items.add(item["id"])
    for section in ("criteria", "risk_factors"):
        for index, entry in enumerate(data[section]):
            kind = entry.get("kind", "evidence" if section == "criteria" else "rated")
            for ref_index, ref in enumerate(entry.get("checklists", [])):
                if ref not in checklist_ids:
                    problem(
                        (section, index, "checklists", ref_index),
                        f"checklist '{ref}' does not exist",
                    )
            if kind in ("checklist", "open_pitfalls") and not entry.get("checklists"):
                problem((section, index), f"a '{kind}' entry needs a 'checklists' list")
            if kind in ("roi", "payback") and "bands" not in entry:
                problem((section, index), f"a '{kind}' criterion needs 'bands'")
    known_rules = {
        "one_person_team",
        "no_baseline",
        "no_online_plan",
        "personal_data_without_review",
        "no_labels_no_plan",
        "llm_without_evaluation_set",
        "no_sponsor",
        "no_domain_expert",
        "affected_groups_not_evaluated",
        "weakest_link",
        "thin_evidence",
    }
    for index, flag in enumerate(data["flags"]):
        if "when" not in flag and flag["id"] not in known_rules:
            problem(("flags", index), f"flag '{flag['id']}' needs a 'when' rule")
    _check_suggestions(data.get("class_suggestions"), problem)
    if sum(data["aggregation"]["priority_weights"].values()) <= 0:
        problem(("aggregation", "priority_weights"), "the priority weights must not all be 0")
    return problems


def _check_suggestions(section: Any, problem: Callable[[tuple[str | int, ...], str], None]) -> None:
    """Unique rule ids, and every text a rule reads defined under `texts`."""
    if not isinstance(section, dict):
        return
    names = set(section.get("texts") or {})
    seen: set[str] = set()
    for index, rule in enumerate(section.get("rules") or []):
        where = ("class_suggestions", "rules", index)
        if rule["id"] in seen:
            problem((*where, "id"), f"id '{rule['id']}' is used twice in class_suggestions")
        seen.add(rule["id"])
        for kind in _leaf_kinds(rule.get("when", {})) - {"field"}:
            problem(
                (*where, "when"),
                f"a class suggestion reads proposal fields only, not a '{kind}'",
            )
        listed: list[tuple[tuple[str | int, ...], Any]] = [
            (("texts", i), name) for i, name in enumerate(rule.get("texts", []))
        ]
        context = rule.get("context") or {}
        listed += [(("context", "texts", i), n) for i, n in enumerate(context.get("texts", []))]
        for path, name in listed:
            if name not in names:
                known = ", ".join(sorted(names)) or "none"
                problem(
                    (*where, *path),
                    f"text '{name}' is not defined under class_suggestions.texts ({known})",
                )
    for index, exclusion in enumerate(section.get("exclusions") or []):
        for i, rule_id in enumerate(exclusion.get("rules", [])):
            if rule_id not in seen:
                problem(
                    ("class_suggestions", "exclusions", index, "rules", i),
                    f"rule '{rule_id}' is not a rule of class_suggestions",
                )


def _leaf_kinds(condition: dict[str, Any]) -> set[str]:
    kinds: set[str] = {k for k in ("field", "fact", "level", "score") if k in condition}
    for key in ("all", "any"):
        for part in condition.get(key, ()):
            kinds |= _leaf_kinds(part)
    return kinds


def _suggestions(data: dict[str, Any] | None) -> ClassSuggestions:
    if not data:
        return ClassSuggestions()
    exclusions = tuple(
        SuggestionExclusion(
            id=e["id"],
            reason=e["reason"],
            source=e["source"],
            words=tuple(e["words"]),
            rules=tuple(e["rules"]),
        )
        for e in data.get("exclusions") or []
    )
    return ClassSuggestions(
        texts={name: tuple(fields) for name, fields in (data.get("texts") or {}).items()},
        exclusions=exclusions,
        rules=tuple(
            SuggestionRule(
                id=r["id"],
                suggests=r["suggests"],
                reason=r["reason"],
                source=r["source"],
                words=tuple(r["words"]),
                with_words=tuple(r.get("with", ())),
                unless=tuple(r.get("unless", ())),
                texts=tuple(r.get("texts", ())),
                when=dict(r.get("when", {})),
                context_words=tuple((r.get("context") or {}).get("words", ())),
                context_texts=tuple((r.get("context") or {}).get("texts", ())),
                unless_anywhere=tuple(
                    term for e in exclusions if r["id"] in e.rules for term in e.words
                ),
            )
            for r in data.get("rules") or []
        ),
    )


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
        judge_from=BalanceJudgement(**data["portfolio"].get("judge_from", {})),
        criteria=tuple(
            Criterion(
                id=c["id"],
                dimension=c["dimension"],
                kind=c.get("kind", "evidence"),
                weight=float(c["weight"]),
                question=c["question"],
                answer=c["answer"],
                playbook=c["playbook"],
                scale=tuple(c["scale"]),
                bands=tuple(float(b) for b in c.get("bands", ())),
                checklists=tuple(c.get("checklists", ())),
                answer_levels=dict(c.get("answer_levels", {})),
            )
            for c in data["criteria"]
        ),
        risk_factors=tuple(
            RiskFactor(
                id=r["id"],
                kind=r.get("kind", "rated"),
                weight=float(r["weight"]),
                question=r["question"],
                answer=r["answer"],
                playbook=r["playbook"],
                checklists=tuple(r.get("checklists", ())),
            )
            for r in data["risk_factors"]
        ),
        caps=tuple(Cap(**{**c, "max": float(c["max"])}) for c in data["caps"]),
        flags=tuple(FlagRule(**f) for f in data["flags"]),
        uncertainty=_uncertainty(data["uncertainty"]),
        risk_model=_risk_model(data["risk_model"]),
        needs_information_name=data["states"]["needs_information"]["name"],
        needs_information_description=data["states"]["needs_information"]["description"],
        needs_review_name=data["states"].get("needs_review", {}).get("name", "Needs review"),
        needs_review_description=data["states"].get("needs_review", {}).get("description", ""),
        checklists=tuple(
            Checklist(
                id=c["id"],
                title=c["title"],
                summary=c["summary"],
                playbook=c["playbook"],
                items=tuple(ChecklistItem(**item) for item in c["items"]),
            )
            for c in data["checklists"]
        ),
        severity_scale=tuple(data["severity_scale"]),
        likelihood_scale=tuple(data["likelihood_scale"]),
        custom_fields=tuple(
            CustomField(
                id=k,
                label=v["label"],
                type=v["type"],
                description=v.get("description", ""),
                values=tuple(v.get("values", ())),
            )
            for k, v in (data.get("custom_fields") or {}).items()
        ),
        class_suggestions=_suggestions(data.get("class_suggestions")),
    )


def _uncertainty(data: dict[str, Any]) -> Uncertainty:
    prior = data["prior"]
    low, high = data["placement_percentiles"]
    range_low, range_high = data["range_percentiles"]
    return Uncertainty(
        prior=Prior(float(prior["mean"]), float(prior["sd"]), prior.get("basis", "")),
        asserted=Prior(float(data["asserted"]["mean"]), float(data["asserted"]["sd"]), ""),
        correlation=float(data["correlation"]),
        placement_percentiles=(float(low), float(high)),
        range_percentiles=(float(range_low), float(range_high)),
        priority_percentile=float(data["priority_percentile"]),
        risk_prior_mean=float(data["risk_prior"]["mean"]),
        risk_prior_sd=float(data["risk_prior"]["sd"]),
        money_spread={k: float(v) for k, v in data["money_spread"].items()},
    )


def _risk_model(data: dict[str, Any]) -> RiskModel:
    governance = data["governance"]
    return RiskModel(
        others_share=float(data["others_share"]),
        classes={
            key: RiskClass(
                key,
                c["label"],
                (float(c["band"][0]), float(c["band"][1])),
                c["description"],
                tuple(c["obligations"]),
            )
            for key, c in data["classes"].items()
        },
        high_stakes_areas=dict(data["high_stakes_areas"]),
        position={k: {a: float(b) for a, b in v.items()} for k, v in data["position"].items()},
        governance_credit={k: float(v) for k, v in governance["credit"].items()},
        max_reduction=float(governance["max_reduction"]),
        measures=dict(governance["measures"]),
    )


_OPTIONAL_SECTIONS = ("uncertainty", "states", "risk_model", "class_suggestions")


def _with_defaults(data: dict[str, Any], builtin: dict[str, Any] | None) -> dict[str, Any]:
    """Fill what an older custom rubric leaves out from the built-in one."""
    if builtin is None:
        return data
    merged = dict(data)
    for section in _OPTIONAL_SECTIONS:
        given = merged.get(section)
        merged[section] = (
            {**builtin[section], **given} if isinstance(given, dict) else builtin[section]
        )
    rules = {f["id"]: f for f in builtin["flags"]}
    merged["flags"] = [
        {
            **flag,
            "when": rules[flag["id"]]["when"],
            **(
                {"escalate": rules[flag["id"]]["escalate"]}
                if "escalate" in rules[flag["id"]] and "escalate" not in flag
                else {}
            ),
        }
        if "when" not in flag and flag["id"] in rules
        else flag
        for flag in merged["flags"]
    ]
    return merged


BUILTIN_NAME = "scoring/data/rubric.yaml"


def load_rubric(path: Path | None = None) -> Rubric:
    """Load and validate a rubric; raise RubricError naming file, line and field.

    The file is read as any file named on the command line is (`safefile.read_named`: a
    regular file, not a symlink, pipe or device, at most 1 MiB), and loaded by the proposal
    loader (no aliases, no tags, numbers checked)."""
    source = path or default_rubric_path()
    builtin = os.path.abspath(source) == os.path.abspath(default_rubric_path())
    # The built-in rubric is named as the package names it, wherever the package is
    # installed and whatever the working folder: the scoring-method page shows this name,
    # and a published page must not carry the build machine's paths.
    display = BUILTIN_NAME if builtin else str(source)
    with contextlib.suppress(ValueError):  # a file under the working folder is named from it
        if not builtin:
            display = str(Path(source).relative_to(Path.cwd()))
    try:
        raw = read_named(Path(source), RUBRIC, display)
    except InputError as error:
        raise RubricError([Problem(display, 0, 0, "", error.message, "unreadable")]) from None
    return _load_cached(display, raw, builtin)


# Keyed by the file's content, not its modification time: an edit that keeps the time (or
# a file swapped for another) is still read again.
@lru_cache(maxsize=8)
def _load_cached(display: str, raw: bytes, builtin: bool) -> Rubric:
    result = load_bytes(raw, display)
    if result.document is None or result.problems:
        raise RubricError(result.problems)
    document = result.document
    problems = numbers_too_large(document, display) or checker_for(rubric_schema()).problems(
        document, display
    )
    if problems:
        raise RubricError(problems)
    problems = _cross_check(document.data, display, document.position)
    if problems:
        raise RubricError(problems)
    return _build(_with_defaults(document.data, None if builtin else _builtin_data()), display)


@lru_cache(maxsize=1)
def _builtin_data() -> dict[str, Any]:
    data: dict[str, Any] = load_trusted(default_rubric_path().read_text("utf-8"))
    return data
