"""Turn proposals into the numeric inputs of scoring: one row per proposal.

This is the only place that reads proposal fields for scoring. Everything after it works on
DataFrames, so scoring 10,000 proposals is a handful of vectorised operations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.proposals.proposal import Proposal
from scoring.rubric import Criterion, Rubric

ROLES = ("product_owner", "data_scientist", "data_engineer", "backend_engineer", "qa_engineer",
         "research_engineer", "subject_matter_expert")
VACANT = {"", "vacant", "tbd", "none", "unknown", "?"}
ANSWER_VALUE = {"yes": 1.0, "partial": 0.5, "no": 0.0}


@dataclass
class Features:
    """Everything scoring needs, indexed by proposal id.

    levels:       criterion levels 0–4 for non-checklist criteria (NaN = unanswered)
    items:        checklist answers as 1 / 0.5 / 0 (NaN = unknown), columns "checklist.item"
    applicable:   False where an item is answered n/a
    risk:         severity x likelihood 0–16 for rated risk factors (NaN = unrated)
    facts:        booleans and values the caps and flags need
    """

    levels: pd.DataFrame
    items: pd.DataFrame
    applicable: pd.DataFrame
    risk: pd.DataFrame
    facts: pd.DataFrame


def is_answered(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict, tuple)):
        return len(value) > 0
    return True


def filled_roles(proposal: Proposal) -> dict[str, str]:
    roles = proposal.get("roles") or {}
    return {role: str(name).strip() for role, name in roles.items()
            if str(name).strip().lower() not in VACANT}


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
    value = proposal.get("value") or {}
    annual = value.get("annual_value")
    one_off = value.get("one_off_cost")
    running = value.get("annual_running_cost")
    # A missing amount is unknown, not zero: reading it as 0 would flatter the return.
    if annual is None or one_off is None or running is None:
        return {"roi": None, "payback_months": None}
    one_off = float(one_off)
    running = float(running)
    years = rubric.roi_horizon_years
    cost = one_off + years * running
    if annual <= 0:  # no value claimed: no return, whatever the cost
        return {"roi": -1.0, "payback_months": math.inf}
    roi = math.inf if cost == 0 else (years * annual - cost) / cost
    monthly_net = (annual - running) / 12
    payback = math.inf if monthly_net <= 0 else one_off / monthly_net
    return {"roi": roi, "payback_months": payback}


def computed_level(proposal: Proposal, criterion: Criterion, rubric: Rubric) -> float | None:
    if criterion.kind in ("roi", "payback"):
        figures = money_figures(proposal, rubric)
        figure = figures["roi" if criterion.kind == "roi" else "payback_months"]
        if figure is None:
            return None
        level: float = _banded(figure, criterion.bands, ascending=criterion.kind == "roi")
        if (proposal.get("value") or {}).get("confidence") == "low":
            level = max(0, level - rubric.low_confidence_penalty)
        return float(level)
    if criterion.kind == "team_coverage":
        if not is_answered(proposal.get("roles")):
            return None
        filled = filled_roles(proposal)
        level = 4.0 * len(filled) / len(ROLES)
        if distinct_people(filled) <= 1:
            level = min(level, 1.0)
        return round(level, 4)
    raise ValueError(f"unknown computed criterion kind {criterion.kind!r}")


def criterion_level(proposal: Proposal, criterion: Criterion, rubric: Rubric) -> float | None:
    if criterion.kind != "evidence":
        return computed_level(proposal, criterion, rubric)
    level, _ = evidence_level(proposal, criterion.id)
    if level is not None:
        return level
    # Written down without a stated evidence level counts as "asserted".
    return 1.0 if is_answered(proposal.get(criterion.answer)) else None


FACT_COLUMNS = ["has_granted_source", "leakage_exposed", "has_split_plan", "oversight",
                "roles_given", "distinct_people", "has_sme", "has_online_plan", "personal_data",
                "privacy_review", "labels", "has_labelling_plan", "uses_llm", "has_golden_set",
                "has_sponsor", "affected_groups", "results_by_group"]


def _facts(proposal: Proposal) -> dict[str, Any]:
    sources = proposal.get("data.sources") or []
    roles = filled_roles(proposal)
    return {
        "has_granted_source": any(s.get("access") == "granted" for s in sources),
        "leakage_exposed": bool(proposal.get("data.leakage_exposure")),
        "has_split_plan": is_answered(proposal.get("data.split_plan")),
        "oversight": proposal.get("risks.human_oversight") or "unknown",
        "roles_given": is_answered(proposal.get("roles")),
        "distinct_people": distinct_people(roles),
        "has_sme": "subject_matter_expert" in roles,
        "has_online_plan": is_answered(proposal.get("delivery.online_metrics"))
        or is_answered(proposal.get("delivery.ab_plan")),
        "personal_data": proposal.get("risks.personal_data") is True,
        "privacy_review": proposal.get("risks.privacy_review") or "unknown",
        "labels": proposal.get("data.labels") or "unknown",
        "has_labelling_plan": is_answered(proposal.get("data.labelling_plan")),
        "uses_llm": proposal.get("delivery.uses_llm") is True,
        "has_golden_set": is_answered(proposal.get("data.golden_set")),
        "has_sponsor": is_answered(proposal.sponsor),
        "affected_groups": len(proposal.get("risks.affected_groups") or []),
        "results_by_group": (proposal.get("checklists.responsible_ai") or {}).get(
            "results_by_group", "unknown"),
    }


def extract(proposals: Sequence[Proposal], rubric: Rubric) -> Features:
    ids = [p.id for p in proposals]
    direct = [c for c in rubric.criteria if c.kind != "checklist"]
    item_columns = [f"{cl.id}.{item.id}" for cl in rubric.checklists for item in cl.items]
    rated = [f for f in rubric.risk_factors if f.kind == "rated"]
    level_rows, item_rows, applicable_rows, risk_rows, fact_rows = [], [], [], [], []
    for proposal in proposals:
        level_rows.append([criterion_level(proposal, c, rubric) for c in direct])
        answers = proposal.get("checklists") or {}
        item_row, applicable_row = [], []
        for checklist in rubric.checklists:
            given = answers.get(checklist.id) or {}
            for item in checklist.items:
                answer = given.get(item.id, "unknown")
                item_row.append(ANSWER_VALUE.get(answer, math.nan))
                applicable_row.append(answer != "n/a")
        item_rows.append(item_row)
        applicable_rows.append(applicable_row)
        factors = proposal.get("risks.factors") or {}
        risk_rows.append([
            float(factors[f.id]["severity"] * factors[f.id]["likelihood"]) if f.id in factors
            else None
            for f in rated
        ])
        fact_rows.append(_facts(proposal))
    index = pd.Index(ids, name="id")
    return Features(
        levels=pd.DataFrame(level_rows, index=index, columns=[c.id for c in direct],
                            dtype="float64"),
        items=pd.DataFrame(item_rows, index=index, columns=item_columns, dtype="float64"),
        applicable=pd.DataFrame(applicable_rows, index=index, columns=item_columns, dtype=bool),
        risk=pd.DataFrame(risk_rows, index=index, columns=[f.id for f in rated],
                          dtype="float64"),
        facts=pd.DataFrame(fact_rows, index=index, columns=FACT_COLUMNS),
    )
