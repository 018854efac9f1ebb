"""Turn proposals into the numeric inputs of scoring: one row per proposal.

This is the only place that reads proposal fields for scoring. Everything after it works on
arrays, so scoring 10,000 proposals is a handful of vectorised operations. An unanswered
question stays NaN here; the estimates stage gives it the rubric's prior.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.model.money import money_estimate
from scoring.model.prose import read_with_suggestion
from scoring.model.rules import (
    SEVERITY_POINTS,
    FieldColumns,
    RuleTable,
    is_answered,
    severities_and_reach,
    uses_scores,
)
from scoring.model.stakes import StakesAssessment, assess_stakes, could_raise, settled_stakes
from scoring.proposals.proposal import Proposal
from scoring.rubric import Checklist, Criterion, Rubric

ROLES = (
    "product_owner",
    "data_scientist",
    "data_engineer",
    "backend_engineer",
    "qa_engineer",
    "research_engineer",
    "subject_matter_expert",
)
VACANT = {"", "vacant", "tbd", "none", "unknown", "?"}
ANSWER_VALUE = {"yes": 1.0, "partial": 0.5, "no": 0.0}
VALUE_SCALE = {"negligible": 0.0, "minor": 1.0, "moderate": 2.0, "major": 3.0, "exceptional": 4.0}
ONLINE_SERVING = ("online", "streaming", "embedded")
# A new system around the model is most of the work (and the failure points) of shipping it;
# a swap into a system already in production is the least. Monitoring adds one level.
DELIVERY_PATH = {"new_system": 1, "existing_pipeline": 2, "model_swap": 3}
# Oversight under which an outcome takes effect without a person looking at it: review only
# when the person affected asks leaves every other outcome unreviewed.
UNREVIEWED_OVERSIGHT = ("none", "review-on-request")
# Access that lets the system run on a source: a supplier's proprietary data feeds the
# system even though the team cannot inspect it.
USABLE_ACCESS = ("granted", "proprietary")
# Checklist items that only make sense for a trained model. For a system of rules written by
# people they count as n/a unless the proposal answers them.
TRAINING_ITEMS = frozenset(
    {
        ("data", "split_mirrors_use"),
        ("model_to_product", "shared_feature_code"),
        ("model_to_product", "reproducible_training"),
        ("offline_online", "evaluated_after_training_period"),
        ("team", "research_engineering"),
    }
)


@dataclass
class Features:
    """Everything scoring needs, indexed by proposal id.

    levels:       criterion levels 0–4 for non-checklist criteria (NaN = unanswered)
    level_sd:     spread of a computed level (money ranges); 0 for stated answers
    items:        checklist answers as 1 / 0.5 / 0 (NaN = unknown), columns "checklist.item"
    applicable:   False where an item is answered n/a
    risk:         severity x likelihood as risk points 0–100 for rated factors (NaN = unrated)
    stakes:       one assessment per proposal: class, inherent and residual risk
    facts:        values the caps and flag rules need
    findings:     risk points of the flags its answers raise (NaN when none fires)
    raised:       each answer-based rule's severity per proposal (None where it does not fire)
    could:        each answer-based rule's highest severity once the open questions are
                  answered (None where no answer could make it fire)
    findings_high: risk points of every flag that fires or could (NaN when none)
    findings_least: the least the findings factor could be once present: as it is, or the
                  mildest flag that could fire when none fires (NaN when none could)
    """

    levels: pd.DataFrame
    level_sd: pd.DataFrame
    items: pd.DataFrame
    applicable: pd.DataFrame
    risk: pd.DataFrame
    stakes: list[StakesAssessment]
    facts: pd.DataFrame
    findings: pd.Series
    raised: dict[str, list[str | None]]
    could: dict[str, list[str | None]]
    findings_high: pd.Series
    findings_least: pd.Series


def checklist_answer(proposal: Proposal, checklist_id: str, item_id: str) -> str:
    """A checklist item's answer as scoring reads it: as given, else unknown, except the
    training items of a rules-based system, which are n/a until answered."""
    given = (proposal.get("checklists") or {}).get(checklist_id) or {}
    return _item_answer(given, checklist_id, item_id, proposal.get("delivery.approach") == "rules")


def _item_answer(given: dict[str, Any], checklist_id: str, item_id: str, rules: bool) -> str:
    answer = given.get(item_id)
    if answer is not None:
        return str(answer)
    if rules and (checklist_id, item_id) in TRAINING_ITEMS:
        return "n/a"
    return "unknown"


def filled_roles(proposal: Proposal) -> dict[str, str]:
    roles = proposal.get("roles") or {}
    return {
        role: str(name).strip()
        for role, name in roles.items()
        if str(name).strip().lower() not in VACANT
    }


def distinct_people(roles: dict[str, str]) -> int:
    """How many different people hold the filled roles (names compared case-blind)."""
    return len({name.lower() for name in roles.values()})


def evidence_level(proposal: Proposal, criterion_id: str) -> tuple[float | None, str | None]:
    entry = (proposal.get("evidence") or {}).get(criterion_id)
    if entry is None:
        return None, None
    if isinstance(entry, dict):
        return float(entry["level"]), entry.get("note")
    return float(entry), None


def _banded(value: float, bands: Sequence[float], *, ascending: bool) -> int:
    """Level 0–4: how many band edges the value clears."""
    if ascending:
        return sum(1 for edge in bands if value >= edge)
    return sum(1 for edge in bands if value <= edge)


def money_figures(proposal: Proposal, rubric: Rubric) -> dict[str, float | None]:
    """Return on investment over the horizon and payback months, when the numbers allow."""
    estimate = money_estimate(proposal, rubric)
    if estimate is None:
        return {"roi": None, "payback_months": None}
    return {"roi": estimate.roi, "payback_months": estimate.payback_months}


_LAST_MONEY: list[Any] = [None, None, None]  # proposal, rubric, estimate


def _money(proposal: Proposal, rubric: Rubric) -> Any:
    """``money_estimate``, worked out once for the return and the payback criterion of the
    same proposal (they are read one after the other)."""
    if _LAST_MONEY[0] is not proposal or _LAST_MONEY[1] is not rubric:
        _LAST_MONEY[:] = [proposal, rubric, money_estimate(proposal, rubric)]
    return _LAST_MONEY[2]


def computed_level(
    proposal: Proposal, criterion: Criterion, rubric: Rubric
) -> tuple[float | None, float]:
    """A computed criterion's level and the spread of that level (0 when exact)."""
    if criterion.kind in ("roi", "payback"):
        estimate = _money(proposal, rubric)
        if estimate is None:
            return None, 0.0
        ascending = criterion.kind == "roi"
        point, low, high = (
            (estimate.roi, estimate.roi_low, estimate.roi_high)
            if ascending
            else (estimate.payback_months, estimate.payback_high, estimate.payback_low)
        )
        level = float(_banded(point, criterion.bands, ascending=ascending))
        spread = _banded(high, criterion.bands, ascending=ascending) - _banded(
            low, criterion.bands, ascending=ascending
        )
        if (proposal.get("value") or {}).get("confidence") == "low":
            level = max(0.0, level - rubric.low_confidence_penalty)
        # The P10–P90 range of levels spans about 2.56 standard deviations.
        return level, abs(spread) / 2.56
    if criterion.kind == "team_coverage":
        if not is_answered(proposal.get("roles")):
            return None, 0.0
        filled = filled_roles(proposal)
        level = 4.0 * len(filled) / len(ROLES)
        if distinct_people(filled) <= 1:
            level = min(level, 1.0)
        return round(level, 4), 0.0
    if criterion.kind == "value_scale":
        scale = proposal.get("value.scale")
        return (VALUE_SCALE[scale], 0.0) if scale in VALUE_SCALE else (None, 0.0)
    if criterion.kind == "delivery_path":
        builds_on = proposal.get("delivery.builds_on")
        if builds_on is None:
            return None, 0.0
        monitored = bool(proposal.get("delivery.existing_system_monitored"))
        return float(
            DELIVERY_PATH[builds_on] + (1 if monitored and builds_on != "new_system" else 0)
        ), 0.0
    raise ValueError(f"unknown computed criterion kind {criterion.kind!r}")


