"""Score features with the rubric: dimension scores, confidence, caps, priority and quadrant.

Every proposal is scored on its own row, so adding or removing a proposal never changes
another's score. All arithmetic is vectorised over the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.model.features import Features
from scoring.rubric import QUADRANTS, Rubric

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
    summed = pd.Series(0.0, index=frame.index)
    for column, weight in weights.items():
        summed = summed + frame[column].fillna(0.0) * weight
    return summed / (total * scale) * 100.0


def _confidence(answered: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    total = sum(weights.values())
    if total == 0:
        return pd.Series(1.0, index=answered.index)
    summed = pd.Series(0.0, index=answered.index)
    for column, weight in weights.items():
        summed = summed + answered[column] * weight
    return summed / total


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


@dataclass
class RawScores:
    """Uncapped dimension scores and cap conditions as arrays, before priority is derived."""

    levels: pd.DataFrame
    answered: pd.DataFrame
    risk_values: pd.DataFrame
    risk_answered: pd.DataFrame
    dims: dict[str, np.ndarray]
    risk: np.ndarray
    conditions: dict[str, np.ndarray]


def dimension_factor(rubric: Rubric, criterion_id: str) -> float:
    """Points one level of a criterion adds to its dimension: w / (4 x sum of weights) x 100."""
    criterion = rubric.criterion(criterion_id)
    assert criterion is not None
    total = sum(c.weight for c in rubric.criteria_for(criterion.dimension))
    return 0.0 if total == 0 else criterion.weight / (MAX_LEVEL * total) * 100.0


def risk_factor_weight(rubric: Rubric, factor_id: str) -> float:
    """Risk points per unit of severity x likelihood: w / (16 x sum of weights) x 100."""
    total = sum(f.weight for f in rubric.risk_factors)
    weight = next(f.weight for f in rubric.risk_factors if f.id == factor_id)
    return 0.0 if total == 0 else weight / (MAX_RISK * total) * 100.0


def raw_scores(features: Features, rubric: Rubric) -> RawScores:
    levels, answered = criterion_levels(features, rubric)
    risk, risk_answered = risk_values(features, rubric)
    dims = {}
    for dimension in ("desirability", "profitability", "feasibility"):
        weights = {c.id: c.weight for c in rubric.criteria_for(dimension)}
        dims[dimension] = _weighted(levels, weights, MAX_LEVEL).to_numpy(dtype="float64")
    risk_weights = {f.id: f.weight for f in rubric.risk_factors}
    risk_score = _weighted(risk, risk_weights, MAX_RISK).to_numpy(dtype="float64")
    conditions = {k: v.to_numpy(dtype=bool)
                  for k, v in cap_conditions(features, levels, features.risk).items()}
    return RawScores(levels, answered, risk, risk_answered, dims, risk_score, conditions)


def finish(dims: dict[str, np.ndarray], risk: np.ndarray, conditions: dict[str, np.ndarray],
           rubric: Rubric) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Apply caps and derive priority. Shared by scoring and 'what would raise' so the two
    can never disagree."""
    capped = dict(dims)
    for cap in rubric.caps:
        if cap.applies_to != "priority":
            capped[cap.applies_to] = np.where(conditions[cap.id],
                                              np.minimum(capped[cap.applies_to], cap.max),
                                              capped[cap.applies_to])
    pw = rubric.priority_weights
    base = sum(capped[d] * w for d, w in pw.items()) / sum(pw.values())
    priority = base * (1.0 - rubric.risk_discount * risk / 100.0)
    for cap in rubric.caps:
        if cap.applies_to == "priority":
            priority = np.where(conditions[cap.id], np.minimum(priority, cap.max), priority)
    return capped, priority


def score(features: Features, rubric: Rubric) -> pd.DataFrame:
    """One row of scores per proposal, unrounded (see ``rounded``)."""
    return score_from(raw_scores(features, rubric), features, rubric)


def score_from(raw: RawScores, features: Features, rubric: Rubric) -> pd.DataFrame:
    """Scores from already computed raw scores, so callers that also need the levels or
    the suggestions compute them only once."""
    capped, priority = finish(raw.dims, raw.risk, raw.conditions, rubric)
    result = pd.DataFrame(index=features.levels.index)
    for dimension in ("desirability", "profitability", "feasibility"):
        weights = {c.id: c.weight for c in rubric.criteria_for(dimension)}
        result[dimension] = capped[dimension]
        result[f"{dimension}_confidence"] = _confidence(raw.answered, weights)
    risk_weights = {f.id: f.weight for f in rubric.risk_factors}
    result["risk"] = raw.risk
    result["risk_confidence"] = _confidence(raw.risk_answered, risk_weights)
    result["priority"] = priority
    names = np.array([" ".join(cap.id for cap in rubric.caps if raw.conditions[cap.id][i])
                      for i in range(len(result))], dtype=object)
    result["caps"] = names if len(result) else pd.Series(dtype=object)
    pw = rubric.priority_weights

    impact_weight = pw["desirability"] + pw["profitability"]
    result["impact"] = (result["desirability"] * pw["desirability"]
                        + result["profitability"] * pw["profitability"]) / (impact_weight or 1.0)
    result["delivery_risk"] = (result["risk"] + (100.0 - result["feasibility"])) / 2.0
    # Classify on the published (rounded) figures, so a card showing impact 50.0 is never
    # placed below a threshold of 50.
    high_impact = result["impact"].round(1) >= rubric.quadrants.impact_threshold
    high_risk = result["delivery_risk"].round(1) >= rubric.quadrants.risk_threshold
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
