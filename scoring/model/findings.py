"""Flags (rule-based findings) and "what would raise this score" suggestions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.model.engine import (
    MAX_LEVEL,
    MAX_RISK,
    RawScores,
    dimension_factor,
    finish,
    risk_factor_weight,
)
from scoring.model.features import Features
from scoring.rubric import Rubric

SEVERITY_ORDER = {"red": 0, "high": 1, "medium": 2, "low": 3}
TOP_SUGGESTIONS = 5


@dataclass(frozen=True)
class Flag:
    id: str
    severity: str
    title: str
    message: str
    playbook: str


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "criterion" or "checklist"
    id: str
    text: str
    current: str
    target: str
    gain: float
    playbook: str


def flag_conditions(features: Features, scores: pd.DataFrame) -> dict[str, pd.Series]:
    facts = features.facts
    levels = features.levels
    beats = levels["beats_baseline"] if "beats_baseline" in levels else pd.Series(
        np.nan, index=levels.index)
    return {
        "one_person_team": facts["roles_given"].astype(bool) & (facts["distinct_people"] == 1),
        "no_baseline": beats.fillna(0.0) <= 0,
        "no_online_plan": ~facts["has_online_plan"].astype(bool),
        "personal_data_without_review": facts["personal_data"].astype(bool)
        & ~facts["privacy_review"].isin(["done", "planned", "not-needed"]),
        "no_labels_no_plan": (facts["labels"] == "none")
        & ~facts["has_labelling_plan"].astype(bool),
        "llm_without_evaluation_set": facts["uses_llm"].astype(bool)
        & ~facts["has_golden_set"].astype(bool),
        "no_sponsor": ~facts["has_sponsor"].astype(bool),
        "no_domain_expert": facts["roles_given"].astype(bool) & ~facts["has_sme"].astype(bool),
        "affected_groups_not_evaluated": (facts["affected_groups"] > 0)
        & (facts["results_by_group"] != "yes"),
        "weakest_link": scores[["desirability", "profitability", "feasibility"]].min(axis=1) < 25,
        "thin_evidence": scores["confidence"] < 0.5,
    }


def flags_for(features: Features, scores: pd.DataFrame, rubric: Rubric) -> dict[str, list[Flag]]:
    """Red flags (caps that fired) first, then rule flags by severity."""
    result: dict[str, list[Flag]] = {pid: [] for pid in scores.index}
    for pid, caps in scores["caps"].items():
        for cap_id in str(caps).split():
            cap = rubric.cap(cap_id)
            if cap:
                result[str(pid)].append(Flag(cap.id, "red", cap.title, cap.message, cap.playbook))
    conditions = flag_conditions(features, scores)
    for rule in rubric.flags:
        hits = conditions[rule.id]
        for pid in hits.index[hits.to_numpy(dtype=bool)]:
            result[str(pid)].append(Flag(rule.id, rule.severity, rule.title, rule.message,
                                         rule.playbook))
    for flags in result.values():
        flags.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
    return result


def _level_text(level: float) -> str:
    return "unanswered" if math.isnan(level) else f"level {level:g}"


_ITEM_TEXT = {0.0: "no", 0.5: "partial", 1.0: "yes"}


@dataclass
class _Candidate:
    kind: str
    id: str
    text: str
    playbook: str
    gain: np.ndarray
    mask: np.ndarray
    current: list[str]
    target: list[str]


def _criterion_candidates(features: Features, raw: RawScores, base: np.ndarray,
                          rubric: Rubric) -> list[_Candidate]:
    found = []
    for criterion in rubric.criteria:
        if criterion.kind != "evidence":
            continue
        column = features.levels[criterion.id].to_numpy(dtype="float64")
        unanswered = np.isnan(column)
        raised = np.where(unanswered, 1.0, np.minimum(np.floor(np.nan_to_num(column)) + 1, 4.0))
        dims = dict(raw.dims)
        dims[criterion.dimension] = dims[criterion.dimension] + dimension_factor(
            rubric, criterion.id) * (raised - np.nan_to_num(column))
        conditions = raw.conditions
        if criterion.id in ("decision_named", "business_metric"):
            other = "business_metric" if criterion.id == "decision_named" else "decision_named"
            other_level = (features.levels[other].to_numpy(dtype="float64")
                           if other in features.levels else np.zeros(len(column)))
            conditions = {**conditions, "no_decision_or_metric":
                          (raised <= 0) | (np.nan_to_num(other_level) <= 0)}
        _, priority = finish(dims, raw.risk, conditions, rubric)
        found.append(_Candidate(
            "criterion", criterion.id, criterion.question, criterion.playbook,
            np.round(priority - base, 1), unanswered | (column < 4),
            [_level_text(v) for v in column], [_level_text(v) for v in raised]))
    return found


def _item_candidates(features: Features, raw: RawScores, base: np.ndarray,
                     rubric: Rubric) -> list[_Candidate]:
    """Answering one item 'yes' moves the checklist criteria and open-pitfall factors that
    count its checklist; each is recomputed from its done share."""
    items = features.items
    applicable = features.applicable
    groups: list[tuple[str, tuple[str, ...], str, str]] = [
        (c.id, c.checklists, "criterion", c.dimension) for c in rubric.criteria
        if c.kind == "checklist"]
    groups += [(f.id, f.checklists, "factor", "risk") for f in rubric.risk_factors
               if f.kind == "open_pitfalls"]
    sums = {}
    for key, checklists, _, _ in groups:
        columns = [c for c in items.columns if c.split(".", 1)[0] in checklists]
        mask = applicable[columns].to_numpy(dtype=bool)
        values = np.nan_to_num(items[columns].to_numpy(dtype="float64"))
        sums[key] = ((values * mask).sum(axis=1), mask.sum(axis=1).astype("float64"))
    found = []
    for checklist in rubric.checklists:
        for item in checklist.items:
            key = f"{checklist.id}.{item.id}"
            value = items[key].to_numpy(dtype="float64")
            is_applicable = applicable[key].to_numpy(dtype=bool)
            open_mask = is_applicable & (np.isnan(value) | (value < 1))
            if not open_mask.any():
                continue
            step = np.where(open_mask, 1.0 - np.nan_to_num(value), 0.0)
            dims = dict(raw.dims)
            risk = raw.risk
            for group_key, checklists, kind, dimension in groups:
                if checklist.id not in checklists:
                    continue
                done, n_applicable = sums[group_key]
                with np.errstate(divide="ignore", invalid="ignore"):
                    new_share = np.where(n_applicable > 0, (done + step) / n_applicable, 0.0)
                if kind == "criterion":
                    old_level = np.nan_to_num(raw.levels[group_key].to_numpy(dtype="float64"))
                    dims[dimension] = dims[dimension] + dimension_factor(
                        rubric, group_key) * (new_share * MAX_LEVEL - old_level)
                else:
                    old_value = raw.risk_values[group_key].to_numpy(dtype="float64")
                    new_value = np.where(n_applicable > 0, (1.0 - new_share) * MAX_RISK,
                                         old_value)
                    risk = risk + risk_factor_weight(rubric, group_key) * (new_value - old_value)
            _, priority = finish(dims, risk, raw.conditions, rubric)
            found.append(_Candidate(
                "checklist", key, item.text, item.playbook, np.round(priority - base, 1),
                open_mask,
                ["unknown" if math.isnan(v) else _ITEM_TEXT.get(v, "yes") for v in value],
                ["yes"] * len(value)))
    return found


def _cap_candidates(raw: RawScores, base: np.ndarray, rubric: Rubric) -> list[_Candidate]:
    """A red flag caps a score whatever else improves, so fixing it is often the step worth
    most: its gain is the priority without that cap."""
    found = []
    for cap in rubric.caps:
        hit = raw.conditions[cap.id]
        if not hit.any():
            continue
        lifted = {**raw.conditions, cap.id: np.zeros_like(hit)}
        _, priority = finish(raw.dims, raw.risk, lifted, rubric)
        count = len(hit)
        found.append(_Candidate("cap", cap.id, f"Resolve the red flag: {cap.title.lower()}",
                                cap.playbook, np.round(priority - base, 1), hit,
                                ["red flag"] * count, ["resolved"] * count))
    return found


def suggestions_for(features: Features, raw: RawScores,
                    rubric: Rubric) -> dict[str, list[Suggestion]]:
    """For each proposal, the open items whose improvement would raise priority most.

    Each candidate (raise one criterion by one level, or answer one checklist item 'yes')
    changes one weighted term, so its effect is computed for every proposal at once with
    the same cap and priority rules as scoring (``engine.finish``).
    """
    ids = [str(pid) for pid in features.levels.index]
    if not ids:
        return {}
    _, base = finish(raw.dims, raw.risk, raw.conditions, rubric)
    candidates = sorted(_criterion_candidates(features, raw, base, rubric)
                        + _item_candidates(features, raw, base, rubric)
                        + _cap_candidates(raw, base, rubric), key=lambda c: c.id)
    if not candidates:
        return {pid: [] for pid in ids}
    gains = np.column_stack([np.where(c.mask & (c.gain > 0), c.gain, -np.inf)
                             for c in candidates])
    # Stable sort on descending gain keeps ties in id order.
    order = np.argsort(-gains, axis=1, kind="stable")[:, :TOP_SUGGESTIONS]
    result: dict[str, list[Suggestion]] = {}
    for row, pid in enumerate(ids):
        picked = []
        for column in order[row]:
            gain = gains[row, column]
            if not np.isfinite(gain):
                break
            c = candidates[column]
            picked.append(Suggestion(c.kind, c.id, c.text, c.current[row], c.target[row],
                                     float(gain), c.playbook))
        result[pid] = picked
    return result