def criterion_level(
    proposal: Proposal,
    criterion: Criterion,
    rubric: Rubric,
    evidence: dict[str, Any] | None = None,
) -> tuple[float | None, float]:
    """A criterion's level and spread; ``evidence`` is the proposal's evidence section when
    already read (scoring reads it once per proposal, not once per criterion)."""
    if criterion.kind != "evidence":
        return computed_level(proposal, criterion, rubric)
    entry = (proposal.get("evidence") or {} if evidence is None else evidence).get(criterion.id)
    return _evidence_level(entry, proposal.get(criterion.answer), criterion, rubric)


def _evidence_level(
    entry: Any, answer: Any, criterion: Criterion, rubric: Rubric
) -> tuple[float | None, float]:
    """An evidence criterion's level and spread from its evidence entry (if any) and the
    answer it reads."""
    if entry is not None:
        return (float(entry["level"]) if isinstance(entry, dict) else float(entry)), 0.0
    if isinstance(answer, str) and answer in criterion.answer_levels:
        return float(criterion.answer_levels[answer]), 0.0
    if not is_answered(answer):
        return None, 0.0
    # Written down without a stated evidence level: at least asserted, the rest unknown.
    asserted = rubric.uncertainty.asserted
    return asserted.mean, asserted.sd


FACT_COLUMNS = [
    "roles_given",
    "distinct_people",
    "has_sme",
    "online_launch",
    "automated",
    "high_stakes_area",
    "risk_class",
    "has_granted_source",
    "all_access_refused",
    "has_sources",
    "leakage_exposed",
    "has_split_plan",
    "oversight",
    "automation",
    "stage",
    "experiment_gated",
]
# A running system the change goes into: an experiment there compares it with what runs now.
RUNNING_PLATFORM = ("existing_pipeline", "model_swap")


