"""Score features with the rubric: dimension scores, confidence, caps, priority and quadrant.

Every proposal is scored on its own row, so adding or removing a proposal never changes
another's score. All arithmetic is vectorised over the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import Features
from .rubric import QUADRANTS, Rubric

MAX_LEVEL = 4.0
MAX_RISK = 16.0
SCORE_COLUMNS = ("desirability", "profitability", "feasibility", "risk")


def checklist_shares(items: pd.DataFrame, applicable: pd.DataFrame,
                     checklist_ids: tuple[str, ...]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Done share, answered share and applicable count over the named checklists.

    yes counts 1, partial 0.5, no and unknown 0; n/a items drop out. With nothing applicable
    the done share is NaN: marking everything n/a must not look like a finished checklist.
    """
    columns = [c for c in items.columns if c.split(".", 1)[0] in checklist_ids]
    answers = items[columns]
    mask = applicable[columns]
    n_applicable = mask.sum(axis=1).astype("float64")
    done = answers.fillna(0.0).where(mask, 0.0).sum(axis=1)
    answered = (answers.notna() & mask).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        done_share = (done / n_applicable).where(n_applicable > 0)
        answered_share = (answered / n_applicable).where(n_applicable > 0, 0.0)
    return done_share, answered_share, n_applicable


def criterion_levels(features: Features, rubric: Rubric) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Levels (NaN = unanswered) and answered shares for every criterion."""
    items = features.items
    levels = {}
    answered = {}
    for criterion in rubric.criteria:
        if criterion.kind == "checklist":
            done, share, _ = checklist_shares(items, features.applicable, criterion.checklists)
            levels[criterion.id] = (done * MAX_LEVEL).where(share > 0)
            answered[criterion.id] = share
        else:
            column = features.levels[criterion.id]
            levels[criterion.id] = column
            answered[criterion.id] = column.notna().astype("float64")
    return pd.DataFrame(levels), pd.DataFrame(answered)


def risk_values(features: Features, rubric: Rubric) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Severity x likelihood per factor, unknowns replaced by the rubric's assumption."""
    items = features.items
    risk = features.risk
    assumed = float(rubric.unknown_severity * rubric.unknown_likelihood)
    values = {}
    answered = {}
    for factor in rubric.risk_factors:
        if factor.kind == "open_pitfalls":
            done, share, n_applicable = checklist_shares(items, features.applicable,
                                                         factor.checklists)
            open_share = 1.0 - done
            values[factor.id] = (open_share * MAX_RISK).where(n_applicable > 0, assumed)
            answered[factor.id] = share
        else:
            column = risk[factor.id]
            values[factor.id] = column.fillna(assumed)
            answered[factor.id] = column.notna().astype("float64")
    return pd.DataFrame(values), pd.DataFrame(answered)


def _weighted(frame: pd.DataFrame, weights: dict[str, float], scale: float) -> pd.Series:
    total = sum(weights.values())
    if total == 0:
        return pd.Series(0.0, index=frame.index)
    summed = sum(frame[c].fillna(0.0) * w for c, w in weights.items())
    return summed / (total * scale) * 100.0


def _confidence(answered: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    total = sum(weights.values())
    if total == 0:
        return pd.Series(1.0, index=answered.index)
    return sum(answered[c] * w for c, w in weights.items()) / total


def cap_conditions(features: Features, levels: pd.DataFrame,
                   risk: pd.DataFrame) -> dict[str, pd.Series]:
    """For each cap id, which proposals trigger it."""
    facts = features.facts

    def missing(criterion_id: str) -> pd.Series:
        if criterion_id not in levels:
            return pd.Series(False, index=levels.index)
        return levels[criterion_id].fillna(0.0) <= 0

    harm = risk["harm_if_wrong"] if "harm_if_wrong" in risk else pd.Series(
        np.nan, index=levels.index)
    return {
        "no_decision_or_metric": missing("decision_named") | missing("business_metric"),
        "no_data_access": ~facts["has_granted_source"].astype(bool),
        "harm_without_oversight": (harm.fillna(0.0) >= 12)
        & facts["oversight"].isin(["none", "unknown"]),
        "leakage_without_split": facts["leakage_exposed"].astype(bool)
        & ~facts["has_split_plan"].astype(bool),
    }


def score(features: Features, rubric: Rubric) -> pd.DataFrame:
    """One row of scores per proposal, unrounded (see ``rounded``)."""
    levels, answered = criterion_levels(features, rubric)
    risk, risk_answered = risk_values(features, rubric)
    result = pd.DataFrame(index=features.levels.index)
    for dimension in ("desirability", "profitability", "feasibility"):
        weights = {c.id: c.weight for c in rubric.criteria_for(dimension)}
        result[dimension] = _weighted(levels, weights, MAX_LEVEL)
        result[f"{dimension}_confidence"] = _confidence(answered, weights)
    risk_weights = {f.id: f.weight for f in rubric.risk_factors}
    result["risk"] = _weighted(risk, risk_weights, MAX_RISK)
    result["risk_confidence"] = _confidence(risk_answered, risk_weights)

    conditions = cap_conditions(features, levels, features.risk)
    applied = pd.Series("", index=result.index)
    for cap in rubric.caps:
        hit = conditions[cap.id]
        if cap.applies_to != "priority":
            result[cap.applies_to] = result[cap.applies_to].where(
                ~hit, np.minimum(result[cap.applies_to], cap.max))
        applied = applied.where(~hit, applied + cap.id + " ")

    pw = rubric.priority_weights
    base = sum(result[d] * w for d, w in pw.items()) / sum(pw.values())
    result["priority"] = base * (1.0 - rubric.risk_discount * result["risk"] / 100.0)
    for cap in rubric.caps:
        if cap.applies_to == "priority":
            hit = conditions[cap.id]
            result["priority"] = result["priority"].where(
                ~hit, np.minimum(result["priority"], cap.max))
    result["caps"] = applied.str.strip()

    impact_weight = pw["desirability"] + pw["profitability"]
    result["impact"] = (result["desirability"] * pw["desirability"]
                        + result["profitability"] * pw["profitability"]) / (impact_weight or 1.0)
    result["delivery_risk"] = (result["risk"] + (100.0 - result["feasibility"])) / 2.0
    high_impact = result["impact"] >= rubric.quadrants.impact_threshold
    high_risk = result["delivery_risk"] >= rubric.quadrants.risk_threshold
    result["quadrant"] = np.select(
        [high_impact & ~high_risk, high_impact & high_risk, ~high_impact & ~high_risk],
        list(QUADRANTS[:3]), default=QUADRANTS[3])
    strengths = pd.DataFrame({
        "desirability": result["desirability"],
        "profitability": result["profitability"],
        "feasibility": result["feasibility"],
        "risk": 100.0 - result["risk"],
    })
    result["weakest"] = strengths.idxmin(axis=1)
    result["confidence"] = result[[f"{d}_confidence" for d in SCORE_COLUMNS]].mean(axis=1)
    return result


def rounded(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores as published: one decimal, confidences two. Rounding last keeps it stable."""
    out = scores.copy()
    for column in out.columns:
        if out[column].dtype.kind != "f":
            continue
        out[column] = out[column].round(2 if column.endswith("confidence") else 1)
    return out