def _facts(proposal: Proposal, stakes: StakesAssessment) -> dict[str, Any]:
    sources = proposal.get("data.sources") or []
    roles = filled_roles(proposal)
    oversight = proposal.get("risks.human_oversight") or "unknown"
    automation = proposal.get("problem.automation") or "unknown"
    return {
        "roles_given": is_answered(proposal.get("roles")),
        "distinct_people": distinct_people(roles),
        "has_sme": "subject_matter_expert" in roles,
        "online_launch": proposal.get("delivery.serving") in ONLINE_SERVING
        or is_answered(proposal.get("delivery.ab_plan")),
        "automated": automation == "automate" or oversight in UNREVIEWED_OVERSIGHT,
        "high_stakes_area": stakes.high_stakes_area,
        "risk_class": stakes.risk_class,
        "has_granted_source": any(s.get("access") in USABLE_ACCESS for s in sources),
        "all_access_refused": bool(sources) and all(s.get("access") == "refused" for s in sources),
        "has_sources": bool(sources),
        "leakage_exposed": bool(proposal.get("data.leakage_exposure")),
        "has_split_plan": is_answered(proposal.get("data.split_plan")),
        "oversight": oversight,
        "automation": automation,
        "stage": proposal.stage,
        "experiment_gated": experiment_gated(proposal, stakes),
    }


def experiment_gated(proposal: Proposal, stakes: StakesAssessment) -> bool:
    """A minimal-class change, not said to be hard to undo, that ships into a running system
    behind a randomised experiment with guardrail metrics (issue 24, item 6): the experiment
    bounds what it can break and measures what it gains."""
    reversibility = settled_stakes(proposal).get("reversibility")
    return (
        stakes.risk_class == "minimal"
        and reversibility not in ("costly", "irreversible")
        and is_answered(proposal.get("delivery.ab_plan"))
        and is_answered(proposal.get("delivery.guardrails"))
        and proposal.get("delivery.builds_on") in RUNNING_PLATFORM
    )


def _rule_facts(
    proposal: Proposal, stakes: StakesAssessment, facts: dict[str, Any], rubric: Rubric
) -> dict[str, Any]:
    """The facts as rules read them: None (open) where the answers left out could change
    them, so a rule never fires on what a proposal leaves out."""
    ruled = dict(facts)
    settled = settled_stakes(proposal)
    if stakes.risk_class == "unassessed" or could_raise(settled, stakes.risk_class, rubric):
        ruled["risk_class"] = None
    if settled.get("area") is None and not stakes.high_stakes_area:
        ruled["high_stakes_area"] = None
    automation = proposal.get("problem.automation")
    oversight = proposal.get("risks.human_oversight")
    if not facts["automated"] and (automation is None or oversight is None):
        ruled["automated"] = None
    return ruled


def extract(proposals: Sequence[Proposal], rubric: Rubric) -> Features:
    # Scoring reads each proposal with the fields its own words settle (prose.py), and the
    # class its words suggest, from one reading of its words.
    read = [read_with_suggestion(proposal, rubric) for proposal in proposals]
    proposals = [proposal for proposal, _ in read]
    ids = [p.id for p in proposals]
    direct = [c for c in rubric.criteria if c.kind != "checklist"]
    item_columns = [f"{cl.id}.{item.id}" for cl in rubric.checklists for item in cl.items]
    rated = [f for f in rubric.risk_factors if f.kind == "rated"]
    level_rows, sd_rows, item_rows, applicable_rows, risk_rows, fact_rows = [], [], [], [], [], []
    stakes_list: list[StakesAssessment] = []
    rule_fact_rows: list[dict[str, Any]] = []
    # A checklist left out reads the same for every proposal (of one approach): worked out
    # once, as most rows of an imported register answer none.
    unanswered = {
        (checklist.id, rules_based): _checklist_row(checklist, {}, rules_based)
        for checklist in rubric.checklists
        for rules_based in (False, True)
    }
    # The answers the evidence criteria read, a column each: sections read once.
    fields = FieldColumns(proposals)
    answers = [fields.column(c.answer) if c.kind == "evidence" else None for c in direct]
    for row, proposal in enumerate(proposals):
        evidence = proposal.get("evidence") or {}
        computed = [
            computed_level(proposal, c, rubric)
            if column is None
            else _evidence_level(evidence.get(c.id), column[row], c, rubric)
            for c, column in zip(direct, answers, strict=True)
        ]
        level_rows.append([level for level, _ in computed])
        sd_rows.append([spread for _, spread in computed])
        item_row, applicable_row = [], []
        # Each checklist read once per proposal, not once per item.
        checklists = proposal.get("checklists") or {}
        rules_based = proposal.get("delivery.approach") == "rules"
        for checklist in rubric.checklists:
            given = checklists.get(checklist.id) or {}
            values, applies = (
                _checklist_row(checklist, given, rules_based)
                if given
                else unanswered[checklist.id, rules_based]
            )
            item_row += values
            applicable_row += applies
        item_rows.append(item_row)
        applicable_rows.append(applicable_row)
        factors = proposal.get("risks.factors") or {}
        risk_rows.append(
            [
                float(factors[f.id]["severity"] * factors[f.id]["likelihood"]) * 100.0 / 16.0
                if f.id in factors
                else None
                for f in rated
            ]
        )
        stakes = assess_stakes(proposal, rubric, read[len(stakes_list)][1])
        stakes_list.append(stakes)
        fact_rows.append(_facts(proposal, stakes))
        rule_fact_rows.append(_rule_facts(proposal, stakes, fact_rows[-1], rubric))
    index = pd.Index(ids, name="id")
    facts = pd.DataFrame(fact_rows, index=index, columns=FACT_COLUMNS)
    levels = _numbers(level_rows, index, [c.id for c in direct], "float64")
    table = RuleTable(
        proposals,
        {c: [row[c] for row in rule_fact_rows] for c in FACT_COLUMNS},
        {c: levels[c].tolist() for c in levels.columns},
        fields=fields,
    )
    on_answers = [rule for rule in rubric.flags if rule.when and not uses_scores(rule.when)]
    graded = {rule.id: severities_and_reach(rule, table) for rule in on_answers}
    raised = {rule_id: now for rule_id, (now, _) in graded.items()}
    could = {rule_id: reach for rule_id, (_, reach) in graded.items()}
    return Features(
        levels=levels,
        level_sd=_numbers(sd_rows, index, [c.id for c in direct], "float64"),
        items=_numbers(item_rows, index, item_columns, "float64"),
        applicable=_numbers(applicable_rows, index, item_columns, "bool"),
        risk=_numbers(risk_rows, index, [f.id for f in rated], "float64"),
        stakes=stakes_list,
        facts=facts,
        findings=pd.Series(_findings(raised, len(ids)), index=index, dtype="float64"),
        raised=raised,
        could=could,
        findings_high=pd.Series(_findings(could, len(ids)), index=index, dtype="float64"),
        findings_least=pd.Series(
            _least(raised, _mildest(on_answers, could), len(ids)), index=index, dtype="float64"
        ),
    )


def _numbers(
    rows: list[list[Any]], index: pd.Index, columns: list[str], dtype: str
) -> pd.DataFrame:
    """A frame of one dtype from rows (None is NaN), through one numpy array: pandas reads
    a list of lists column by column, which costs more than the scoring around it."""
    values = np.array(rows, dtype=dtype).reshape(len(rows), len(columns))
    return pd.DataFrame(values, index=index, columns=columns)


def _checklist_row(
    checklist: Checklist, given: dict[str, Any], rules_based: bool
) -> tuple[list[float], list[bool]]:
    """A checklist's answers as scoring reads them (1 / 0.5 / 0, NaN when unknown) and
    whether each item applies (not n/a)."""
    values, applies = [], []
    for item in checklist.items:
        answer = _item_answer(given, checklist.id, item.id, rules_based)
        values.append(ANSWER_VALUE.get(answer, math.nan))
        applies.append(answer != "n/a")
    return values, applies


def _findings(raised: dict[str, list[str | None]], n: int) -> list[float]:
    """Known pitfalls raise risk. Each flag the answers raise is read as an independent
    chance of failure (its severity's points out of 100), combined as a noisy-OR: two medium
    pitfalls are worse than one. None raised is not evidence of safety, so the factor is
    then left out."""
    survive = [1.0] * n
    any_raised = [False] * n
    for column in raised.values():
        if column.count(None) == len(column):
            continue  # a rule no proposal raises: most, in a register
        for i, severity in enumerate(column):
            if severity is not None:
                any_raised[i] = True
                survive[i] *= 1.0 - SEVERITY_POINTS[severity] / 100.0
    return [
        100.0 * (1.0 - s) if hit else float("nan")
        for s, hit in zip(survive, any_raised, strict=True)
    ]


def _mildest(
    rules: Sequence[Any], could: dict[str, list[str | None]]
) -> dict[str, list[str | None]]:
    """Each rule's own severity where it could fire: the mildest it could raise."""
    return {
        rule.id: list(column)
        if (column := could[rule.id]).count(None) == len(column)
        else [None if c is None else rule.severity for c in column]
        for rule in rules
    }


def _least(
    raised: dict[str, list[str | None]], could: dict[str, list[str | None]], n: int
) -> list[float]:
    """The least the findings factor could be once a flag is raised: as it is where flags
    fire, else the mildest flag the open questions could raise (NaN when none could). A
    mild flag can lower the risk figure (it joins the mean of the factors), so the range
    makes room for that too."""
    fired = _findings(raised, n)
    least = [math.nan] * n
    for column in could.values():
        if column.count(None) == len(column):
            continue
        for i, severity in enumerate(column):
            if severity is not None:
                points = SEVERITY_POINTS[severity]
                least[i] = points if math.isnan(least[i]) else min(least[i], points)
    return [f if not math.isnan(f) else m for f, m in zip(fired, least, strict=True)]
